# Copyright 2026 isp_telephony authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Agent caller ID: an identity an agent may call from."""

from odoo import api, fields, models
from odoo.exceptions import ValidationError


class IspTelephonyAgentCallerId(models.Model):
    """One identity an agent may call from (seed 001: "as many caller IDs as
    needed", e.g. a private endpoint)."""

    _name = "isp.telephony.agent.caller.id"
    _description = "Agent Caller ID"
    _order = "sequence, id"

    sequence = fields.Integer(default=10)
    agent_id = fields.Many2one(
        "isp.telephony.agent", required=True, index=True, ondelete="cascade"
    )
    company_id = fields.Many2one(related="agent_id.company_id", store=True)
    name = fields.Char(
        string="Label",
        required=True,
        help="What the agent sees when choosing, e.g. 'Company line' or 'Private'.",
    )
    value = fields.Char(
        required=True,
        help="CallMyWay: the endpoint id or CallMyWay number rung first "
        "(Click2Dial first_num). Asterisk: the CallerID sent with Originate, "
        'e.g. "Support" <1133334444>.',
    )
    private = fields.Boolean(
        help="Calls from this identity show no number to the customer.",
    )

    @api.constrains("value")
    def _check_value(self):
        for record in self:
            if any(c in (record.value or "") for c in "\r\n"):
                raise ValidationError(
                    self.env._("A caller ID must not contain a line break.")
                )
