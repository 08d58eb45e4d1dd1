# Copyright 2026 isp_telephony authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import json

from odoo.tests import HttpCase, tagged

from .call_common import WEBHOOK_SECRET, CallSetupMixin, cmw_body


@tagged("post_install", "-at_install")
class TestCallWebhook(CallSetupMixin, HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.setup_calls(cls.env)

    def setUp(self):
        super().setUp()
        # An anonymous session that names the database.
        self.authenticate(None, None)

    def post(self, body, token=WEBHOOK_SECRET, headers=None, integration=None):
        integration = integration or self.calls_integration
        url = f"/isp_telephony/webhook/{integration.id}"
        if token is not None:
            url += f"?token={token}"
        headers = dict({"Content-Type": "application/json"}, **(headers or {}))
        return self.url_open(url, data=body, headers=headers)

    def logs(self):
        return (
            self.env["isp.call.log"]
            .sudo()
            .search([("integration_id", "=", self.calls_integration.id)])
        )

    def test_call_start_and_end(self):
        response = self.post(cmw_body())
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.json(), {"ack": "ok"})
        log = self.logs()
        self.assertEqual(len(log), 1)
        self.assertEqual(log.call_id, "cmw-1")
        self.assertEqual(log.partner_id, self.partner_one)
        self.assertEqual(log.user_id, self.agent_user)
        payloads = self.bus_messages(self.agent_user.partner_id)
        self.assertEqual([p["action"] for p in payloads], ["start"])
        self.assertEqual(self.bus_messages(self.other_user.partner_id), [])

        end = cmw_body(
            "callEnd",
            connect_time="2024-05-02 10:00:05",
            disconnect_time="2024-05-02 10:01:05",
            duration="60",
        )
        self.assertEqual(self.post(end).json(), {"ack": "ok"})
        log.invalidate_recordset()
        self.assertEqual(log.state, "ended")
        self.assertEqual(log.duration, 60)

    def test_replay_is_idempotent(self):
        for _attempt in range(3):
            self.assertEqual(self.post(cmw_body()).status_code, 200)
        self.assertEqual(len(self.logs()), 1)
        self.assertEqual(len(self.bus_messages(self.agent_user.partner_id)), 1)

    def test_secret_in_header(self):
        response = self.post(
            cmw_body(), token=None, headers={"X-Webhook-Token": WEBHOOK_SECRET}
        )
        self.assertEqual(response.status_code, 200)

    def test_bad_or_missing_secret_is_forbidden(self):
        self.assertEqual(self.post(cmw_body(), token="wrong").status_code, 403)
        self.assertEqual(self.post(cmw_body(), token=None).status_code, 403)
        self.assertEqual(self.post(cmw_body(), token="").status_code, 403)
        other = self.calls_integration.copy({"name": "other"})
        # The secret of another integration does not open this one.
        self.assertNotEqual(other._get_secret("webhook_secret"), WEBHOOK_SECRET)
        self.assertEqual(self.post(cmw_body(), integration=other).status_code, 403)
        self.assertFalse(self.logs())
        self.assertEqual(self.bus_messages(), [])

    def test_unknown_or_archived_integration_is_forbidden(self):
        url = f"/isp_telephony/webhook/999999?token={WEBHOOK_SECRET}"
        self.assertEqual(self.url_open(url, data=cmw_body()).status_code, 403)
        self.calls_integration.active = False
        self.assertEqual(self.post(cmw_body()).status_code, 403)

    def test_malformed_body_is_refused(self):
        for body in (
            b"{not json",
            b"[]",
            json.dumps({"action": "callStart"}).encode(),
            cmw_body(type="sideways"),
            cmw_body(callid=""),
        ):
            response = self.post(body)
            self.assertEqual(response.status_code, 400, body)
            self.assertIn("error", response.json())
        self.assertFalse(self.logs())

    def test_oversized_body_is_refused(self):
        body = cmw_body(cost="1" * 70000)
        response = self.post(body)
        self.assertEqual(response.status_code, 400)
        self.assertIn("larger than", response.json()["error"])
        self.assertFalse(self.logs())

    def test_source_ip_allow_list(self):
        self.calls_integration.webhook_allowed_ips = "203.0.113.5, 198.51.100.0/24"
        self.assertEqual(self.post(cmw_body()).status_code, 403)
        self.calls_integration.webhook_allowed_ips = "127.0.0.0/8"
        self.assertEqual(self.post(cmw_body()).status_code, 200)

    def test_matching_several_and_withheld_numbers(self):
        self.post(cmw_body(callid="m-2", ani="553135002000"))
        self.post(cmw_body(callid="m-3", ani="anonymous"))
        self.post(cmw_body(callid="m-4", ani="553135009999"))
        modes = {
            p["id"]: p["mode"] for p in self.bus_messages(self.agent_user.partner_id)
        }
        by_call = {log.call_id: modes[log.id] for log in self.logs()}
        self.assertEqual(
            by_call, {"m-2": "choose", "m-3": "withheld", "m-4": "unknown"}
        )
