# Copyright 2026 isp_telephony authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Payments: clearing a contract's invoice re-evaluates its service status."""

from odoo import api, models


class AccountPartialReconcile(models.Model):
    """A payment clearing (or an unreconciliation reopening) a contract's
    invoice re-evaluates that contract's service status at once: a paid
    partial or automatic block is released without waiting for the daily
    run."""

    _inherit = "account.partial.reconcile"

    @api.model_create_multi
    def create(self, vals_list):
        partials = super().create(vals_list)
        partials._telephony_reevaluate(partials._telephony_moves())
        return partials

    def unlink(self):
        moves = self._telephony_moves()
        res = super().unlink()
        self._telephony_reevaluate(moves)
        return res

    def _telephony_moves(self):
        return (self.debit_move_id | self.credit_move_id).move_id.filtered(
            lambda m: m.move_type == "out_invoice"
        )

    @api.model
    def _telephony_reevaluate(self, moves):
        if not moves:
            return
        Contract = self.env["contract.contract"].sudo()
        Contract._telephony_contracts_of_moves(moves)._evaluate_service_status()
