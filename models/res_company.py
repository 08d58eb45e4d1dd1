# Copyright 2026 isp_telephony authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import fields, models


class ResCompany(models.Model):
    _inherit = "res.company"

    telephony_quarantine_days = fields.Integer(
        string="Number Quarantine (days)",
        default=90,
        help="Days a number released by a cancelled line waits before it can be "
        "given to another customer.",
    )
