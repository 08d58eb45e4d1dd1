# Copyright 2026 isp_telephony authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Browser tour: a telephony manager sees a line at its credit limit in
Blocked Lines, reads the reason and lifts it (the lift is logged)."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from freezegun import freeze_time

from odoo import Command, fields
from odoo.tests import HttpCase, new_test_user, tagged


@tagged("post_install", "-at_install")
class TestSpendTour(HttpCase):
    def test_manager_lifts_a_line_at_its_limit(self):
        env = self.env
        manager = new_test_user(
            env,
            login="tour_spend_manager",
            groups="base.group_user,isp_telephony.group_telephony_manager",
            name="Tour Spend Manager",
        )
        integration = env["isp.telephony.integration"].create(
            {"name": "Tour spend", "gateway": "sandbox", "area_code": "31"}
        )
        env["isp.number.range"].create(
            {
                "name": "Tour spend range",
                "country_code": "55",
                "area_code": "31",
                "first_number": "37000000",
                "last_number": "37000009",
            }
        )
        number = env["isp.phone.number"].search([("e164", "=", "+553137000001")])
        product = env["product.product"].create(
            {"name": "Tour telephony", "type": "service"}
        )
        plan = env["isp.telephony.plan"].create(
            {
                "name": "Tour plan",
                "product_id": product.id,
                "credit_limit": 1.0,
                "rate_ids": [
                    Command.create(
                        {"dest_class": "international", "price_per_minute": 3.0}
                    )
                ],
            }
        )
        partner = env["res.partner"].create(
            {"name": "Tour customer", "email": "tour@example.com"}
        )
        contract = env["contract.contract"].create(
            {"name": "Tour contract", "partner_id": partner.id}
        )
        local_day = datetime.now(ZoneInfo(integration.timezone)).day
        line = env["isp.sip.line"].create(
            {
                "contract_id": contract.id,
                "integration_id": integration.id,
                "caller_id_number_id": number.id,
                "billing_plan_id": plan.id,
                "description": "Tour spend line",
                # The call below (30 minutes ago) must fall in the line's
                # current cycle: a due day of 1 puts the cycle's start at
                # local midnight of the 1st, so on the 1st and 2nd (local)
                # the cycle starts on the 15th of the previous month.
                "due_day": 15 if local_day <= 2 else 1,
            }
        )
        line.sudo().state = "active"
        connect = fields.Datetime.now() - timedelta(minutes=30)
        env["isp.cdr"].create(
            {
                "integration_id": integration.id,
                "company_id": integration.company_id.id,
                "call_id": "tour-spend-1",
                "direction": "out",
                "ani_e164": "+553137000001",
                "dnis_e164": "+12025550123",
                "connect_time": connect,
                "billsec": 120,
                "disposition": "answered",
                "line_id": line.id,
                "contract_id": contract.id,
                "partner_id": partner.id,
            }
        )
        env["isp.telephony.spend"]._check_spend(
            line.ids, new_calls={line.id: (connect, connect)}, origin="Tour import"
        )
        self.assertTrue(line.credit_blocked)
        self.assertEqual(line.credit_state, "limit")
        self.start_tour(
            "/odoo/action-isp_telephony.action_isp_sip_line_blocked",
            "isp_telephony_spend_lift",
            login=manager.login,
        )
        line.invalidate_recordset()
        self.assertFalse(line.credit_blocked)
        self.assertEqual(line.line_status, "active")
        self.assertEqual(line.credit_lifted_cycle, line.cycle_start)
        logged = line.message_ids.filtered(lambda m: "lifted" in str(m.body))
        self.assertIn(manager.name, str(logged.body))

    def test_manager_lifts_a_line_at_its_limit_just_after_midnight_of_the_1st(self):
        # 00:20 in Sao Paulo on the 1st: a call of 30 minutes ago is in the
        # previous month; the line's cycle must still hold it.
        with freeze_time("2026-12-01 03:20:00", tick=True):
            self.test_manager_lifts_a_line_at_its_limit()
