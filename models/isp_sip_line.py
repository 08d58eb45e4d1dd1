# Copyright 2026 isp_telephony authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import uuid

from odoo import api, fields, models
from odoo.exceptions import ValidationError

LINE_STATES = [
    ("draft", "Draft"),
    ("provisioning", "Provisioning"),
    ("active", "Active"),
    ("error", "Error"),
    ("suspended", "Suspended"),
    ("cancelled", "Cancelled"),
]


class IspSipLine(models.Model):
    """A SIP line (terminal) or trunk of a customer's contract, provisioned on
    a VoIP platform (seed 002 §3 "Criação de Ramal SIP")."""

    _name = "isp.sip.line"
    _description = "SIP Line"
    _inherit = ["mail.thread", "mail.activity.mixin"]
    _order = "contract_id, id"
    _rec_name = "display_name"

    contract_id = fields.Many2one(
        "contract.contract",
        required=True,
        ondelete="restrict",
        index=True,
        tracking=True,
    )
    partner_id = fields.Many2one(
        related="contract_id.partner_id", store=True, index=True, string="Customer"
    )
    company_id = fields.Many2one(
        related="contract_id.company_id", store=True, index=True
    )
    uuid = fields.Char(
        string="Platform Key",
        required=True,
        readonly=True,
        copy=False,
        index=True,
        default=lambda self: str(uuid.uuid4()),
        help="Idempotency key sent to the platform: a retry never creates a "
        "second terminal.",
    )
    state = fields.Selection(
        LINE_STATES,
        required=True,
        default="draft",
        readonly=True,
        copy=False,
        index=True,
        tracking=True,
    )
    billing_plan_id = fields.Many2one(
        "isp.telephony.plan",
        tracking=True,
        help="Telephony plan used to rate this line's calls and bill its "
        "overage (Plano de Cobrança).",
    )
    integration_id = fields.Many2one(
        "isp.telephony.integration",
        required=True,
        tracking=True,
        domain="[('company_id', '=', company_id)]",
    )
    bid_type = fields.Selection(
        [("terminal", "Terminal"), ("trunk", "SIP Trunk")],
        required=True,
        default="terminal",
        tracking=True,
    )
    description = fields.Char(tracking=True)
    account_code = fields.Char(
        tracking=True,
        help="Optional 6-digit calling-card/account code identifying the line "
        "on the platform.",
    )
    caller_id_number_id = fields.Many2one(
        "isp.phone.number",
        string="Caller ID Number",
        required=True,
        tracking=True,
        ondelete="restrict",
        help="Número para binagem: the number shown to the called party, taken "
        "from the company's available numbers.",
    )
    caller_id_e164 = fields.Char(
        related="caller_id_number_id.e164", store=True, index=True, string="Caller ID"
    )
    extension = fields.Char(tracking=True)
    active = fields.Boolean(default=True, tracking=True)
    # Summit configuration
    partition_id = fields.Many2one(
        "isp.summit.partition",
        string="Subscriber Partition",
        tracking=True,
        domain="[('integration_id', '=', integration_id)]",
    )
    category_id = fields.Many2one(
        "isp.summit.category",
        tracking=True,
        domain="[('integration_id', '=', integration_id)]",
    )
    platform_plan_id = fields.Many2one(
        "isp.summit.plan",
        tracking=True,
        domain="[('integration_id', '=', integration_id)]",
    )
    activation_date = fields.Date(tracking=True)
    due_day = fields.Integer(
        default=1,
        tracking=True,
        help="Day of the month (1-25) on which the plan's franchise resets: the "
        "start of the line's billing cycle.",
    )
    cost_center_id = fields.Many2one(
        "isp.summit.cost.center",
        string="Cost Centre",
        tracking=True,
        domain="[('integration_id', '=', integration_id)]",
    )
    call_limit = fields.Integer(
        string="Simultaneous Calls",
        default=2,
        tracking=True,
        help="Maximum number of simultaneous calls.",
    )
    licence_id = fields.Many2one(
        "isp.summit.licence",
        tracking=True,
        domain="[('integration_id', '=', integration_id)]",
    )
    # Filled by the platform
    terminal = fields.Char(readonly=True, copy=False, index=True, tracking=True)
    credential = fields.Char(
        readonly=True,
        copy=False,
        groups="isp_telephony.group_telephony_manager",
        help="SIP credential returned by the platform (managers only).",
    )
    did_ids = fields.One2many("isp.sip.line.did", "line_id", string="DIDs")

    _sql_constraints = [
        (
            "due_day_range",
            "CHECK(due_day BETWEEN 1 AND 25)",
            "The due day must be between 1 and 25.",
        ),
        (
            "call_limit_positive",
            "CHECK(call_limit >= 1)",
            "The simultaneous call limit must be at least 1.",
        ),
        ("uuid_uniq", "UNIQUE(uuid)", "The platform key must be unique."),
    ]

    @api.depends("caller_id_number_id", "description")
    def _compute_display_name(self):
        for line in self:
            number = line.caller_id_number_id.name or self.env._("New line")
            line.display_name = (
                f"{number} - {line.description}" if line.description else number
            )

    @api.constrains("account_code")
    def _check_account_code(self):
        for line in self:
            code = line.account_code
            if code and not (len(code) == 6 and code.isdigit()):
                raise ValidationError(
                    self.env._("The account code must be exactly 6 digits.")
                )

    # Rating (issue 5): a new plan, due day or number changes the price of the
    # line's unbilled calls.
    def write(self, vals):
        res = super().write(vals)
        if {"billing_plan_id", "due_day", "caller_id_number_id"}.intersection(vals):
            self.env["isp.telephony.rating"]._rate_lines(self.ids)
        return res
