# Copyright 2026 isp_telephony authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The contract's side of telephony billing (issue 13): its charges, and
OCA contract's recurring invoice carrying the charges still to invoice.

Kept beside contract_contract.py (service status and blocking) so that each
file reads as one concern of the same model."""

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError

from ..tools import billing


class ContractContract(models.Model):
    _inherit = "contract.contract"

    telephony_charge_ids = fields.One2many(
        "isp.telephony.charge", "contract_id", string="Telephony Charges"
    )
    telephony_charge_count = fields.Integer(compute="_compute_telephony_charge_count")

    @api.depends("telephony_charge_ids")
    def _compute_telephony_charge_count(self):
        counts = dict(
            self.env["isp.telephony.charge"]._read_group(
                [("contract_id", "in", self.ids)], ["contract_id"], ["__count"]
            )
        )
        for contract in self:
            contract.telephony_charge_count = counts.get(contract._origin, 0)

    def _prepare_recurring_invoices_values(self, date_ref=False):
        """OCA contract's invoice preparation (its cron and its *Create
        Invoices* button): each contract's invoice also carries its
        telephony charges still to invoice, one line per charge. Charges in
        another currency than the invoice wait for a separate invoice."""
        charges = self.env["isp.telephony.charge"]._to_invoice_by_contract(
            self.filtered(lambda c: c.contract_type == "sale")
        )
        if not charges:
            return super()._prepare_recurring_invoices_values(date_ref)
        values = []
        for contract in self:
            vals_list = super(
                ContractContract, contract
            )._prepare_recurring_invoices_values(date_ref)
            mine = charges.get(contract.id)
            if vals_list and mine:
                currency = vals_list[0].get("currency_id")
                mine = mine.filtered(lambda c, cur=currency: c.currency_id.id == cur)
                vals_list[0]["invoice_line_ids"] += [
                    fields.Command.create(vals) for vals in mine._invoice_line_vals()
                ]
            values += vals_list
        return values

    def _get_related_invoices(self):
        """OCA's Invoices button: also the invoices of the contract's
        telephony charges (a contract without lines of its own)."""
        invoices = super()._get_related_invoices()
        # One indexed SQL probe: OCA calls this per contract and per invoice
        # it creates (origin message, followers), so an ORM search here was
        # a visible share of the contract invoicing.
        self.env["isp.telephony.charge"].flush_model(["contract_id", "invoice_id"])
        self.env.cr.execute(
            "SELECT DISTINCT invoice_id FROM isp_telephony_charge"
            " WHERE contract_id = %s AND invoice_id IS NOT NULL",
            [self.id],
        )
        ids = [row[0] for row in self.env.cr.fetchall()]
        return invoices | invoices.browse(ids)

    def action_view_telephony_charges(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "isp_telephony.action_isp_telephony_charge"
        )
        action["domain"] = [("contract_id", "=", self.id)]
        action["context"] = {"default_contract_id": self.id}
        return action

    def action_telephony_create_invoice(self):
        """OCA's *Create invoices* (debug mode only in its form) from the
        Telephony tab: the contract's next invoice with its charges, opened."""
        self.ensure_one()
        if not self.env.user.has_group("account.group_account_invoice"):
            raise AccessError(
                self.env._("Only invoicing users can create the contract's invoice.")
            )
        moves = self.recurring_create_invoice()
        if not moves:
            raise UserError(
                self.env._(
                    "The contract has nothing to invoice now: no recurring line is "
                    "due. Use Invoice Now on a charge for a separate invoice."
                )
            )
        return self.env["isp.telephony.charge"]._open_invoices(moves)

    def action_print_call_statement(self):
        """The call statement of the cycle running today ("so far")."""
        self.ensure_one()
        today = fields.Date.context_today(self)
        due_days = self.sip_line_ids.filtered("billing_plan_id").mapped("due_day")
        due_day = min(due_days) if due_days else 1
        month = billing.month_start(today)
        if today.day >= due_day:
            month = billing.month_start(fields.Date.add(month, months=1))
        report = self.env.ref("isp_telephony.action_report_call_statement")
        return report.report_action(
            self.env["account.move"],
            data={
                "contract_id": self.id,
                "billing_month": fields.Date.to_string(month),
            },
        )
