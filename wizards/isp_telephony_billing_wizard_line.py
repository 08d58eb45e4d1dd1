# Copyright 2026 isp_telephony authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import fields, models


class IspTelephonyBillingWizardLine(models.TransientModel):
    """One contract in the preview of a month's close."""

    _name = "isp.telephony.billing.wizard.line"
    _description = "Telephony Billing Preview Line"
    _order = "status, contract_id"

    wizard_id = fields.Many2one(
        "isp.telephony.billing.wizard", required=True, ondelete="cascade"
    )
    currency_id = fields.Many2one(related="wizard_id.currency_id")
    contract_id = fields.Many2one("contract.contract", readonly=True)
    partner_id = fields.Many2one(related="contract_id.partner_id", string="Customer")
    calls = fields.Integer(readonly=True, help="Calls of the cycle not yet charged.")
    minutes = fields.Float(readonly=True, digits=(16, 2), help="Minutes talked.")
    franchise = fields.Char(
        string="Franchise Used", readonly=True, help="Used / included, per bucket."
    )
    excess_minutes = fields.Float(
        readonly=True, digits=(16, 2), help="Rounded minutes beyond the franchise."
    )
    amount = fields.Monetary(string="Overage", readonly=True)
    no_rate_calls = fields.Integer(readonly=True, help="Calls no rate matches.")
    status = fields.Selection(
        [
            ("blocked", "Blocked"),
            ("bill", "To charge"),
            ("nothing", "Within franchise"),
            ("charged", "Charged"),
            ("failed", "Billing failed"),
        ],
        readonly=True,
    )
    note = fields.Char(readonly=True)

    def action_print_statement(self):
        """The call statement of this contract's cycle in the billing month
        (billed and unbilled calls)."""
        self.ensure_one()
        report = self.env.ref("isp_telephony.action_report_call_statement")
        return report.report_action(
            self.env["account.move"],
            data={
                "contract_id": self.contract_id.id,
                "billing_month": fields.Date.to_string(self.wizard_id.billing_month),
            },
        )
