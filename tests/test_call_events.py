# Copyright 2026 isp_telephony authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import json
from datetime import datetime

from odoo.tests import BaseCase

from ..tools.call_events import (
    WEBHOOK_ACK,
    CallEvent,
    WebhookError,
    check_secret,
    parse_callmyway_webhook,
)
from .call_common import cmw_body


def payload(action="callStart", **data):
    """The webhook body of call abc-123 from 55 11 3456-7890."""
    return cmw_body(action, **{"callid": "abc-123", "ani": "551134567890", **data})


class TestCallMyWayWebhook(BaseCase):
    def test_call_start(self):
        event = parse_callmyway_webhook(payload())
        self.assertIsInstance(event, CallEvent)
        self.assertEqual(event.action, "start")
        self.assertEqual(event.call_id, "abc-123")
        self.assertEqual(event.direction, "in")
        self.assertEqual(event.caller, "551134567890")
        self.assertEqual(event.called, "8000001")
        self.assertEqual(event.endpoint, "8000001")
        self.assertEqual(event.timestamp, datetime(2024, 5, 2, 10, 0, 0))
        self.assertEqual(event.raw["account_id"], "77")

    def test_call_end_connected_in_source_time_zone(self):
        body = payload(
            "callEnd",
            type="out",
            connect_time="2024-05-02 10:00:05",
            disconnect_time="2024-05-02 10:01:05",
            duration="60",
        )
        event = parse_callmyway_webhook(body, tz="America/Sao_Paulo")
        self.assertEqual(event.action, "end")
        self.assertEqual(event.direction, "out")
        self.assertEqual(event.duration, 60)
        self.assertTrue(event.answered)
        # 10:01:05 in Sao Paulo (UTC-3) is 13:01:05 UTC, stored naive.
        self.assertEqual(event.timestamp, datetime(2024, 5, 2, 13, 1, 5))
        self.assertIsNone(event.timestamp.tzinfo)

    def test_call_end_never_connected_has_no_duration(self):
        body = payload("callEnd", duration="25", disconnect_time="2024-05-02 10:00:25")
        event = parse_callmyway_webhook(body)
        self.assertEqual(event.duration, 0)
        self.assertFalse(event.answered)

    def test_internal_call_counts_as_outgoing(self):
        event = parse_callmyway_webhook(payload(type="internal"))
        self.assertEqual(event.direction, "out")
        self.assertEqual(event.raw["type"], "internal")

    def test_private_caller_is_accepted_empty(self):
        event = parse_callmyway_webhook(payload(ani=""))
        self.assertEqual(event.caller, "")

    def test_numbers_sent_as_json_numbers(self):
        event = parse_callmyway_webhook(payload(callid=991, ani=551134567890))
        self.assertEqual(event.call_id, "991")
        self.assertEqual(event.caller, "551134567890")

    def test_missing_time_uses_now(self):
        now = datetime(2024, 1, 1, 12, 0)
        event = parse_callmyway_webhook(payload(detect_time=None), now=lambda: now)
        self.assertEqual(event.timestamp, now)

    def test_rejections(self):
        cases = {
            "bad json": b"{'action': 'callStart'}",
            "not object": b"[1, 2]",
            "empty": b"  ",
            "unknown action": json.dumps({"action": "callRing", "data": {}}),
            "no data": json.dumps({"action": "callStart"}),
            "missing callid": payload(callid=None),
            "empty callid": payload(callid=""),
            "missing endpoint": payload(endpoint_id=None),
            "missing ani": payload(ani=None),
            "bad type": payload(type="sideways"),
            "bad time": payload(detect_time="02/05/2024 10:00"),
            "bad duration": payload(duration="long"),
            "negative duration": payload(duration="-3"),
            "object field": payload(ani={"x": 1}),
            "not utf-8": b'{"action": "callStart", "data": {"ani": "\xff"}}',
        }
        for name, body in cases.items():
            with self.subTest(name), self.assertRaises(WebhookError) as caught:
                parse_callmyway_webhook(body)
            self.assertTrue(caught.exception.reason)

    def test_unknown_action_reason(self):
        body = json.dumps({"action": "callRing", "data": {}}).encode()
        with self.assertRaises(WebhookError) as caught:
            parse_callmyway_webhook(body)
        self.assertIn("unknown action", caught.exception.reason)

    def test_oversized_body(self):
        body = payload(cost="1" * 200)
        with self.assertRaises(WebhookError) as caught:
            parse_callmyway_webhook(body, max_bytes=100)
        self.assertIn("larger than 100 bytes", caught.exception.reason)
        self.assertEqual(
            parse_callmyway_webhook(body, max_bytes=len(body)).action, "start"
        )

    def test_ack(self):
        self.assertEqual(WEBHOOK_ACK, {"ack": "ok"})


class TestCheckSecret(BaseCase):
    def test_check_secret(self):
        self.assertTrue(check_secret("tok-123", "tok-123"))
        self.assertTrue(check_secret("çañ", "çañ"))
        self.assertFalse(check_secret("tok-124", "tok-123"))
        self.assertFalse(check_secret("tok", "tok-123"))
        self.assertFalse(check_secret("", ""))
        self.assertFalse(check_secret(None, None))
        self.assertFalse(check_secret("x", None))
        self.assertFalse(check_secret(None, "x"))
