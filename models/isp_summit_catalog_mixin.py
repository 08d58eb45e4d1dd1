# Copyright 2026 isp_telephony authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Platform catalog entry: what every catalog of a platform has."""

from odoo import fields, models


class IspSummitCatalogMixin(models.AbstractModel):
    """What every platform catalog entry has: the integration it belongs to,
    that integration's company, and an archive flag (entries still used by
    lines are archived, never deleted)."""

    _name = "isp.summit.catalog.mixin"
    _description = "Platform Catalog Entry"

    integration_id = fields.Many2one(
        "isp.telephony.integration", required=True, ondelete="cascade", index=True
    )
    company_id = fields.Many2one(
        related="integration_id.company_id", store=True, index=True
    )
    active = fields.Boolean(default=True)
