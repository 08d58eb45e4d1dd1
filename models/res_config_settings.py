# Copyright 2026 isp_telephony authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Settings: the company's telephony settings in General Settings."""

from odoo import fields, models


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    telephony_quarantine_days = fields.Integer(
        related="company_id.telephony_quarantine_days", readonly=False
    )
    telephony_partial_block_days = fields.Integer(
        related="company_id.telephony_partial_block_days", readonly=False
    )
    telephony_full_block_days = fields.Integer(
        related="company_id.telephony_full_block_days", readonly=False
    )
    telephony_blocked_keep_invoicing = fields.Boolean(
        related="company_id.telephony_blocked_keep_invoicing", readonly=False
    )
    telephony_separate_invoice = fields.Boolean(
        related="company_id.telephony_separate_invoice", readonly=False
    )
    telephony_timezone = fields.Selection(
        related="company_id.telephony_timezone", readonly=False
    )
    telephony_notice_days = fields.Integer(
        related="company_id.telephony_notice_days", readonly=False
    )
    telephony_credit_warning_percent = fields.Float(
        related="company_id.telephony_credit_warning_percent", readonly=False
    )
    telephony_invoice_wait_days = fields.Integer(
        related="company_id.telephony_invoice_wait_days", readonly=False
    )
