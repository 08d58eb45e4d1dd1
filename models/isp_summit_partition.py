# Copyright 2026 isp_telephony authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Partition: a platform region and the categories it allows."""

from odoo import api, fields, models
from odoo.exceptions import ValidationError

# The categories a partition uses to block lines, in Anatel's order.
BLOCKING_FIELDS = (
    "default_category_id",
    "partial_block_category_id",
    "block_category_id",
    "cancel_category_id",
)


class IspSummitPartition(models.Model):
    """Platform region/branch a line belongs to; it carries the categories
    used to block, partially block and cancel its lines."""

    _name = "isp.summit.partition"
    _description = "Summit Partition"
    _inherit = ["isp.summit.catalog.mixin", "mail.thread"]
    _order = "integration_id, code"
    _rec_names_search = ["name", "code"]

    code = fields.Char(
        required=True, tracking=True, help="Identifier of the partition on Summit."
    )
    name = fields.Char(string="Description", required=True, tracking=True)
    blocking_enabled = fields.Boolean(
        string="Enable Blocking",
        tracking=True,
        help="When off, lines of this partition keep their category whatever "
        "the contract's status: a blocked contract keeps consuming.",
    )
    default_category_id = fields.Many2one(
        "isp.summit.category",
        tracking=True,
        domain="[('integration_id', '=', integration_id)]",
        help="Category of an active (unblocked) line.",
    )
    block_category_id = fields.Many2one(
        "isp.summit.category",
        tracking=True,
        domain="[('integration_id', '=', integration_id)]",
        help="Category of a line whose contract is blocked (manual or automatic).",
    )
    partial_block_category_id = fields.Many2one(
        "isp.summit.category",
        tracking=True,
        domain="[('integration_id', '=', integration_id)]",
        help="Category of a line whose contract is overdue (receive-only). When "
        "empty, the line keeps consuming normally.",
    )
    cancel_category_id = fields.Many2one(
        "isp.summit.category",
        tracking=True,
        domain="[('integration_id', '=', integration_id)]",
        help="Category of a line whose contract is cancelled.",
    )
    allowed_category_ids = fields.Many2many(
        "isp.summit.category",
        string="Allowed Categories",
        domain="[('integration_id', '=', integration_id)]",
        help="Categories the platform allows in this partition (Beta mode: only "
        "these are offered on lines).",
    )

    _sql_constraints = [
        (
            "code_uniq",
            "UNIQUE(integration_id, code)",
            "A partition code must be unique per integration.",
        ),
    ]

    def _compute_display_name(self):
        for record in self:
            record.display_name = f"[{record.code}] {record.name}"

    @api.constrains("integration_id", "allowed_category_ids", *BLOCKING_FIELDS)
    def _check_categories(self):
        for record in self:
            categories = record.allowed_category_ids
            for field_name in BLOCKING_FIELDS:
                categories |= record[field_name]
            foreign = categories.filtered(
                lambda c, r=record: c.integration_id != r.integration_id
            )
            if foreign:
                raise ValidationError(
                    self.env._(
                        "Partition %(partition)s can only use categories of its "
                        "integration %(integration)s, not %(categories)s.",
                        partition=record.display_name,
                        integration=record.integration_id.name,
                        categories=", ".join(foreign.mapped("display_name")),
                    )
                )
            if record.integration_id.catalogs_from_platform:
                # Beta mode: a line of this partition accepts only the allowed
                # categories, so a block to any other would be refused.
                outside = [
                    f"{record._fields[f].string}: {record[f].display_name}"
                    for f in BLOCKING_FIELDS
                    if record[f] and record[f] not in record.allowed_category_ids
                ]
                if outside:
                    raise ValidationError(
                        self.env._(
                            "Partition %(partition)s: these categories are not "
                            "among its allowed categories, so its lines could "
                            "not take them: %(categories)s. Allow them or choose "
                            "allowed ones.",
                            partition=record.display_name,
                            categories="; ".join(outside),
                        )
                    )
            if record.blocking_enabled:
                missing = [
                    record._fields[f].string
                    for f in (
                        "default_category_id",
                        "block_category_id",
                        "cancel_category_id",
                    )
                    if not record[f]
                ]
                if missing:
                    raise ValidationError(
                        self.env._(
                            "Partition %(partition)s has blocking enabled and needs: "
                            "%(fields)s.",
                            partition=record.display_name,
                            fields=", ".join(missing),
                        )
                    )
