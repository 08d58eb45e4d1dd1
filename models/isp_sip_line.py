# Copyright 2026 isp_telephony authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""SIP line: the record, its checks, its numbers and its calls."""

import uuid

from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError

from ..gateways import base as gateway_base
from .isp_phone_number import check_free, numbers_in, release_numbers, take_numbers
from .owned_fields import COMPUTED_OWNED, MANAGER_GROUP, OwnedFields

LINE_STATES = [
    ("draft", "Draft"),
    ("provisioning", "Provisioning"),
    ("active", "Active"),
    ("error", "Error"),
    ("suspended", "Suspended"),
    ("cancelled", "Cancelled"),
]

# Line field -> LineSpec field: what the platform holds of a line. Writing one
# of these on a line that exists on the platform pushes the change.
SPEC_FIELDS = {
    "bid_type": "bid_type",
    "description": "description",
    "account_code": "account_code",
    "caller_id_number_id": "caller_id",
    "extension": "extension",
    "active": "active",
    "partition_id": "partition",
    "category_id": "category",
    "platform_plan_id": "plan",
    "licence_id": "licence",
    "cost_center_id": "cost_center",
    "activation_date": "activation_date",
    "due_day": "due_day",
    "call_limit": "call_limit",
}
# Catalog fields that must belong to the line's integration.
CATALOG_FIELDS = (
    "partition_id",
    "category_id",
    "platform_plan_id",
    "cost_center_id",
    "licence_id",
)


def platform_owned(names):
    """Fields only the platform (through the provisioning jobs) fills; a
    telephony manager may correct them by hand, a user may not."""
    return OwnedFields(
        fields=frozenset(names),
        group=MANAGER_GROUP,
        refusal_message=lambda records, labels: records.env._(
            "Only the platform sets these fields: %s.", labels
        ),
    )


PLATFORM_OWNED = platform_owned(
    {
        "uuid",
        "state",
        "terminal",
        "credential",
        "platform_error",
        "platform_category_id",
        "last_sync_date",
        "platform_pending_fields",
    }
)
# States in which the line exists (or may exist) on the platform.
LIVE_STATES = ("active", "error", "suspended")


