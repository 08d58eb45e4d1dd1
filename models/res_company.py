# Copyright 2026 isp_telephony authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, fields, models
from odoo.exceptions import ValidationError

from odoo.addons.base.models.res_partner import _tz_get

from ..tools import blocking


class ResCompany(models.Model):
    _inherit = "res.company"

    telephony_quarantine_days = fields.Integer(
        string="Number Quarantine (days)",
        default=90,
        help="Days a number released by a cancelled line waits before it can be "
        "given to another customer.",
    )

    # Blocking for overdue payment (issue 6)
    telephony_partial_block_days = fields.Integer(
        string="Partial Block After (days)",
        default=15,
        help="Days after an invoice's due date, while it is unpaid, before the "
        "contract is partially blocked (receive-only).",
    )
    telephony_full_block_days = fields.Integer(
        string="Full Block After (days)",
        default=30,
        help="Days after an invoice's due date, while it is unpaid, before the "
        "contract is blocked automatically. Paying releases it.",
    )
    telephony_blocked_keep_invoicing = fields.Boolean(
        string="Invoice Blocked Contracts",
        default=True,
        help="When off, contracts blocked manually or automatically are left "
        "out of the recurring invoicing until they are released.",
    )

    # Telephony billing (issue 5)
    telephony_separate_invoice = fields.Boolean(
        string="Separate Telephony Invoice",
        help="Bill each month's telephony charges on their own invoice instead "
        "of on the contract's next recurring invoice.",
    )
    telephony_invoice_wait_days = fields.Integer(
        string="Telephony Charge Wait (days)",
        default=35,
        help="A telephony charge waits for the contract's next recurring "
        "invoice at most this many days after the month's close; a contract "
        "invoiced later gets a separate invoice for it. 0: always wait.",
    )
    telephony_timezone = fields.Selection(
        _tz_get,
        string="Telephony Time Zone",
        default="America/Sao_Paulo",
        help="Time zone of the lines' billing cycles: a cycle starts at local "
        "midnight of the line's due day.",
    )

    @api.constrains("telephony_partial_block_days", "telephony_full_block_days")
    def _check_telephony_block_days(self):
        for company in self:
            try:
                blocking.check_thresholds(
                    company.telephony_partial_block_days,
                    company.telephony_full_block_days,
                )
            except (TypeError, ValueError) as exc:
                raise ValidationError(
                    self.env._(
                        "Blocking thresholds of %(company)s: %(error)s",
                        company=company.name,
                        error=str(exc),
                    )
                ) from exc
