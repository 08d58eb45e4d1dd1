# Copyright 2026 isp_telephony authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Category: a platform class of service (blocking switches it)."""

from odoo import fields, models


class IspSummitCategory(models.Model):
    """Platform class of service; blocking works by switching a line's
    category."""

    _name = "isp.summit.category"
    _description = "Summit Category"
    _inherit = ["isp.summit.catalog.mixin"]
    _order = "integration_id, name"
    _rec_names_search = ["name", "code"]

    name = fields.Char(string="Description", required=True)
    code = fields.Char(
        required=True, help="Code of the category on the platform (sigla)."
    )

    _sql_constraints = [
        (
            "code_uniq",
            "UNIQUE(integration_id, code)",
            "A category code must be unique per integration.",
        ),
    ]

    def _compute_display_name(self):
        for record in self:
            record.display_name = f"[{record.code}] {record.name}"
