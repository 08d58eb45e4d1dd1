# Copyright 2026 isp_telephony authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import fields, models


class IspSipLineDid(models.Model):
    """An extra inbound number routed to a line through a port."""

    _name = "isp.sip.line.did"
    _description = "SIP Line DID"
    _order = "line_id, priority, id"
    _rec_name = "number_id"

    line_id = fields.Many2one(
        "isp.sip.line", required=True, ondelete="cascade", index=True
    )
    company_id = fields.Many2one(related="line_id.company_id", store=True, index=True)
    number_id = fields.Many2one(
        "isp.phone.number",
        required=True,
        ondelete="restrict",
        help="Número de binagem routed to the line.",
    )
    e164 = fields.Char(related="number_id.e164", store=True, index=True)
    priority = fields.Integer(default=1, help="Order in which DIDs are hunted.")
    port = fields.Integer(
        help="1 = the main line; another value = a separate port created on the "
        "platform; empty = this DID receives no calls."
    )
    terminal = fields.Char(readonly=True, copy=False)
    credential = fields.Char(
        readonly=True, copy=False, groups="isp_telephony.group_telephony_manager"
    )
    city = fields.Char(
        related="line_id.contract_id.partner_id.city",
        help="City of the contract's customer.",
    )
