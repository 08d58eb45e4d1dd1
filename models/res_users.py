# Copyright 2026 isp_telephony authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""User: the telephony agents of a user."""

from odoo import fields, models


class ResUsers(models.Model):
    _inherit = "res.users"

    telephony_agent_ids = fields.One2many(
        "isp.telephony.agent",
        "user_id",
        string="Telephony Endpoints",
        groups="isp_telephony.group_telephony_manager",
        help="The user's telephones on each VoIP platform, for click-to-dial "
        "and the call panel.",
    )
