# Copyright 2026 isp_telephony authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Invoices: the telephony charges they carry and the contracts they reopen."""

from odoo import api, fields, models


class AccountMove(models.Model):
    _inherit = "account.move"

    telephony_contract_id = fields.Many2one(
        "contract.contract",
        readonly=True,
        index=True,
        copy=False,
        help="Contract whose telephony charges this separate invoice bills.",
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

    def button_cancel(self):
        """A cancelled invoice frees its telephony charges: the next invoice
        carries them once."""
        res = super().button_cancel()
        cancelled = self.filtered(lambda m: m.state == "cancel")
        self.env["isp.telephony.charge"]._free(move_ids=cancelled.ids)
        return res

    def button_draft(self):
        """Back from cancelled: its telephony lines lost their charges (they
        may be on another invoice now), so they are removed, never billed
        twice."""
        cancelled = self.filtered(lambda m: m.state == "cancel")
        res = super().button_draft()
        stale = cancelled.invoice_line_ids.filtered(
            lambda line: (
                line.telephony_charge_id
                and line.telephony_charge_id.invoice_line_id != line
            )
        )
        if stale:
            for move in stale.move_id:
                move.message_post(
                    body=self.env._(
                        "Telephony lines removed: their charges were freed when "
                        "the invoice was cancelled and go on the contract's next "
                        "invoice."
                    )
                )
            stale.with_context(dynamic_unlink=True).unlink()
        return res

    def unlink(self):
        self.env["isp.telephony.charge"]._free(move_ids=[i for i in self.ids if i])
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
