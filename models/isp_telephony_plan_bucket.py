# Copyright 2026 isp_telephony authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Franchise bucket: seconds included in a plan each cycle."""

from odoo import api, fields, models


class IspTelephonyPlanBucket(models.Model):
    """A franchise bucket (franquia): seconds included in the plan each
    cycle for calls of one or more destination classes, consumed in the order
    of the calls."""

    _name = "isp.telephony.plan.bucket"
    _inherit = ["isp.telephony.plan.part.mixin"]
    _description = "Telephony Franchise Bucket"
    _order = "plan_id, sequence, id"

    plan_id = fields.Many2one(
        "isp.telephony.plan", required=True, ondelete="cascade", index=True
    )
    company_id = fields.Many2one(related="plan_id.company_id", store=True, index=True)
    sequence = fields.Integer(default=10)
    name = fields.Char(required=True, help="Shown on the call statement.")
    allowance_seconds = fields.Integer(
        required=True,
        default=0,
        help="Free seconds per line and per cycle for the classes below.",
    )
    allowance_minutes = fields.Integer(
        compute="_compute_allowance_minutes",
        inverse="_inverse_allowance_minutes",
        help="The allowance in whole minutes (seconds / 60).",
    )
    dest_class_ids = fields.Many2many(
        "isp.telephony.destination.class",
        string="Destination Classes",
        required=True,
        help="Calls of these classes consume this bucket. A class can be in one "
        "bucket of a plan only.",
    )

    _sql_constraints = [
        (
            "allowance_positive",
            "CHECK(allowance_seconds >= 0)",
            "A franchise cannot be negative.",
        ),
    ]

    @api.depends("allowance_seconds")
    def _compute_allowance_minutes(self):
        for bucket in self:
            bucket.allowance_minutes = bucket.allowance_seconds // 60

    def _inverse_allowance_minutes(self):
        for bucket in self:
            bucket.allowance_seconds = bucket.allowance_minutes * 60

    @api.constrains("dest_class_ids", "allowance_seconds", "plan_id")
    def _check_plan(self):
        self.plan_id._check_core_plan()
