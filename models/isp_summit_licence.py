# Copyright 2026 isp_telephony authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Licence: a line licence type on the platform."""

from odoo import fields, models


class IspSummitLicence(models.Model):
    """Line licence type on the platform (residential basic, SIP trunk)."""

    _name = "isp.summit.licence"
    _description = "Summit Licence"
    _inherit = ["isp.summit.catalog.mixin"]
    _rec_names_search = ["name", "code"]
    _order = "integration_id, name"

    name = fields.Char(string="Description", required=True)
    code = fields.Char(
        required=True, help="Code of the licence on the platform (sigla)."
    )

    _sql_constraints = [
        (
            "code_uniq",
            "UNIQUE(integration_id, code)",
            "A licence code must be unique per integration.",
        ),
    ]

    def _compute_display_name(self):
        for record in self:
            record.display_name = f"[{record.code}] {record.name}"
