# Copyright 2026 isp_telephony authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Cost centre of the platform."""

from odoo import fields, models


class IspSummitCostCenter(models.Model):
    """Platform cost centre; Summit's is usually the value ``Default``."""

    _name = "isp.summit.cost.center"
    _description = "Summit Cost Centre"
    _inherit = ["isp.summit.catalog.mixin"]
    _rec_name = "code"
    _order = "integration_id, code"

    code = fields.Char(
        required=True,
        default="Default",
        help="Cost centre exactly as the platform spells it (Default, DEFAULT...).",
    )

    _sql_constraints = [
        (
            "code_uniq",
            "UNIQUE(integration_id, code)",
            "A cost centre must be unique per integration.",
        ),
    ]
