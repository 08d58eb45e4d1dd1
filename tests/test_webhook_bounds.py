# Copyright 2026 isp_telephony authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Issue 11 point 4: a sender that has the webhook secret cannot make the
server fail (500) with out-of-range values, nor attach its event to another
agent's pending click-to-dial."""

import json
from datetime import datetime

from odoo import fields
from odoo.tests import BaseCase, HttpCase, tagged

from ..tools.call_events import WebhookError, parse_callmyway_webhook
from .call_common import WEBHOOK_SECRET, CallSetupMixin, cmw_body

NOW = datetime(2024, 5, 2, 12, 0, 0)
# What the review sent, each answered 500 before.
OUT_OF_RANGE = {
    "duration inf": {"duration": "inf"},
    "duration Infinity (JSON)": {"duration": float("inf")},
    "duration NaN": {"duration": "nan"},
    "duration 1e12": {"duration": "1e12"},
    "duration 3000000000": {"duration": 3000000000},
    "duration 1e400": {"duration": "1e400"},
    "detect_time year 9999": {"detect_time": "9999-12-31 23:59:59"},
    "detect_time year 1": {"detect_time": "0001-01-01 00:00:00"},
    "disconnect_time far ahead": {"disconnect_time": "2030-01-01 00:00:00"},
    "variables as a string": {"variables": "ISP_CALL_LOG_ID=1"},
    "variables as a list": {"variables": [1, 2]},
    "variables holding an object": {"variables": {"ISP_CALL_LOG_ID": {"a": 1}}},
    "duration as a boolean": {"duration": True},
}


class TestWebhookBoundsCore(BaseCase):
    def test_out_of_range_values_are_refused(self):
        for name, data in OUT_OF_RANGE.items():
            body = cmw_body("callEnd", connect_time="2024-05-02 10:00:05", **data)
            with self.subTest(name), self.assertRaises(WebhookError):
                parse_callmyway_webhook(body, tz="America/Sao_Paulo", now=lambda: NOW)

    def test_in_range_values_still_read(self):
        body = cmw_body(
            "callEnd",
            connect_time="2024-05-02 10:00:05",
            disconnect_time="2024-05-02 11:00:05",
            duration="3600.0",
            variables={"ISP_CALL_LOG_ID": 12},
        )
        event = parse_callmyway_webhook(body, now=lambda: NOW)
        self.assertEqual(event.duration, 3600)
        self.assertEqual(event.raw["variables"], {"ISP_CALL_LOG_ID": "12"})
        # A platform clock a few hours ahead is tolerated.
        body = cmw_body(detect_time="2024-05-02 20:00:00")
        self.assertEqual(
            parse_callmyway_webhook(body, now=lambda: NOW).timestamp,
            datetime(2024, 5, 2, 20, 0),
        )


@tagged("post_install", "-at_install")
class TestWebhookBoundsHttp(CallSetupMixin, HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.setup_calls(cls.env)

    def setUp(self):
        super().setUp()
        self.authenticate(None, None)

    def post(self, body):
        url = f"/isp_telephony/webhook/{self.calls_integration.id}"
        return self.url_open(
            f"{url}?token={WEBHOOK_SECRET}",
            data=body,
            headers={"Content-Type": "application/json"},
        )

    def logs(self):
        return (
            self.env["isp.call.log"]
            .sudo()
            .search([("integration_id", "=", self.calls_integration.id)])
        )

    def test_out_of_range_values_answer_400_and_store_nothing(self):
        for name, data in OUT_OF_RANGE.items():
            body = cmw_body(
                "callEnd",
                callid=f"r-{len(name)}-{name[:8]}",
                connect_time="2024-05-02 10:00:05",
                **data,
            )
            with self.subTest(name):
                response = self.post(body)
                self.assertEqual(response.status_code, 400, response.text)
                self.assertIn("error", response.json())
        self.assertFalse(self.logs())

    def test_raw_json_literals_refused(self):
        # JSON's non-standard literals, as Python's json module reads them.
        body = cmw_body("callEnd", connect_time="2024-05-02 10:00:05")
        body = body.replace(b'"duration": "0"', b'"duration": Infinity')
        self.assertIn(b"Infinity", body)
        self.assertEqual(self.post(body).status_code, 400)
        self.assertFalse(self.logs())

    def test_event_cannot_take_over_another_agent_click_to_dial(self):
        """A sender names the pending click-to-dial of agent Bruno in
        ISP_CALL_LOG_ID on an event of agent Ana's endpoint: Bruno's request
        stays his, the event gets its own log."""
        request = (
            self.env["isp.call.log"]
            .sudo()
            .create(
                {
                    "integration_id": self.calls_integration.id,
                    "agent_id": self.other_agent.id,
                    "user_id": self.other_user.id,
                    "direction": "out",
                    "state": "requested",
                    "source": "click_to_dial",
                    "number": "3135001000",
                    "number_e164": "+553135001000",
                    "request_time": fields.Datetime.now(),
                }
            )
        )
        body = json.loads(cmw_body(callid="hijack-1", type="out", dnis="3135001000"))
        body["data"]["variables"] = {"ISP_CALL_LOG_ID": str(request.id)}
        body["data"]["detect_time"] = fields.Datetime.to_string(fields.Datetime.now())
        response = self.post(json.dumps(body).encode())
        self.assertEqual(response.status_code, 200, response.text)
        request.invalidate_recordset()
        self.assertEqual(request.state, "requested")
        self.assertFalse(request.call_id)
        hijack = self.logs().filtered(lambda log: log.call_id == "hijack-1")
        self.assertEqual(hijack.agent_id, self.agent)
        self.assertNotEqual(hijack, request)
