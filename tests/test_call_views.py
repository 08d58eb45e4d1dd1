# Copyright 2026 isp_telephony authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""What finance and staff read on the calls: a readable title, numbers the
way Brazilians write them (the E.164 form still found), newest first, the
overview in minutes, and a Telephony menu whose every list says what to do
when it is empty."""

from datetime import datetime

from odoo.tests import tagged

from ..tools import phone_format
from .billing_common import LOCAL, MOBILE, USA, BillingCase


@tagged("post_install", "-at_install")
class TestCallViews(BillingCase):
    def test_numbers_read_the_brazilian_way_and_e164_is_searchable(self):
        cdr = self.cdr(MOBILE, 42, 5)
        self.assertEqual(cdr.ani_display, "(31) 3500-0001")
        self.assertEqual(cdr.dnis_display, "(31) 98765-4321")
        foreign = self.cdr(USA, 10, 6)
        self.assertEqual(foreign.dnis_display, "+1 202-555-0123")
        Cdr = self.env["isp.cdr"]
        for typed in (MOBILE, "(31) 98765-4321", "98765-4321"):
            found = Cdr.search([("number_search", "ilike", typed)])
            self.assertIn(cdr, found, typed)
            self.assertNotIn(foreign, found, typed)

    def test_a_call_title_is_date_line_and_number(self):
        self.user.tz = "America/Sao_Paulo"
        cdr = self.cdr(LOCAL, 42, 5, detect_time=datetime(2026, 2, 10, 3, 5))
        title = cdr.with_user(self.user).display_name
        self.assertIn("(31) 3500-0001", title)
        self.assertIn("(31) 3333-4444", title)
        self.assertIn("2/10/26", title)
        self.assertNotIn(cdr.call_id, title)

    def test_newest_first_unanswered_calls_included(self):
        old = self.cdr(LOCAL, 42, 5, detect_time=datetime(2026, 2, 11, 10, 0))
        unanswered = self.cdr(
            LOCAL,
            0,
            5,
            connect_time=False,
            disposition="no_answer",
            detect_time=datetime(2026, 2, 12, 10, 0),
        )
        newest = self.cdr(LOCAL, 42, 5, detect_time=datetime(2026, 2, 13, 10, 0))
        calls = self.env["isp.cdr"].search(
            [("id", "in", (old | unanswered | newest).ids)]
        )
        self.assertEqual(calls.ids, [newest.id, unanswered.id, old.id])

    def test_overview_in_minutes_with_charge_cost_and_margin(self):
        self.cdr(LOCAL, 150, 5, platform_cost=0.05)  # 100 s franchise, 50 s excess
        self.cdr(MOBILE, 60, 10, platform_cost=0.20)
        self.rate()
        self.env.flush_all()
        groups = self.env["isp.cdr.analysis"]._read_group(
            [("line_id", "=", self.line.id)],
            ["dest_class"],
            ["call_count:sum", "rated_minutes:sum", "charge:sum", "margin:sum"],
        )
        by_class = {g[0]: g[1:] for g in groups}
        calls, minutes, charge, margin = by_class["local_mobile"]
        self.assertEqual(calls, 1)
        self.assertAlmostEqual(minutes, 1.0)
        self.assertAlmostEqual(charge, 1.80)
        self.assertAlmostEqual(margin, 1.60)
        calls, minutes, charge, _margin = by_class["local_fixed"]
        self.assertEqual(calls, 1)
        self.assertAlmostEqual(minutes, 3.0)  # 60 s blocks: 180 s
        no_rate = self.cdr(USA, 60, 20)
        self.rate()
        self.assertEqual(no_rate.rating_status, "no_rate")
        found = self.env["isp.cdr"].search(
            [("rating_status", "=", "no_rate"), ("line_id", "=", self.line.id)]
        )
        self.assertEqual(found, no_rate)

    def test_display_helper_falls_back_to_what_was_received(self):
        self.assertEqual(
            phone_format.format_display("", "BR", "anonymous"), "anonymous"
        )
        self.assertEqual(phone_format.format_display("+551135000012"), "(11) 3500-0012")


@tagged("post_install", "-at_install")
class TestTelephonyMenu(BillingCase):
    def test_every_list_of_the_app_has_empty_state_help(self):
        root = self.env.ref("isp_telephony.menu_telephony_root")
        menus = self.env["ir.ui.menu"].search([("id", "child_of", root.id)])
        actions = [
            menu.action
            for menu in menus
            if menu.action
            and menu.action._name == "ir.actions.act_window"
            and menu.action.res_model != "res.config.settings"
            and menu.action.target != "new"
            # a list: a full-page form (Close Telephony Month) shows no
            # empty state
            and "list" in (menu.action.view_mode or "")
        ]
        self.assertGreater(len(actions), 20)
        for action in actions:
            self.assertTrue(action.help, f"{action.name} has no empty-state help")

    def test_menu_groups_the_way_people_work(self):
        root = self.env.ref("isp_telephony.menu_telephony_root")
        top = root.child_id.filtered(lambda m: m.child_id).mapped("name")
        for name in ("Customers", "Calls", "Billing", "Blocking", "Configuration"):
            self.assertIn(name, top)
        customers = self.env.ref("isp_telephony.menu_telephony_customers")
        self.assertIn(
            self.env.ref("contract.action_customer_contract"),
            [menu.action for menu in customers.child_id],
        )


@tagged("post_install", "-at_install")
class TestTelephonyOverview(BillingCase):
    def overview(self):
        self.env.flush_all()
        overview = self.env["isp.telephony.overview"].with_user(self.manager)
        return {card["key"]: card for card in overview.get_overview()["cards"]}

    def test_overview_counts_this_month_and_opens_what_it_counts(self):
        before = self.overview()
        now = datetime.now().replace(microsecond=0)
        for dialled, seconds in ((LOCAL, 150), (MOBILE, 60), (USA, 60)):
            self.cdr(dialled, seconds, now, detect_time=now)
        self.rate()
        cards = self.overview()

        def added(key):
            return cards[key]["value"] - before[key]["value"]

        self.assertEqual(added("calls"), 3)
        self.assertEqual(added("no_rate"), 1)
        self.assertEqual(cards["no_rate"]["level"], "danger")
        charged = self.env["isp.cdr"].search([("line_id", "=", self.line.id)])
        rated = sum(charged.mapped("rounded_seconds")) / 60
        self.assertGreaterEqual(rated, 4.0)  # local 3 min (60 s blocks), mobile 1
        self.assertAlmostEqual(added("minutes"), rated)
        self.assertAlmostEqual(added("revenue"), sum(charged.mapped("charge")))
        self.assertGreater(added("revenue"), 1.80)
        no_rate = self.env["isp.cdr"].search(cards["no_rate"]["action"]["domain"])
        self.assertIn(USA, no_rate.mapped("dnis_e164"))
        self.assertEqual(added("rejected_imports"), 0)
