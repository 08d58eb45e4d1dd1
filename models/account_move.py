# Copyright 2026 isp_telephony authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, fields, models


class AccountMove(models.Model):
    _inherit = "account.move"

    telephony_contract_id = fields.Many2one(
        "contract.contract",
        readonly=True,
        index=True,
        copy=False,
        help="Contract whose telephony overage this invoice was created for.",
    )
    telephony_billing_month = fields.Date(
        readonly=True, copy=False, help="First day of the telephony billing month."
    )
    telephony_cdr_ids = fields.One2many("isp.cdr", "invoice_id", string="Billed Calls")
    telephony_cdr_count = fields.Integer(compute="_compute_telephony_cdr_count")

    @api.depends("telephony_cdr_ids")
    def _compute_telephony_cdr_count(self):
        counts = dict(
            self.env["isp.cdr"]
            .sudo()
            ._read_group([("invoice_id", "in", self.ids)], ["invoice_id"], ["__count"])
        )
        for move in self:
            move.telephony_cdr_count = counts.get(move._origin, 0)

    def _telephony_free_cdrs(self):
        """Cancelled or deleted: the calls go back to unbilled, to be billed
        by the next run."""
        ids = [move_id for move_id in self.ids if move_id]
        if not ids:
            return
        self.env["isp.cdr"].flush_model()
        self.env.cr.execute(
            """
            UPDATE isp_cdr SET invoice_id = NULL, invoice_line_id = NULL,
                   billed = false
             WHERE invoice_id = ANY(%s)
            """,
            [ids],
        )
        self.env["isp.cdr"].invalidate_model(
            ["invoice_id", "invoice_line_id", "billed"]
        )
        self.invalidate_recordset(["telephony_cdr_ids"])

    def button_cancel(self):
        res = super().button_cancel()
        self.filtered(lambda m: m.state == "cancel")._telephony_free_cdrs()
        return res

    def button_draft(self):
        """Back from cancelled: its telephony lines lost their calls (they may
        be billed elsewhere now), so they are removed, never billed twice."""
        cancelled = self.filtered(lambda m: m.state == "cancel")
        res = super().button_draft()
        stale = cancelled.invoice_line_ids.filtered(
            lambda line: line.telephony_plan_id and not line.telephony_cdr_ids
        )
        if stale:
            for move in stale.move_id:
                move.message_post(
                    body=self.env._(
                        "Telephony overage lines removed: their calls were "
                        "freed when the invoice was cancelled and will be billed "
                        "by the next telephony billing run."
                    )
                )
            stale.with_context(dynamic_unlink=True).unlink()
        return res

    def unlink(self):
        self._telephony_free_cdrs()
        return super().unlink()

    def action_view_telephony_cdrs(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Billed calls"),
            "res_model": "isp.cdr",
            "view_mode": "list,form",
            "domain": [("invoice_id", "=", self.id)],
        }
