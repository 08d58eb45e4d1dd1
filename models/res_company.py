# Copyright 2026 isp_telephony authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Company: its telephony settings and the country of its numbers."""

from odoo import api, fields, models
from odoo.exceptions import ValidationError

from odoo.addons.base.models.res_partner import _tz_get

from ..tools import blocking, spend

# The country of numbers written without a country code when neither the
# record nor its company names one: the product serves Brazilian ISPs.
DEFAULT_COUNTRY_CODE = "BR"


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
    # Customer notices and spend control (issue 14)
    telephony_notice_days = fields.Integer(
        string="Notice Period (days)",
        default=15,
        help="Days between the overdue notice emailed to the customer and the "
        "earliest partial suspension: no suspension happens before the "
        "customer was notified and this period has passed.",
    )
    telephony_credit_warning_percent = fields.Float(
        string="Credit Warning At (%)",
        default=spend.DEFAULT_WARNING_PERCENT,
        digits=(5, 2),
        help="Share of a line's credit limit at which the customer is emailed "
        "and the contract's responsible gets an activity.",
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

    @api.constrains("telephony_notice_days", "telephony_credit_warning_percent")
    def _check_telephony_spend_settings(self):
        for company in self:
            if company.telephony_notice_days < 0:
                raise ValidationError(
                    self.env._("The notice period cannot be negative.")
                )
            try:
                spend.check_warning_percent(company.telephony_credit_warning_percent)
            except ValueError as exc:
                raise ValidationError(
                    self.env._(
                        "The credit warning share must be above 0 and at most "
                        "100 percent of the limit."
                    )
                ) from exc

    def _telephony_country_code(self):
        """ISO code of the country whose numbers are read without a country
        code: the company's, else DEFAULT_COUNTRY_CODE. Records with their
        own country (an integration, a contact) ask it first; this is the
        one place the fallback is decided (as phone_validation does)."""
        return (self[:1].country_id.code or DEFAULT_COUNTRY_CODE).upper()
