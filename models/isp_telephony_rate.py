# Copyright 2026 isp_telephony authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Rate: a price of a plan for a destination."""

from odoo import api, fields, models

from ..tools import rating
from .isp_telephony_destination_class import DEST_CLASSES


class IspTelephonyRate(models.Model):
    """A price of a plan: for a destination prefix (E.164 digits), a
    destination class, both (the prefix only within that class), or neither
    (the plan's default rate)."""

    _name = "isp.telephony.rate"
    _inherit = ["isp.telephony.plan.part.mixin"]
    _description = "Telephony Rate"
    _order = "plan_id, sequence, prefix, id"
    _rec_names_search = ["name", "prefix"]

    plan_id = fields.Many2one(
        "isp.telephony.plan", required=True, ondelete="cascade", index=True
    )
    company_id = fields.Many2one(related="plan_id.company_id", store=True, index=True)
    currency_id = fields.Many2one(related="plan_id.currency_id")
    sequence = fields.Integer(default=10)
    name = fields.Char(string="Description")
    prefix = fields.Char(
        help="E.164 digits without '+', e.g. 5511 for São Paulo or 44 for the "
        "UK. The longest matching prefix wins.",
    )
    dest_class = fields.Selection(
        DEST_CLASSES,
        string="Destination Class",
        help="Calls of this class, when no prefix matches. With a prefix: the "
        "prefix applies to this class only.",
    )
    is_default = fields.Boolean(
        compute="_compute_is_default",
        help="Neither prefix nor class: the plan's default rate.",
    )
    price_per_minute = fields.Float(
        digits=(16, 6), required=True, default=0.0, help="Price of 60 seconds."
    )
    connection_fee = fields.Float(
        digits=(16, 6),
        default=0.0,
        help="Charged once per call that has seconds beyond the franchise.",
    )
    initial_block = fields.Integer(
        default=60,
        required=True,
        help="Seconds charged for any answered call up to this length "
        "(60/60, 30/6, 60/1: the first number).",
    )
    increment = fields.Integer(
        default=60,
        required=True,
        help="Beyond the initial block, seconds are rounded up to a multiple "
        "of this (the second number).",
    )

    _sql_constraints = [
        (
            "blocks_valid",
            "CHECK(initial_block >= 0 AND increment >= 1)",
            "The initial block must be >= 0 and the increment >= 1.",
        ),
        (
            "prices_positive",
            "CHECK(price_per_minute >= 0 AND connection_fee >= 0)",
            "Prices cannot be negative.",
        ),
    ]

    @api.depends("prefix", "dest_class")
    def _compute_is_default(self):
        for rate in self:
            rate.is_default = not rate.prefix and not rate.dest_class

    @api.depends("prefix", "dest_class", "price_per_minute")
    def _compute_display_name(self):
        labels = dict(self._fields["dest_class"]._description_selection(self.env))
        for rate in self:
            parts = [rate.prefix and f"+{rate.prefix}", labels.get(rate.dest_class)]
            key = " ".join(p for p in parts if p) or self.env._("Default")
            rate.display_name = rate.name or key

    def _core_rate(self):
        self.ensure_one()
        prefix = (self.prefix or "").strip() or None
        return rating.Rate(
            self.id,
            prefix,
            self.dest_class or None,
            f"{self.price_per_minute:.6f}",
            f"{self.connection_fee:.6f}",
            self.initial_block,
            self.increment,
        )

    @api.constrains(
        "prefix",
        "dest_class",
        "price_per_minute",
        "connection_fee",
        "initial_block",
        "increment",
        "plan_id",
    )
    def _check_plan(self):
        self.plan_id._check_core_plan()
