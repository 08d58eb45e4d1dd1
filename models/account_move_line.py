# Copyright 2026 isp_telephony authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Invoice lines: the telephony charge and plan an invoice line bills."""

from odoo import api, fields, models

from .isp_telephony_destination_class import DEST_CLASSES


class AccountMoveLine(models.Model):
    _inherit = "account.move.line"

    telephony_billing_plan_id = fields.Many2one(
        "isp.telephony.plan",
        readonly=True,
        index="btree_not_null",
        copy=False,
        help="Telephony plan whose overage this line bills.",
    )
    telephony_dest_class = fields.Selection(
        DEST_CLASSES, string="Telephony Destination Class", readonly=True, copy=False
    )
    telephony_charge_id = fields.Many2one(
        "isp.telephony.charge",
        readonly=True,
        index="btree_not_null",
        copy=False,
        help="Telephony charge this line bills.",
    )
    telephony_cdr_ids = fields.One2many(
        "isp.cdr", "invoice_line_id", string="Billed Calls"
    )

    @api.model_create_multi
    def create(self, vals_list):
        """A new line carrying a telephony charge marks it invoiced (once:
        a charge already invoiced is refused)."""
        lines = super().create(vals_list)
        charged = lines.filtered("telephony_charge_id")
        if charged:
            self.env["isp.telephony.charge"]._mark_invoiced(charged)
        return lines

    def unlink(self):
        """A deleted telephony line frees its charge."""
        ids = [line.id for line in self if line.telephony_charge_id]
        if ids:
            self.env["isp.telephony.charge"]._free(line_ids=ids)
        return super().unlink()
