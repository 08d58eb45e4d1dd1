# Copyright 2026 isp_telephony authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import uuid

from odoo import Command, api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError

from odoo.addons.queue_job.exception import FailedJobError, RetryableJobError

from ..gateways import base as gateway_base
from ..gateways.base import DidSpec, GatewayError, LineSpec
from ..tools import blocking

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
# Fields only the platform (through the provisioning jobs) fills; a telephony
# manager may correct them by hand, a user may not.
PLATFORM_FIELDS = {
    "uuid",
    "state",
    "terminal",
    "credential",
    "platform_error",
    "platform_category_id",
    "last_sync_date",
    "platform_pending_fields",
}
# More lines than this activated at once get a batch record with progress.
BATCH_FROM = 5
# More lines than this activated at once go to the platform in chunks: one
# job activates up to _provisioning_chunk_lines() lines of one platform (one
# dispatch and transaction per chunk instead of per line), each line in a
# savepoint of its own. Fewer lines keep a job each.
CHUNK_FROM = 50
# Lines per chunk job when the system parameter
# isp_telephony.provisioning_chunk_lines is not set (1: a job per line).
DEFAULT_CHUNK_LINES = 25
# A line of a chunk the platform could not take for a moment gets a job of
# its own, tried again after this many seconds (then the retry pattern).
CHUNK_RETRY_SECONDS = 60
# Job method per platform operation (their queue.job.function records, with
# retry pattern and failure hook, are in data/queue_job_data.xml).
PROVISIONING_METHODS = {
    "activate": "_provision_activate",
    "update": "_provision_update",
    "cancel": "_provision_cancel",
}
# Attempts of a job whose failures are transient (timeout, 5xx), when the
# system parameter isp_telephony.provisioning_max_attempts is not set. Each
# attempt already includes the gateway's own quick retries.
DEFAULT_MAX_ATTEMPTS = 5
# queue_job states of a job that has not finished yet.
WAITING_JOB_STATES = ("wait_dependencies", "pending", "enqueued", "started")
# Namespace of the advisory lock that lets one job at a time work on a line.
LINE_LOCK_NAMESPACE = 4701
# Seconds between an activation and the re-match of unmatched calls, so that
# one re-match serves a burst of activations.
REMATCH_DELAY = 10
# A job that finds another operation of its line running tries again after
# this many seconds (without counting an attempt).
BUSY_RETRY_SECONDS = 5
# States in which the line exists (or may exist) on the platform.
LIVE_STATES = ("active", "error", "suspended")
# Number states a line may take a number from.
FREE_NUMBER_STATES = ("available", "reserved")


def check_free(numbers):
    """Refuse numbers that are not Available or Reserved, with a readable
    message (the database's unique key is the final guarantee)."""
    taken = numbers.sudo().filtered(lambda n: n.state not in FREE_NUMBER_STATES)
    if taken:
        raise ValidationError(
            numbers.env._(
                "These numbers are not free (in use or quarantined): %s. "
                "Choose an available number.",
                ", ".join(taken.mapped("name")),
            )
        )


def numbers_in(vals_list, field_name, env):
    """The isp.phone.number records that ``vals_list`` assigns."""
    ids = {vals[field_name] for vals in vals_list if vals.get(field_name)}
    return env["isp.phone.number"].browse(sorted(ids))


def take_numbers(numbers):
    """Mark ``numbers`` In use (set-based) after checking that each is free."""
    numbers = numbers.exists()
    if not numbers:
        return
    check_free(numbers)
    numbers.sudo()._set_state("in_use")


