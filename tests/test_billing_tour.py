# Copyright 2026 isp_telephony authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The newcomer's path on the demo data, in a browser: close the month,
open the charges, create the contract's invoice, print the statement."""

from odoo.tests import HttpCase, tagged


@tagged("post_install", "-at_install")
class TestBillingTour(HttpCase):
    def test_newcomer_closes_a_month_and_invoices_it(self):
        self.start_tour(
            "/odoo/action-isp_telephony.action_isp_telephony_billing_wizard",
            "isp_telephony_billing_newcomer",
            login="admin",
        )
        # The charge the tour invoiced on its contract's own invoice (a
        # terminated demo contract gets a separate one at the close).
        charge = self.env["isp.telephony.charge"].search(
            [
                ("state", "=", "invoiced"),
                ("invoice_id.telephony_contract_id", "=", False),
            ]
        )
        self.assertEqual(len(charge), 1)
        line = charge.invoice_line_id
        self.assertEqual(line.move_id.state, "draft")
        self.assertTrue(line.move_id.invoice_line_ids.contract_line_id)
        values = self.env[
            "report.isp_telephony.report_call_statement"
        ]._get_report_values(line.move_id.ids)
        (statement,) = values["statements"]
        self.assertAlmostEqual(statement["total_charge_value"], charge.amount)
        self.assertAlmostEqual(line.price_subtotal, charge.amount)
