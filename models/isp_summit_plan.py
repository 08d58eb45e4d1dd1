# Copyright 2026 isp_telephony authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Platform plan: a consumption plan configured on the platform."""

from odoo import fields, models


class IspSummitPlan(models.Model):
    """Consumption plan configured on the platform ("Buscar plano")."""

    _name = "isp.summit.plan"
    _description = "Summit Platform Plan"
    _inherit = ["isp.summit.catalog.mixin"]
    _rec_names_search = ["name", "code"]
    _order = "integration_id, name"

    name = fields.Char(string="Description", required=True)
    code = fields.Char(required=True, help="Code of the plan on the platform.")

    _sql_constraints = [
        (
            "code_uniq",
            "UNIQUE(integration_id, code)",
            "A plan code must be unique per integration.",
        ),
    ]

    def _compute_display_name(self):
        for record in self:
            record.display_name = f"[{record.code}] {record.name}"
