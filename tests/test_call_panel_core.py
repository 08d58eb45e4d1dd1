# Copyright 2026 isp_telephony authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo.tests import BaseCase

from ..tools import call_panel, ip_allow_list


class TestRemoteParty(BaseCase):
    def test_incoming_is_the_caller(self):
        self.assertEqual(
            call_panel.remote_party("in", "551134567890", "8000001", {"8000001"}),
            "551134567890",
        )

    def test_outgoing_is_the_called_number(self):
        self.assertEqual(
            call_panel.remote_party("out", "8000001", "551134567890", {"8000001"}),
            "551134567890",
        )

    def test_endpoint_in_the_other_field_is_skipped(self):
        # CallMyWay may write the agent's endpoint where the customer is.
        self.assertEqual(
            call_panel.remote_party("in", "8000001", "551134567890", {"8000001"}),
            "551134567890",
        )


class TestPanelMode(BaseCase):
    def test_rules_of_seed_001(self):
        self.assertEqual(call_panel.panel_mode(False, True, 3), call_panel.LINKED)
        self.assertEqual(call_panel.panel_mode(True, True, 0), call_panel.LINKED)
        self.assertEqual(call_panel.panel_mode(True, False, 0), call_panel.WITHHELD)
        self.assertEqual(call_panel.panel_mode(False, False, 1), call_panel.LINKED)
        self.assertEqual(call_panel.panel_mode(False, False, 2), call_panel.CHOOSE)
        self.assertEqual(call_panel.panel_mode(False, False, 0), call_panel.UNKNOWN)

    def test_withheld_words(self):
        for raw in ("", "anonymous", "Private", "unknown"):
            self.assertTrue(call_panel.is_withheld(raw), raw)
        self.assertFalse(call_panel.is_withheld("(11) 3456-7890"))


class TestGuards(BaseCase):
    def test_allow_list(self):
        allow = "203.0.113.10, 198.51.100.0/24"
        self.assertTrue(ip_allow_list.ip_allowed("203.0.113.10", allow))
        self.assertTrue(ip_allow_list.ip_allowed("198.51.100.77", allow))
        self.assertFalse(ip_allow_list.ip_allowed("203.0.113.11", allow))
        self.assertFalse(ip_allow_list.ip_allowed("not-an-ip", allow))
        self.assertTrue(ip_allow_list.ip_allowed("192.0.2.1", ""))

    def test_bad_allow_list_names_the_entry(self):
        with self.assertRaisesRegex(ValueError, "'300.1.1.1'"):
            ip_allow_list.parse_allow_list("10.0.0.1, 300.1.1.1")

    def test_duration(self):
        self.assertEqual(call_panel.format_duration(0), "0 s")
        self.assertEqual(call_panel.format_duration(83), "1 min 23 s")
        self.assertEqual(call_panel.format_duration(3725), "1 h 02 min 05 s")
