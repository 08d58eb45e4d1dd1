# Copyright 2026 isp_telephony authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Call outcome: what came of a call, chosen in the call panel."""

from odoo import api, fields, models
from odoo.exceptions import ValidationError


class IspCallOutcome(models.Model):
    """What came of a call, chosen by the agent in the call panel."""

    _name = "isp.call.outcome"
    _description = "Call Outcome"
    _order = "sequence, name, id"

    sequence = fields.Integer(default=10)
    name = fields.Char(required=True, translate=True)
    active = fields.Boolean(default=True)
    company_id = fields.Many2one(
        "res.company",
        index=True,
        help="Leave empty to offer this outcome in every company.",
    )
    color = fields.Integer()
    charge_product_id = fields.Many2one(
        "product.product",
        string="Collection Charge",
        domain=[("type", "=", "service")],
        help="Service product of the collection-management charge the agent may "
        "add to the contract's next invoice with this outcome (seed 001).",
    )
    charge_amount = fields.Monetary(
        currency_field="currency_id",
        help="Price of the collection charge; empty uses the product's price.",
    )
    currency_id = fields.Many2one(
        "res.currency",
        default=lambda self: self.env.company.currency_id,
        required=True,
    )
    charge_by_default = fields.Boolean(
        help="Tick the 'add collection charge' box when the agent picks this outcome.",
    )
    description = fields.Text(
        help="When agents should choose this outcome.",
    )

    @api.constrains("charge_amount")
    def _check_charge_amount(self):
        for outcome in self:
            if outcome.charge_amount < 0:
                raise ValidationError(
                    self.env._("A collection charge cannot be negative.")
                )

    def _charge_price(self):
        self.ensure_one()
        return self.charge_amount or self.charge_product_id.lst_price