def release_numbers(numbers):
    """Put numbers a line no longer uses into quarantine (set-based)."""
    numbers = numbers.exists()
    if numbers:
        numbers.sudo()._put_in_quarantine()


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
    _inherit = ["mail.thread", "mail.activity.mixin"]
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
    allowed_category_ids = fields.Many2many(
        "isp.summit.category",
        compute="_compute_allowed_category_ids",
        help="Categories that may be chosen: those of the integration, or in "
        "Beta mode only those the partition allows.",
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
    category_pending = fields.Boolean(
        compute="_compute_category_pending",
        store=True,
        help="The desired category is not yet the one in force on the platform.",
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
    job_ids = fields.One2many(
        "queue.job",
        "isp_sip_line_id",
        string="Provisioning Jobs",
        readonly=True,
        groups="isp_telephony.group_telephony_manager",
    )
    pending_job_count = fields.Integer(
        compute="_compute_provisioning_jobs",
        help="Platform operations waiting to run for this line.",
    )
    platform_retry_note = fields.Char(
        string="Next Attempt",
        compute="_compute_provisioning_jobs",
        help="The platform could not be reached or failed for a moment: the "
        "operation is tried again automatically.",
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

    @api.depends(
        "integration_id",
        "integration_id.catalogs_from_platform",
        "partition_id",
        "partition_id.allowed_category_ids",
    )
    def _compute_allowed_category_ids(self):
        Category = self.env["isp.summit.category"]
        for line in self:
            if line.integration_id.catalogs_from_platform:
                line.allowed_category_ids = line.partition_id.allowed_category_ids
            elif line.integration_id:
                line.allowed_category_ids = Category.search(
                    [("integration_id", "=", line.integration_id.id)]
                )
            else:
                line.allowed_category_ids = Category

    @api.depends("state", "category_id", "platform_category_id")
    def _compute_category_pending(self):
        for line in self:
            line.category_pending = (
                line.state in LIVE_STATES
                and line.category_id != line.platform_category_id
            )

    @api.depends("did_ids")
    def _compute_did_count(self):
        for line in self:
            line.did_count = len(line.did_ids)

    def _compute_provisioning_jobs(self):
        jobs = self._waiting_jobs().sorted("id")
        for line in self:
            mine = jobs.filtered(
                lambda j, lid=line.id: (
                    j.isp_sip_line_id.id == lid or lid in j.isp_sip_line_ids.ids
                )
            )
            line.pending_job_count = len(mine)
            retried = mine.filtered(lambda j: j.state == "pending" and j.retry)[-1:]
            line.platform_retry_note = (
                self.env._(
                    "%(message)s (attempt %(attempt)s of %(max)s failed; "
                    "next attempt at %(when)s UTC)",
                    message=retried.result or "",
                    attempt=retried.retry,
                    max=retried.max_retries,
                    when=fields.Datetime.to_string(retried.eta) if retried.eta else "",
                )
                if retried
                else False
            )

    # Catalog choices follow the integration and the partition: stored,
    # editable computes, so a form, an import, RPC and contract.write get
    # the same values. A choice of another integration is cleared; the
    # partition brings its default category when the current one is not
    # allowed; the cost centre defaults to the integration's first.
    def _keep_if_same_integration(self, name):
        for line in self:
            if line[name] and line[name].integration_id != line.integration_id:
                line[name] = False

    @api.depends("integration_id")
    def _compute_partition_id(self):
        self._keep_if_same_integration("partition_id")

    @api.depends("integration_id")
    def _compute_platform_plan_id(self):
        self._keep_if_same_integration("platform_plan_id")

    @api.depends("integration_id")
    def _compute_licence_id(self):
        self._keep_if_same_integration("licence_id")

    @api.depends("integration_id")
    def _compute_cost_center_id(self):
        self._keep_if_same_integration("cost_center_id")
        missing = self.filtered(
            lambda line: line.integration_id and not line.cost_center_id
        )
        if not missing:
            return
        first = {}
        for center in self.env["isp.summit.cost.center"].search(
            [("integration_id", "in", missing.integration_id.ids)]
        ):
            first.setdefault(center.integration_id, center)
        for line in missing:
            line.cost_center_id = first.get(line.integration_id, False)

    @api.depends("integration_id", "partition_id")
    def _compute_category_id(self):
        self._keep_if_same_integration("category_id")
        for line in self:
            default = line.partition_id.default_category_id
            if default and (
                not line.category_id
                or line.category_id not in line.allowed_category_ids
            ):
                line.category_id = default

    # Constraints -----------------------------------------------------------
    @api.constrains("account_code")
    def _check_account_code(self):
        for line in self:
            code = line.account_code
            if code and not (len(code) == 6 and code.isdigit()):
                raise ValidationError(
                    self.env._("The account code must be exactly 6 digits.")
                )

    @api.constrains("integration_id", *CATALOG_FIELDS)
    def _check_catalogs(self):
        for line in self:
            for name in CATALOG_FIELDS:
                record = line[name]
                if record and record.integration_id != line.integration_id:
                    raise ValidationError(
                        self.env._(
                            "%(field)s %(value)s belongs to another integration "
                            "than the line's (%(integration)s).",
                            field=line._fields[name].string,
                            value=record.display_name,
                            integration=line.integration_id.name,
                        )
                    )
            if (
                line.integration_id.catalogs_from_platform
                and line.category_id
                and line.partition_id
                and line.category_id not in line.partition_id.allowed_category_ids
            ):
                raise ValidationError(
                    self.env._(
                        "Category %(category)s is not allowed in partition "
                        "%(partition)s.",
                        category=line.category_id.display_name,
                        partition=line.partition_id.display_name,
                    )
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
        for vals in vals_list:
            self._check_platform_fields(vals)
        check_free(numbers_in(vals_list, "caller_id_number_id", self.env))
        lines = super().create(vals_list)
        take_numbers(
            lines.filtered(lambda r: r.state != "cancelled").mapped(
                "caller_id_number_id"
            )
        )
        return lines

    def _check_platform_fields(self, vals):
        forged = PLATFORM_FIELDS.intersection(vals)
        # Computed fields shown read-only (a stored copy of another record's
        # field such as the caller ID's E.164 or the contract's status, the
        # category blocking expects): the ORM keeps them up to date; a write
        # would redirect call matching or unblock a line on the next run.
        computed = {
            name
            for name in vals
            if name in self._fields
            and self._fields[name].compute
            and self._fields[name].readonly
        }
        if computed and not self.env.su:
            raise AccessError(
                self.env._(
                    "These fields are computed and cannot be written: %s.",
                    ", ".join(sorted(computed)),
                )
            )
        if (
            forged
            and not self.env.su
            and not self.env.user.has_group("isp_telephony.group_telephony_manager")
        ):
            raise AccessError(
                self.env._(
                    "Only the platform sets these fields: %s.",
                    ", ".join(sorted(forged)),
                )
            )

    def write(self, vals):
        self._check_platform_fields(vals)
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

    # Platform spec ---------------------------------------------------------
    def _platform_spec(self):
        """What Odoo wants this line to be on the platform (a LineSpec)."""
        self.ensure_one()
        line = self.sudo()
        return LineSpec(
            key=line.uuid,
            caller_id=line.caller_id_e164 or "",
            bid_type=line.bid_type,
            description=line.description or "",
            account_code=line.account_code or "",
            extension=line.extension or "",
            partition=line.partition_id.code or "",
            category=line.category_id.acronym or "",
            plan=line.platform_plan_id.code or "",
            licence=line.licence_id.acronym or "",
            cost_center=line.cost_center_id.value or "Default",
            activation_date=(
                line.activation_date.isoformat() if line.activation_date else ""
            ),
            due_day=line.due_day,
            call_limit=line.call_limit,
            active=bool(line.active and line.state != "suspended"),
            dids=[
                DidSpec(number=did.e164, priority=did.priority, port=did.port or None)
                for did in line.did_ids
            ],
        )

    # Provisioning jobs (OCA queue_job) -------------------------------------
    @api.model
    def _provisioning_max_attempts(self):
        value = (
            self.env["ir.config_parameter"]
            .sudo()
            .get_param("isp_telephony.provisioning_max_attempts")
        )
        try:
            return max(1, int(value)) if value else DEFAULT_MAX_ATTEMPTS
        except ValueError:
            return DEFAULT_MAX_ATTEMPTS

    def _provisioning_labels(self):
        return {
            "activate": self.env._("Activation"),
            "update": self.env._("Update"),
            "cancel": self.env._("Cancellation"),
        }

    @api.model
    def _provisioning_chunk_lines(self):
        value = (
            self.env["ir.config_parameter"]
            .sudo()
            .get_param("isp_telephony.provisioning_chunk_lines")
        )
        try:
            return max(1, int(value)) if value else DEFAULT_CHUNK_LINES
        except ValueError:
            return DEFAULT_CHUNK_LINES

    def _enqueue_activation_chunks(self, batch=None):
        """Queue the activation of many lines in chunks: per integration, one
        job per _provisioning_chunk_lines() lines, on the platform's channel
        (its capacity still bounds the calls in flight). A line's identity is
        its state: a chunk activates only lines still waiting (Provisioning,
        no terminal), so a line queued twice is sent once."""
        size = self._provisioning_chunk_lines()
        ctx = {"isp_provisioning_batch_id": batch.id if batch else False}
        jobs = []
        for integration in self.integration_id:
            lines = self.filtered(lambda r, i=integration: r.integration_id == i)
            for start in range(0, len(lines), size):
                chunk = lines[start : start + size].sorted("id")
                delayable = chunk.with_context(**ctx).with_delay(
                    channel=integration._provisioning_channel(),
                    identity_key=(
                        f"isp.sip.line({chunk[0].id}-{chunk[-1].id}:{len(chunk)})"
                        ".activate_chunk"
                    ),
                    max_retries=self._provisioning_max_attempts(),
                    description=self.env._(
                        "Activation of %(count)s lines on %(platform)s",
                        count=len(chunk),
                        platform=integration.name,
                    ),
                )
                jobs.append(delayable._provision_activate_chunk())
        return jobs

    def _provisioning_identity_key(self, operation):
        """One waiting job per line and operation."""
        self.ensure_one()
        return f"isp.sip.line({self.id}).{operation}"

    def _enqueue_provisioning(self, operation, batch=None, eta=None):
        """Queue ``operation`` for each line: one queue_job job per line, on
        its platform's channel (whose capacity bounds the calls sent to that
        platform at once). A line that already has such a job waiting keeps
        it (identity key): a double click or a second change never sends
        twice. Jobs are stored in the current transaction and run only after
        it commits: a rolled back transaction sends nothing."""
        labels = self._provisioning_labels()
        max_attempts = self._provisioning_max_attempts()
        method = PROVISIONING_METHODS[operation]
        ctx = {"isp_provisioning_batch_id": batch.id if batch else False}
        jobs = []
        for line in self:
            delayable = line.with_context(**ctx).with_delay(
                channel=line.integration_id._provisioning_channel(),
                identity_key=line._provisioning_identity_key(operation),
                max_retries=max_attempts,
                eta=eta,
                description=self.env._(
                    "%(operation)s of line %(line)s on the platform",
                    operation=labels[operation],
                    line=line.display_name,
                ),
            )
            jobs.append(getattr(delayable, method)())
        return jobs

    @api.model
    def _job_prepare_context_before_enqueue_keys(self):
        """Keep the batch of a provisioning job in the job's context."""
        return (
            *super()._job_prepare_context_before_enqueue_keys(),
            "isp_provisioning_batch_id",
        )

    def _job_store_values(self, job):
        """Link the stored job to its line (and batch)."""
        vals = super()._job_store_values(job)
        if job.method_name in PROVISIONING_METHODS.values():
            vals["isp_sip_line_id"] = self[:1].id
        if job.method_name == "_provision_activate_chunk":
            vals["isp_sip_line_ids"] = [Command.set(self.ids)]
        if "isp_sip_line_id" in vals or "isp_sip_line_ids" in vals:
            vals["isp_provisioning_batch_id"] = (
                self.env.context.get("isp_provisioning_batch_id") or False
            )
        return vals

    def _waiting_jobs(self, operations=None, states=WAITING_JOB_STATES):
        """The lines' queue jobs in ``states`` (sudo: queue.job is technical)."""
        ids = [line_id for line_id in self.ids if isinstance(line_id, int)]
        domain = [
            "|",
            ("isp_sip_line_id", "in", ids),
            ("isp_sip_line_ids", "in", ids),
            ("state", "in", states),
        ]
        if operations:
            methods = [PROVISIONING_METHODS[op] for op in operations]
            if "activate" in operations:
                methods.append("_provision_activate_chunk")
            domain.append(("method_name", "in", methods))
        return self.env["queue.job"].sudo().search(domain)

    def _cancel_waiting_jobs(self, operations, states=("pending",)):
        # A chunk job is never cancelled for one of its lines: it skips the
        # lines no longer waiting.
        jobs = self._waiting_jobs(operations, states=states).filtered("isp_sip_line_id")
        for job in jobs:
            job._change_job_state(
                "cancelled", result=self.env._("Superseded by a later operation.")
            )
        return jobs

    def _mark_pending(self, changes):
        """Remember, per line, the platform fields an update must send
        ({line: set of LineSpec names}): a waiting update job sends them all
        (one UPDATE for every line)."""
        ids, values = [], []
        for line, changed in changes.items():
            ids.append(line.id)
            values.append(",".join(sorted(line._pending_fields() | set(changed))))
        if not ids:
            return
        self.flush_model(["platform_pending_fields"])
        self.env.cr.execute(
            """UPDATE isp_sip_line l SET platform_pending_fields = v.names
                 FROM unnest(%s::int[], %s::varchar[]) AS v(id, names)
                WHERE l.id = v.id""",
            (ids, values),
        )
        self.browse(ids).invalidate_recordset(["platform_pending_fields"])

    def _pending_fields(self):
        self.ensure_one()
        return {n for n in (self.platform_pending_fields or "").split(",") if n}

    def _clear_pending(self, sent=None):
        """Forget the fields the platform now has (all when ``sent`` is None)."""
        self.ensure_one()
        left = set() if sent is None else self._pending_fields() - set(sent)
        value = ",".join(sorted(left)) or False
        if (self.platform_pending_fields or False) != value:
            self.sudo().platform_pending_fields = value

    def _push_changes(self, changes):
        """Queue an update for each line that exists on the platform.
        ``changes``: {line: set of LineSpec field names}. Lines still being
        activated need nothing: their activation sends what they are when it
        runs."""
        live = {
            line: changed
            for line, changed in changes.items()
            if line.terminal and line.state in LIVE_STATES
        }
        if not live:
            return []
        lines = self.browse([line.id for line in live])
        lines._mark_pending(live)
        # A failed update is folded into the new one (its fields are pending).
        lines._cancel_waiting_jobs(["update"], states=("failed",))
        return lines._enqueue_provisioning("update")

    def _provision_category_change(self, category):
        """The one entry point that moves lines to another platform category
        (blocking, spend control): the category is stored now and pushed to
        the platform by a provisioning job once the caller's transaction has
        committed. Returns the lines that change."""
        lines = self.filtered(lambda line: line.category_id != category)
        if lines:
            lines.write({"category_id": category.id})
        return lines

    def _check_activable(self):
        for line in self:
            if line.state not in ("draft", "error"):
                raise UserError(
                    self.env._(
                        "Line %(line)s is %(state)s: only draft lines and lines "
                        "in error are activated.",
                        line=line.display_name,
                        state=dict(LINE_STATES)[line.state],
                    )
                )
            if not line.integration_id.active:
                raise UserError(
                    self.env._(
                        "The integration %s is archived.", line.integration_id.name
                    )
                )
            if not line.integration_id._gateway_can(gateway_base.PROVISIONING):
                raise UserError(
                    self.env._(
                        "Line %(line)s cannot be activated from Odoo: its "
                        "platform %(platform)s does not create lines. Create the "
                        "line on the platform itself, or choose an integration "
                        "that provisions lines.",
                        line=line.display_name,
                        platform=line.integration_id.name,
                    )
                )

    def _enqueue_activation(self, batch=None):
        """Set the lines to Provisioning and queue their activation. Lines in
        error that already have a terminal are pushed again instead."""
        self.check_access("write")
        self._check_activable()
        lines = self.filtered(lambda r: not r.terminal)
        self.filtered("terminal")._enqueue_resync(batch=batch)
        # Not tracked: the job records the request; Active/Error are tracked.
        lines.sudo().with_context(tracking_disable=True).write(
            {"state": "provisioning", "platform_error": False}
        )
        if len(lines) > CHUNK_FROM and self._provisioning_chunk_lines() > 1:
            return lines._enqueue_activation_chunks(batch=batch)
        return lines._enqueue_provisioning("activate", batch=batch)

    def _enqueue_resync(self, batch=None):
        """Lines in error that have a terminal: push everything again."""
        if not self:
            return []
        everything = set(SPEC_FIELDS.values()) | {"dids"}
        self._mark_pending({line: everything for line in self})
        return self._enqueue_provisioning("update", batch=batch)

    def action_activate(self):
        """Send the lines to the platform, in the background (one job per
        line). Many lines at once get a batch record showing the progress."""
        lines = self.filtered(lambda r: r.state in ("draft", "error"))
        if not lines:
            raise UserError(self.env._("There is no draft line to activate."))
        # Before the batch's sudo(): the user may change these lines.
        lines.check_access("write")
        lines._check_activable()
        if len(lines) <= BATCH_FROM:
            lines._enqueue_activation()
            return True
        batch = (
            self.env["isp.provisioning.batch"]
            .sudo()
            .create({"name": self.env._("Activation of %s lines", len(lines))})
        )
        lines._enqueue_activation(batch=batch)
        return batch.action_open()

    def action_retry(self):
        """Run again the failed operation of lines in error: its job is
        requeued (or, without one, the line is activated or pushed again)."""
        self.check_access("write")
        lines = self.filtered(lambda r: r.state == "error")
        if not lines:
            raise UserError(self.env._("Only lines in error can be retried."))
        failed = lines._waiting_jobs(states=("failed",))
        for line in lines:
            job = failed.filtered(lambda j, lid=line.id: j.isp_sip_line_id.id == lid)
            job = job.sorted("id")[-1:]
            if job:
                if job.method_name == PROVISIONING_METHODS["activate"]:
                    line.sudo().write({"state": "provisioning"})
                job.requeue()
            elif line.terminal:
                line._enqueue_resync()
            else:
                line._enqueue_activation()
        return True

    def action_cancel(self):
        """Remove the lines from the platform and quarantine their numbers."""
        self.check_access("write")
        lines = self.filtered(lambda r: r.state != "cancelled")
        if not lines:
            return True
        lines._cancel_on_platform()
        return True

    def _cancel_on_platform(self):
        """Cancel the lines: by a cancel job when they may exist on the
        platform, at once when they never reached it (draft, or an activation
        still waiting, which is dropped). Numbers go to quarantine when the
        line is cancelled."""
        lines = self.filtered(lambda r: r.state != "cancelled")
        lines._cancel_waiting_jobs(["activate", "update"])
        running = lines._waiting_jobs(["activate"], states=("enqueued", "started"))
        never_sent = lines.filtered(
            lambda r: (
                not r.terminal
                and (
                    r.state == "draft"
                    or (
                        r.state == "provisioning"
                        and r not in running.isp_sip_line_id | running.isp_sip_line_ids
                    )
                )
            )
        )
        never_sent._mark_cancelled()
        return (lines - never_sent)._enqueue_provisioning("cancel")

    def action_suspend(self):
        """Keep the line but stop its calls (pushes active = false)."""
        self.check_access("write")
        lines = self.filtered(lambda r: r.state == "active")
        lines.sudo().write({"state": "suspended"})
        lines._push_changes({line: {"active"} for line in lines})
        return True

    def action_resume(self):
        self.check_access("write")
        lines = self.filtered(lambda r: r.state == "suspended")
        lines.sudo().write({"state": "active"})
        lines._push_changes({line: {"active"} for line in lines})
        return True

    def action_open_jobs(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "isp_telephony.action_isp_provisioning_queue_job"
        )
        action["domain"] = [
            "|",
            ("isp_sip_line_id", "=", self.id),
            ("isp_sip_line_ids", "in", self.id),
        ]
        action["context"] = {}
        return action

    # The jobs themselves (run by queue_job's runner, after commit) ----------
    def _provisioning_start(self):
        """Start a job on one line: one platform operation per line at a time
        (a transaction-level advisory lock); another one running makes this
        job wait a few seconds, without counting an attempt."""
        self.ensure_one()
        self.env.cr.execute(
            "SELECT pg_try_advisory_xact_lock(%s, %s)", (LINE_LOCK_NAMESPACE, self.id)
        )
        if not self.env.cr.fetchone()[0]:
            raise RetryableJobError(
                self.env._("Another platform operation of this line is running."),
                seconds=BUSY_RETRY_SECONDS,
                ignore_retry=True,
            )
        return self.sudo()

    def _platform_call(self, call):
        """Run ``call(gateway)`` against the line's platform. A transient
        failure (timeout, 5xx) retries the job later (queue_job's retry
        pattern); a rejection fails it at once with the platform's message."""
        self.ensure_one()
        try:
            gateway = self.integration_id._get_gateway()
        except UserError as error:
            raise FailedJobError(error.args[0]) from None
        with gateway:
            try:
                return call(gateway)
            except GatewayError as error:
                if error.retryable:
                    raise RetryableJobError(error.message) from error
                raise FailedJobError(error.message) from error

    def _provision_activate(self):
        """Activate the line on its platform (queue job)."""
        line = self._provisioning_start()
        if line.state != "provisioning" or line.terminal:
            return self.env._("Nothing to do: the line is no longer waiting.")
        spec = line._platform_spec()
        result = line._platform_call(lambda gateway: gateway.activate_line(spec))
        line._on_activated(result, spec)
        line._clear_pending()
        line._after_activation()
        return self.env._("Activated: terminal %s", line.terminal)

    def _provision_activate_chunk(self):
        """Activate a chunk of lines of one platform (queue job): each line
        in a savepoint of its own, its result or failure recorded on it, and
        the chunk goes on. A line the platform could not take for a moment
        (or busy with another operation) gets a job of its own, tried again
        later with the retry pattern; a rejection puts it in Error at once."""
        done, failed, later = 0, 0, 0
        for line in self.exists():
            try:
                with self.env.cr.savepoint():
                    line._provision_activate()
                    self.env.flush_all()
                done += 1
            except RetryableJobError:
                self.env.invalidate_all()
                line._enqueue_provisioning("activate", eta=CHUNK_RETRY_SECONDS)
                later += 1
            except Exception as error:  # noqa: BLE001 - recorded on the line
                self.env.invalidate_all()
                message = error.args[0] if error.args else type(error).__name__
                line._on_job_failed("activate", message)
                failed += 1
        return self.env._(
            "%(done)s lines done, %(failed)s in error, %(later)s tried again later.",
            done=done,
            failed=failed,
            later=later,
        )

    def _on_activate_chunk_job_failed(
        self, exc_info=None, exc_name=None, exc_message=None
    ):
        """A chunk job failed as a whole: its lines still waiting go to
        Error with the message (Retry on the line sends them again)."""
        waiting = self.exists().filtered(
            lambda r: r.state == "provisioning" and not r.terminal
        )
        waiting._on_job_failed("activate", exc_message or exc_name)

    def _provision_update(self):
        """Push the line's changed fields to its platform (queue job)."""
        line = self._provisioning_start()
        changed = line._pending_fields()
        if line.state == "cancelled" or not changed:
            return self.env._("Nothing to do: no change waits.")
        if not line.terminal:
            return self.env._("Nothing to do: the activation sends every field.")
        spec = line._platform_spec()
        terminal = line.terminal
        result = line._platform_call(
            lambda gateway: gateway.update_line(terminal, spec, changed)
        )
        line._on_updated(result, spec, changed)
        line._clear_pending(changed)
        return self.env._("Updated: %s", ", ".join(sorted(changed)))

    def _provision_cancel(self):
        """Remove the line from its platform (queue job): changes still
        waiting (the cancel category of a terminated contract) are sent
        first; 404 is fine, and without a terminal the line is looked up by
        its key."""
        line = self._provisioning_start()
        if line.state == "cancelled":
            return self.env._("Nothing to do: the line is cancelled.")
        terminal = line.terminal
        key = line.uuid
        changed = line._pending_fields() if terminal else set()
        spec = line._platform_spec()

        def cancel(gateway):
            result = None
            if changed:
                result = gateway.update_line(terminal, spec, changed)
            found = terminal
            if not found:
                remote = gateway.find_line(key)
                found = remote.terminal if remote else ""
            if found:
                gateway.cancel_line(found)
            return result

        result = line._platform_call(cancel)
        if changed:
            line._on_updated(result, spec, changed)
            line._clear_pending(changed)
        line._mark_cancelled()
        line._cancel_waiting_jobs(["activate", "update"])
        return self.env._("Cancelled on the platform.")

    # queue_job calls these when a job fails for good (rejection, retries
    # exhausted, unexpected error), in a transaction of their own.
    def _on_activate_job_failed(self, exc_info=None, exc_name=None, exc_message=None):
        self._on_job_failed("activate", exc_message or exc_name)

    def _on_update_job_failed(self, exc_info=None, exc_name=None, exc_message=None):
        self._on_job_failed("update", exc_message or exc_name)

    def _on_cancel_job_failed(self, exc_info=None, exc_name=None, exc_message=None):
        self._on_job_failed("cancel", exc_message or exc_name)

    def _on_job_failed(self, operation, message):
        for line in self.exists():
            if line.state == "cancelled":
                continue
            line._on_platform_failure(operation, str(message or ""))

    def _after_activation(self):
        """Let the CDR engine attach calls to the newly activated lines: one
        re-match job per integration, a few seconds later, for a whole burst
        of activations (identity key)."""
        lines = self.filtered(lambda r: r.state == "active")
        for integration in lines.integration_id:
            integration.with_delay(
                channel=integration._cdr_import_channel(),
                identity_key=f"isp.telephony.integration({integration.id}).rematch",
                eta=REMATCH_DELAY,
                description=self.env._(
                    "Match the unmatched calls of %s to its lines", integration.name
                ),
            )._job_rematch_cdrs()

    # Results from the platform (called by the provisioning jobs) ------------
    def _mark_cancelled(self):
        if not self:
            return
        numbers = self.caller_id_number_id | self.did_ids.number_id
        self.sudo().write({"state": "cancelled", "platform_error": False})
        # Let the database release the assignments now (trigger on state).
        self.flush_recordset(["state"])
        release_numbers(numbers)

    def _apply_line_result(self, result):
        """Store terminal/credential of the line and its DIDs."""
        self.ensure_one()
        line = self.sudo()
        vals = {"last_sync_date": fields.Datetime.now(), "platform_error": False}
        if result is not None:
            vals["terminal"] = result.terminal
            if result.credential:
                vals["credential"] = result.credential
            by_number = {did.number: did for did in result.dids}
            for did in line.did_ids:
                found = by_number.get(did.e164)
                if found is not None:
                    did.write(
                        {"terminal": found.terminal, "credential": found.credential}
                    )
        line.write(vals)

    def _category_from_code(self, code):
        self.ensure_one()
        Category = self.env["isp.summit.category"]
        if not code:
            return Category
        return Category.with_context(active_test=False).search(
            [("integration_id", "=", self.integration_id.id), ("acronym", "=", code)],
            limit=1,
        )

    def _on_activated(self, result, spec):
        self.ensure_one()
        self._apply_line_result(result)
        self.sudo().write(
            {
                "state": "suspended" if not spec.active else "active",
                "platform_category_id": self._category_from_code(spec.category).id,
            }
        )

    def _on_updated(self, result, spec, changed):
        self.ensure_one()
        self._apply_line_result(result)
        vals = {}
        if "category" in changed:
            vals["platform_category_id"] = self._category_from_code(spec.category).id
        if self.state == "error":
            vals["state"] = "suspended" if not spec.active else "active"
        if vals:
            self.sudo().write(vals)

    def _on_platform_failure(self, operation, message):
        """Put the line in Error with the platform's message, in the chatter
        too."""
        self.ensure_one()
        self.sudo().write({"state": "error", "platform_error": message})
        self.message_post(
            body=self.env._(
                "%(operation)s failed on the platform: %(message)s",
                operation=self._provisioning_labels().get(operation, operation),
                message=message,
            )
        )

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


# --- Blocking: lines follow their contract's service status (issue 6) -------


class IspSipLineBlocking(models.Model):
    """The category a line must have for its contract's service status, and
    where that status comes from. The contract moves its lines
    (contract.contract._apply_service_status_to_lines)."""

    _inherit = "isp.sip.line"

    service_status = fields.Selection(
        related="contract_id.service_status",
        store=True,
        index=True,
        string="Contract Status",
        help="Service status of the line's contract.",
    )
    service_status_date = fields.Datetime(
        related="contract_id.service_status_date", string="Status Since"
    )
    service_status_reason = fields.Char(related="contract_id.service_status_reason")
    overdue_days = fields.Integer(related="contract_id.overdue_days")
    expected_category_id = fields.Many2one(
        "isp.summit.category",
        compute="_compute_expected_category_id",
        store=True,
        help="Category the contract's service status calls for in the line's "
        "partition. Without blocking on the partition, the line keeps its "
        "category; without a partial-block category, a partially blocked line "
        "keeps the default category and consumes normally.",
    )
    # Why the line does not follow its contract's block: a code is stored,
    # each reader sees the sentence in their own language.
    blocking_note_code = fields.Selection(
        [
            (
                "no_blocking",
                "Partition without blocking: the line keeps consuming.",
            ),
            (
                "no_partial_category",
                (
                    "No partial-block category in the partition: the line keeps "
                    "consuming normally."
                ),
            ),
        ],
        string="Not Following the Block",
        compute="_compute_expected_category_id",
        store=True,
    )
    blocking_note = fields.Char(
        compute="_compute_blocking_note",
        search="_search_blocking_note",
        help="Why the line does not follow its contract's block, when it does not.",
    )

    @api.depends(
        "contract_id.service_status",
        "credit_blocked",
        "fraud_blocked",
        "category_id",
        "partition_id.blocking_enabled",
        "partition_id.default_category_id",
        "partition_id.partial_block_category_id",
        "partition_id.block_category_id",
        "partition_id.cancel_category_id",
    )
    def _compute_expected_category_id(self):
        for line in self:
            partition = line.partition_id
            # The strictest reason in force: the contract's status and the
            # line's own (credit limit, fraud guard; spend control).
            status = blocking.line_status(
                line.contract_id.service_status or blocking.ACTIVE,
                line.credit_blocked,
                line.fraud_blocked,
            )
            line.expected_category_id = blocking.expected_category(
                status,
                partition.blocking_enabled,
                line.category_id,
                partition.default_category_id,
                partition.partial_block_category_id,
                partition.block_category_id,
                partition.cancel_category_id,
            )
            note = False
            if status != blocking.ACTIVE and not partition.blocking_enabled:
                note = "no_blocking"
            elif (
                status in blocking.PARTIALS and not partition.partial_block_category_id
            ):
                note = "no_partial_category"
            line.blocking_note_code = note

    @api.depends("blocking_note_code")
    @api.depends_context("lang")
    def _compute_blocking_note(self):
        labels = dict(
            self._fields["blocking_note_code"]._description_selection(self.env)
        )
        for line in self:
            line.blocking_note = labels.get(line.blocking_note_code, False)

    def _search_blocking_note(self, operator, value):
        if operator in ("!=", "=") and not value:
            return [("blocking_note_code", operator, False)]
        raise UserError(self.env._("Filter the block notes by whether there is one."))

    @api.model_create_multi
    def create(self, vals_list):
        """A line added to a contract that is not active starts with the
        category its status calls for (before it reaches the platform)."""
        lines = super().create(vals_list)
        following = lines.filtered(
            lambda line: (
                line.contract_id.service_status != blocking.ACTIVE
                and line.partition_id.blocking_enabled
                and line.expected_category_id
                and line.expected_category_id != line.category_id
            )
        )
        for line in following:
            line.category_id = line.expected_category_id
        return lines


# --- end of blocking (issue 6) ----------------------------------------------