class IspSipLine(models.Model):
    """A SIP line (terminal) or trunk of a customer's contract, provisioned on
    a VoIP platform (seed 002 §3 "Criação de Ramal SIP").

    Every platform operation (activate, update, cancel) is an OCA queue_job
    job on the line, run in the background after the transaction that asked
    for it has committed. The job records success or failure back on the
    line: its state, the platform's terminal and credential, and the
    platform's message when something went wrong."""

    _name = "isp.sip.line"
    _description = "SIP Line"
    _inherit = [
        "isp.telephony.owned.fields.mixin",
        "mail.thread",
        "mail.activity.mixin",
    ]
    _order = "contract_id, id"
    # The name is computed (number - description): searching it means
    # searching these (a computed _rec_name would search itself forever).
    _rec_names_search = ["caller_id_number_id", "description"]

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
        help="Draft: not sent yet. Provisioning: being created on the platform. "
        "Active: live on the platform. Error: the platform refused or could not "
        "be reached (see the message; Retry). Suspended: kept but unable to "
        "call. Cancelled: removed from the platform, numbers in quarantine.",
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
        default=lambda self: self._default_integration(),
        domain="[('company_id', '=', company_id)]",
        help="The VoIP platform the line lives on.",
    )
    catalogs_from_platform = fields.Boolean(
        related="integration_id.catalogs_from_platform"
    )
    bid_type = fields.Selection(
        [("terminal", "Terminal"), ("trunk", "SIP Trunk")],
        required=True,
        default="terminal",
        tracking=True,
        help="Terminal: one SIP extension. SIP trunk: a trunk to the customer's PABX.",
    )
    description = fields.Char(tracking=True, help="Optional description.")
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
        domain="[('company_id', '=', company_id), "
        "('state', 'in', ('available', 'reserved'))]",
        help="Número para binagem: the number shown to the called party, taken "
        "from the company's available numbers. Type digits to search; "
        "'Search More...' lists them all.",
    )
    caller_id_e164 = fields.Char(
        related="caller_id_number_id.e164", store=True, index=True, string="Caller ID"
    )
    extension = fields.Char(tracking=True, help="Optional extension (ramal).")
    active = fields.Boolean(default=True, tracking=True)
    # Summit configuration
    partition_id = fields.Many2one(
        "isp.summit.partition",
        string="Subscriber Partition",
        tracking=True,
        compute="_compute_partition_id",
        store=True,
        readonly=False,
        precompute=True,
        domain="[('integration_id', '=', integration_id)]",
        help="Platform region/branch of the line; it carries the blocking categories.",
    )
    category_id = fields.Many2one(
        "isp.summit.category",
        tracking=True,
        compute="_compute_category_id",
        store=True,
        readonly=False,
        precompute=True,
        domain="[('id', 'in', allowed_category_ids)]",
        help="Desired platform category (class of service). Blocking changes it.",
    )
    platform_category_id = fields.Many2one(
        "isp.summit.category",
        string="Category on Platform",
        readonly=True,
        copy=False,
        help="Category in force on the platform: the last one pushed successfully.",
    )
    platform_plan_id = fields.Many2one(
        "isp.summit.plan",
        tracking=True,
        compute="_compute_platform_plan_id",
        store=True,
        readonly=False,
        precompute=True,
        domain="[('integration_id', '=', integration_id)]",
        help="Consumption plan on the platform.",
    )
    activation_date = fields.Date(
        tracking=True, default=fields.Date.context_today, help="Data de ativação."
    )
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
        compute="_compute_cost_center_id",
        store=True,
        readonly=False,
        precompute=True,
        domain="[('integration_id', '=', integration_id)]",
        help="Platform cost centre, usually Default.",
    )
    call_limit = fields.Integer(
        string="Simultaneous Calls",
        default=2,
        tracking=True,
        help="Maximum number of simultaneous calls (at least 1).",
    )
    licence_id = fields.Many2one(
        "isp.summit.licence",
        tracking=True,
        compute="_compute_licence_id",
        store=True,
        readonly=False,
        precompute=True,
        domain="[('integration_id', '=', integration_id)]",
        help="Line licence type on the platform.",
    )
    # Filled by the platform
    terminal = fields.Char(
        readonly=True,
        copy=False,
        index=True,
        tracking=True,
        help="Identifier the platform returned on activation.",
    )
    credential = fields.Char(
        readonly=True,
        copy=False,
        groups="isp_telephony.group_telephony_manager",
        help="SIP credential returned by the platform (managers only).",
    )
    did_ids = fields.One2many("isp.sip.line.did", "line_id", string="DIDs")
    did_count = fields.Integer(compute="_compute_did_count", string="# DIDs")
    # Provisioning
    platform_error = fields.Text(
        readonly=True,
        copy=False,
        help="The platform's message for the last failed operation.",
    )
    last_sync_date = fields.Datetime(
        string="Last Synchronised",
        readonly=True,
        copy=False,
        help="When the platform last confirmed this line.",
    )
    platform_pending_fields = fields.Char(
        readonly=True,
        copy=False,
        help="Platform fields changed in Odoo that an update job has yet to send.",
    )

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

    @api.model
    def _default_integration(self):
        # A platform that provisions lines (Summit, the Sandbox) before the
        # ones that only carry calls (CallMyWay, Asterisk).
        Integration = self.env["isp.telephony.integration"]
        domain = [("company_id", "=", self.env.company.id)]
        provisioning = gateway_base.codes_with(gateway_base.PROVISIONING)
        return Integration.search(
            domain + [("gateway", "in", provisioning)], limit=1
        ) or Integration.search(domain, limit=1)

    # Computes --------------------------------------------------------------
    @api.depends("caller_id_number_id", "description")
    def _compute_display_name(self):
        for line in self:
            number = line.caller_id_number_id.name or self.env._("New line")
            line.display_name = (
                f"{number} - {line.description}" if line.description else number
            )

    @api.depends("did_ids")
    def _compute_did_count(self):
        for line in self:
            line.did_count = len(line.did_ids)

    # Constraints -----------------------------------------------------------
    @api.constrains("account_code")
    def _check_account_code(self):
        for line in self:
            code = line.account_code
            if code and not (len(code) == 6 and code.isdigit()):
                raise ValidationError(
                    self.env._("The account code must be exactly 6 digits.")
                )

    @api.constrains("caller_id_number_id", "contract_id", "integration_id")
    def _check_company(self):
        for line in self:
            company = line.company_id
            if line.caller_id_number_id.company_id != company:
                raise ValidationError(
                    self.env._(
                        "Number %s belongs to another company.",
                        line.caller_id_number_id.name,
                    )
                )
            if line.integration_id.company_id != company:
                raise ValidationError(
                    self.env._(
                        "Integration %s belongs to another company.",
                        line.integration_id.name,
                    )
                )

    # CRUD ------------------------------------------------------------------
    @api.model_create_multi
    def create(self, vals_list):
        check_free(numbers_in(vals_list, "caller_id_number_id", self.env))
        lines = super().create(vals_list)
        take_numbers(
            lines.filtered(lambda r: r.state != "cancelled").mapped(
                "caller_id_number_id"
            )
        )
        return lines

    def _owned_fields(self):
        return super()._owned_fields() + [COMPUTED_OWNED, PLATFORM_OWNED]

    def write(self, vals):
        if "integration_id" in vals and self.filtered(
            lambda r: (
                r.terminal
                and r.state != "cancelled"
                and r.integration_id.id != vals["integration_id"]
            )
        ):
            raise UserError(
                self.env._(
                    "A line that exists on a platform cannot move to another "
                    "integration: cancel it and create a new line."
                )
            )
        if "caller_id_number_id" in vals and self.filtered(
            lambda r: r.state == "cancelled"
        ):
            raise UserError(self.env._("The number of a cancelled line is released."))
        if vals.get("caller_id_number_id"):
            new = self.env["isp.phone.number"].browse(vals["caller_id_number_id"])
            if self.filtered(lambda r: r.caller_id_number_id != new):
                check_free(new)
        pushed = [name for name in vals if name in SPEC_FIELDS]
        before = {}
        if pushed:
            for line in self:
                before[line.id] = {name: line[name] for name in pushed}
        old_numbers = {}
        if "caller_id_number_id" in vals:
            old_numbers = {line.id: line.caller_id_number_id for line in self}
        result = super().write(vals)
        if old_numbers:
            new = self.env["isp.phone.number"].browse(vals["caller_id_number_id"])
            released = self.env["isp.phone.number"]
            for numbers in old_numbers.values():
                released |= numbers - new
            release_numbers(released)
            if any(numbers != new for numbers in old_numbers.values()):
                take_numbers(new)
        if pushed:
            changes = {}
            for line in self:
                changed = {
                    SPEC_FIELDS[name]
                    for name in pushed
                    if line[name] != before[line.id][name]
                }
                if changed:
                    changes[line] = changed
            if changes:
                self._push_changes(changes)
        # Rating: a new plan, due day or number changes the price of the
        # line's unbilled calls.
        if {"billing_plan_id", "due_day", "caller_id_number_id"}.intersection(vals):
            self.env["isp.telephony.rating"]._rate_lines(self.ids)
        return result

    @api.ondelete(at_uninstall=False)
    def _unlink_except_on_platform(self):
        live = self.filtered(lambda r: r.terminal and r.state != "cancelled")
        if live:
            raise UserError(
                self.env._(
                    "Lines that exist on the platform are cancelled, not deleted: %s.",
                    ", ".join(live.mapped("display_name")),
                )
            )
        if self.filtered(lambda r: r.state == "provisioning"):
            raise UserError(
                self.env._("Wait until the line's provisioning ends, then cancel it.")
            )

    def unlink(self):
        kept = self.filtered(lambda r: r.state != "cancelled")
        numbers = kept.caller_id_number_id | kept.did_ids.number_id
        result = super().unlink()
        release_numbers(numbers)
        return result

    # Calls (issue 4: CDR import) ----------------------------------------------
    cdr_count = fields.Integer(string="Calls", compute="_compute_cdr_count")

    def _compute_cdr_count(self):
        counts = dict(
            self.env["isp.cdr"]._read_group(
                [("line_id", "in", self.ids)], ["line_id"], ["__count"]
            )
        )
        for line in self:
            line.cdr_count = counts.get(line, 0)

    def action_view_cdrs(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "isp_telephony.action_isp_cdr"
        )
        action["domain"] = [("line_id", "=", self.id)]
        action["context"] = {}
        return action
