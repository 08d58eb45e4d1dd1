# Copyright 2026 isp_telephony authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, fields, models

from ..tools import billing


class IspTelephonyBillingWizard(models.TransientModel):
    """Telephony billing: preview the month's overage per contract, then
    generate the invoice lines."""

    _name = "isp.telephony.billing.wizard"
    _description = "Telephony Billing"

    billing_month = fields.Date(
        required=True,
        default=lambda self: billing.previous_month(fields.Date.context_today(self)),
        help="Any day of the month: the month bills the cycle of each line that "
        "resets (due day) in it, e.g. due day 10 and March: 10 Feb - 9 Mar.",
    )
    contract_ids = fields.Many2many(
        "contract.contract",
        string="Contracts",
        help="Leave empty to bill every contract with a telephony plan.",
    )
    company_id = fields.Many2one(
        "res.company", required=True, default=lambda self: self.env.company
    )
    currency_id = fields.Many2one(related="company_id.currency_id")
    state = fields.Selection(
        [("draft", "Choose"), ("preview", "Preview"), ("done", "Done")],
        default="draft",
        required=True,
    )
    line_ids = fields.One2many(
        "isp.telephony.billing.wizard.line", "wizard_id", string="Preview"
    )
    total_amount = fields.Monetary(
        compute="_compute_totals", currency_field="currency_id"
    )
    blocked_count = fields.Integer(compute="_compute_totals")
    invoice_ids = fields.Many2many("account.move", string="Invoices", readonly=True)
    result = fields.Text(readonly=True)

    @api.depends("line_ids.amount", "line_ids.status")
    def _compute_totals(self):
        for wizard in self:
            wizard.total_amount = sum(wizard.line_ids.mapped("amount"))
            wizard.blocked_count = len(
                wizard.line_ids.filtered(lambda line: line.status == "blocked")
            )

    def _contract_filter(self):
        return self.contract_ids.ids or None

    def _reopen(self):
        return {
            "type": "ir.actions.act_window",
            "res_model": self._name,
            "res_id": self.id,
            "view_mode": "form",
            "target": "new",
        }

    def action_preview(self):
        self.ensure_one()
        service = self.env["isp.telephony.billing"].with_company(self.company_id)
        month = service._check_month(self.billing_month)
        _cycles, summaries = service._summaries(
            month, self._contract_filter(), self.company_id
        )
        buckets = self.env["isp.telephony.plan.bucket"].sudo()
        values = []
        for contract_id, summary in sorted(summaries.items()):
            reason = service._blocking_reason(summary)
            if reason:
                status = "blocked"
            elif summary["amount"] > 0:
                status = "bill"
            else:
                status = "nothing"
            franchise = "; ".join(
                f"{buckets.browse(bucket_id).name}: "
                f"{billing.minutes(used)} / {billing.minutes(allowance)} min"
                for bucket_id, (used, allowance) in sorted(summary["buckets"].items())
            )
            values.append(
                {
                    "wizard_id": self.id,
                    "contract_id": contract_id,
                    "calls": summary["calls"],
                    "minutes": billing.minutes(summary["billsec"]),
                    "franchise": franchise,
                    "excess_minutes": billing.minutes(summary["excess"]),
                    "amount": summary["amount"],
                    "no_rate_calls": summary["no_rate"],
                    "status": status,
                    "note": reason,
                }
            )
        self.line_ids.unlink()
        self.env["isp.telephony.billing.wizard.line"].create(values)
        self.write({"state": "preview", "billing_month": month})
        return self._reopen()

    def action_generate(self):
        self.ensure_one()
        service = self.env["isp.telephony.billing"].with_company(self.company_id)
        month = service._check_month(self.billing_month)
        result = service._generate(month, self._contract_filter(), self.company_id)
        contracts = self.env["contract.contract"].browse(list(result["skipped"]))
        lines = [
            self.env._(
                "%(invoices)s invoices, %(lines)s invoice lines, "
                "%(cdrs)s calls billed.",
                invoices=len(result["moves"]),
                lines=result["lines"],
                cdrs=result["cdrs"],
            )
        ]
        lines += [
            f"{contract.display_name}: {result['skipped'][contract.id]}"
            for contract in contracts
        ]
        self.write(
            {
                "state": "done",
                "invoice_ids": [fields.Command.set(result["moves"].ids)],
                "result": "\n".join(lines),
            }
        )
        return self._reopen()

    def action_view_invoices(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "account.action_move_out_invoice_type"
        )
        action["domain"] = [("id", "in", self.invoice_ids.ids)]
        action["context"] = {"default_move_type": "out_invoice"}
        return action
