# Copyright 2026 isp_telephony authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import fields, models

from odoo.addons.base.models.res_partner import _tz_get


class ResCompany(models.Model):
    _inherit = "res.company"

    telephony_quarantine_days = fields.Integer(
        string="Number Quarantine (days)",
        default=90,
        help="Days a number released by a cancelled line waits before it can be "
        "given to another customer.",
    )
    telephony_separate_invoice = fields.Boolean(
        string="Separate Telephony Invoice",
        help="Bill telephony overage on its own invoice instead of adding it to "
        "the contract's draft invoice of the billing month.",
    )
    telephony_timezone = fields.Selection(
        _tz_get,
        string="Telephony Time Zone",
        default="America/Sao_Paulo",
        help="Time zone of the lines' billing cycles: a cycle starts at local "
        "midnight of the line's due day.",
    )
