# Copyright 2026 isp_telephony authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import fields, models

from .isp_telephony_destination_class import DEST_CLASSES


class AccountMoveLine(models.Model):
    _inherit = "account.move.line"

    telephony_plan_id = fields.Many2one(
        "isp.telephony.plan",
        readonly=True,
        index="btree_not_null",
        copy=False,
        help="Telephony plan whose overage this line bills.",
    )
    telephony_dest_class = fields.Selection(
        DEST_CLASSES, string="Telephony Destination Class", readonly=True, copy=False
    )
    telephony_cdr_ids = fields.One2many(
        "isp.cdr", "invoice_line_id", string="Billed Calls"
    )

    def unlink(self):
        """A deleted overage line frees the calls it billed."""
        ids = [line.id for line in self if line.telephony_plan_id]
        if ids:
            self.env["isp.cdr"].flush_model()
            self.env.cr.execute(
                """
                UPDATE isp_cdr SET invoice_id = NULL, invoice_line_id = NULL,
                       billed = false
                 WHERE invoice_line_id = ANY(%s)
                """,
                [ids],
            )
            self.env["isp.cdr"].invalidate_model(
                ["invoice_id", "invoice_line_id", "billed"]
            )
        return super().unlink()
