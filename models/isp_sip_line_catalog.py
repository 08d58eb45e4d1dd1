# Copyright 2026 isp_telephony authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""A SIP line's platform catalog choices: partition, category, plan, licence,
cost centre.
"""

from odoo import api, fields, models
from odoo.exceptions import ValidationError

from .isp_sip_line import CATALOG_FIELDS, LIVE_STATES


class IspSipLineCatalog(models.Model):
    _inherit = "isp.sip.line"

    allowed_category_ids = fields.Many2many(
        "isp.summit.category",
        compute="_compute_allowed_category_ids",
        help="Categories that may be chosen: those of the integration, or in "
        "Beta mode only those the partition allows.",
    )

    category_pending = fields.Boolean(
        compute="_compute_category_pending",
        store=True,
        help="The desired category is not yet the one in force on the platform.",
    )

    @api.depends(
        "integration_id",
        "integration_id.catalogs_from_platform",
        "partition_id",
        "partition_id.allowed_category_ids",
    )
    def _compute_allowed_category_ids(self):
        Category = self.env["isp.summit.category"]
        for line in self:
            if line.integration_id.catalogs_from_platform:
                line.allowed_category_ids = line.partition_id.allowed_category_ids
            elif line.integration_id:
                line.allowed_category_ids = Category.search(
                    [("integration_id", "=", line.integration_id.id)]
                )
            else:
                line.allowed_category_ids = Category

    @api.depends("state", "category_id", "platform_category_id")
    def _compute_category_pending(self):
        for line in self:
            line.category_pending = (
                line.state in LIVE_STATES
                and line.category_id != line.platform_category_id
            )

    # Catalog choices follow the integration and the partition: stored,
    # editable computes, so a form, an import, RPC and contract.write get
    # the same values. A choice of another integration is cleared; the
    # partition brings its default category when the current one is not
    # allowed; the cost centre defaults to the integration's first.
    def _keep_if_same_integration(self, name):
        for line in self:
            if line[name] and line[name].integration_id != line.integration_id:
                line[name] = False

    @api.depends("integration_id")
    def _compute_partition_id(self):
        self._keep_if_same_integration("partition_id")

    @api.depends("integration_id")
    def _compute_platform_plan_id(self):
        self._keep_if_same_integration("platform_plan_id")

    @api.depends("integration_id")
    def _compute_licence_id(self):
        self._keep_if_same_integration("licence_id")

    @api.depends("integration_id")
    def _compute_cost_center_id(self):
        self._keep_if_same_integration("cost_center_id")
        missing = self.filtered(
            lambda line: line.integration_id and not line.cost_center_id
        )
        if not missing:
            return
        first = {}
        for center in self.env["isp.summit.cost.center"].search(
            [("integration_id", "in", missing.integration_id.ids)]
        ):
            first.setdefault(center.integration_id, center)
        for line in missing:
            line.cost_center_id = first.get(line.integration_id, False)

    @api.depends("integration_id", "partition_id")
    def _compute_category_id(self):
        self._keep_if_same_integration("category_id")
        for line in self:
            default = line.partition_id.default_category_id
            if default and (
                not line.category_id
                or line.category_id not in line.allowed_category_ids
            ):
                line.category_id = default

    @api.constrains("integration_id", *CATALOG_FIELDS)
    def _check_catalogs(self):
        for line in self:
            for name in CATALOG_FIELDS:
                record = line[name]
                if record and record.integration_id != line.integration_id:
                    raise ValidationError(
                        self.env._(
                            "%(field)s %(value)s belongs to another integration "
                            "than the line's (%(integration)s).",
                            field=line._fields[name].string,
                            value=record.display_name,
                            integration=line.integration_id.name,
                        )
                    )
            if (
                line.integration_id.catalogs_from_platform
                and line.category_id
                and line.partition_id
                and line.category_id not in line.partition_id.allowed_category_ids
            ):
                raise ValidationError(
                    self.env._(
                        "Category %(category)s is not allowed in partition "
                        "%(partition)s.",
                        category=line.category_id.display_name,
                        partition=line.partition_id.display_name,
                    )
                )
