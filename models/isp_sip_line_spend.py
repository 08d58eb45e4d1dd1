# Copyright 2026 isp_telephony authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Spend control of a SIP line (issue 14): its credit limit per cycle, the
current cycle's spend and franchise used, and its own block reasons (credit
limit, fraud guard) next to its contract's. The figures and reasons are
written by isp.telephony.spend; managers lift and release here."""

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError

from ..tools import blocking
from ..tools import spend as spend_core
from .owned_fields import MANAGER_GROUP, OwnedFields

CREDIT_STATES = [
    (spend_core.NONE, "No Limit"),
    (spend_core.OK, "Within Limit"),
    (spend_core.WARNING, "Warning"),
    (spend_core.LIMIT, "At Limit"),
]
# The status in force on a line: the contract's, or the line's own reason
# when that is stricter (tools/blocking.py line_status).
LINE_STATUSES = [
    (blocking.ACTIVE, "Active"),
    (blocking.PARTIAL, "Partially Blocked (overdue payment)"),
    (blocking.PARTIAL_CREDIT, "Partially Blocked (credit limit)"),
    (blocking.BLOCKED_MANUAL, "Blocked (manual)"),
    (blocking.BLOCKED_AUTO, "Blocked (overdue payment)"),
    (blocking.BLOCKED_FRAUD, "Blocked (fraud guard)"),
    (blocking.CANCELLED, "Cancelled"),
]
# Fields only spend control writes (as superuser): refused to anyone else,
# whatever the form shows.
SPEND_OWNED = OwnedFields(
    fields=frozenset(
        {
            "cycle_start",
            "cycle_spend",
            "cycle_franchise_seconds",
            "credit_share",
            "credit_state",
            "credit_checked_date",
            "credit_warned_cycle",
            "credit_lifted_cycle",
            "credit_blocked",
            "credit_block_date",
            "credit_block_origin",
            "fraud_blocked",
            "fraud_block_date",
            "fraud_block_origin",
        }
    ),
    refusal_message=lambda records, labels: records.env._(
        "Only spend control sets these fields: %s.", labels
    ),
)
# A line's own credit limit: telephony managers only.
CREDIT_LIMIT_OWNED = OwnedFields(
    fields=frozenset({"credit_limit"}),
    group=MANAGER_GROUP,
    refusal_message=lambda records, labels: records.env._(
        "Only telephony managers change a line's credit limit."
    ),
)


class IspSipLine(models.Model):
    _inherit = "isp.sip.line"

    spend_currency_id = fields.Many2one(
        related="billing_plan_id.currency_id", string="Spend Currency"
    )
    credit_limit = fields.Monetary(
        currency_field="spend_currency_id",
        compute="_compute_credit_limit",
        store=True,
        readonly=False,
        precompute=True,
        copy=False,
        tracking=True,
        help="The most this line may spend on rated calls in one billing cycle, "
        "in its plan's currency; taken from the plan, a manager may change it. "
        "At the limit the line is partially blocked (receives calls, emergency "
        "numbers still work) until its next cycle. 0: unlimited.",
    )
    cycle_start = fields.Date(
        string="Current Cycle",
        readonly=True,
        copy=False,
        help="Start of the billing cycle of the spend shown (local due day).",
    )
    cycle_spend = fields.Monetary(
        currency_field="spend_currency_id",
        readonly=True,
        copy=False,
        help="Rated amount of the line's calls in its current cycle, as of the "
        "last check (every CDR import and the hourly rating).",
    )
    cycle_franchise_seconds = fields.Integer(
        string="Franchise Used (s)",
        readonly=True,
        copy=False,
        help="Franchise seconds the line's calls used in its current cycle.",
    )
    franchise_minutes_used = fields.Float(
        string="Franchise Used (min)",
        compute="_compute_franchise_minutes",
        digits=(16, 1),
    )
    franchise_minutes = fields.Float(
        string="Franchise (min)",
        compute="_compute_franchise_minutes",
        digits=(16, 1),
        help="Franchise of the line's plan per cycle, all buckets together.",
    )
    credit_share = fields.Float(
        string="Credit Used (%)",
        readonly=True,
        copy=False,
        digits=(16, 1),
        help="Cycle spend as a share of the credit limit.",
    )
    credit_state = fields.Selection(
        CREDIT_STATES,
        default=spend_core.NONE,
        required=True,
        readonly=True,
        copy=False,
        index=True,
        help="Where the line stands against its credit limit in its cycle.",
    )
    credit_checked_date = fields.Datetime(
        string="Spend Checked", readonly=True, copy=False
    )
    credit_warned_cycle = fields.Date(readonly=True, copy=False)
    credit_lifted_cycle = fields.Date(readonly=True, copy=False)
    credit_blocked = fields.Boolean(
        string="Credit Limit Block",
        readonly=True,
        copy=False,
        index=True,
        help="The line reached its credit limit: partially blocked until its "
        "next cycle, a higher limit, or a manager lifts it.",
    )
    credit_block_date = fields.Datetime(
        string="Credit Block Since", readonly=True, copy=False
    )
    credit_block_origin = fields.Char(readonly=True, copy=False)
    fraud_blocked = fields.Boolean(
        string="Fraud Block",
        readonly=True,
        copy=False,
        index=True,
        help="The fraud guard tripped: the line is fully blocked until a "
        "telephony manager releases it.",
    )
    fraud_block_date = fields.Datetime(
        string="Fraud Block Since", readonly=True, copy=False
    )
    fraud_block_origin = fields.Char(readonly=True, copy=False)
    line_status = fields.Selection(
        LINE_STATUSES,
        string="Status in Force",
        compute="_compute_line_status",
        store=True,
        index=True,
        help="The strictest block reason in force on the line: its contract's "
        "status, its credit limit or the fraud guard. Lifting one reason "
        "leaves the others.",
    )
    block_reasons = fields.Text(
        compute="_compute_block_reasons",
        help="Every reason holding the line, with its date and origin.",
    )

    @api.depends("billing_plan_id", "billing_plan_id.credit_limit")
    def _compute_credit_limit(self):
        for line in self:
            line.credit_limit = line.billing_plan_id.credit_limit

    @api.depends("cycle_franchise_seconds", "billing_plan_id.bucket_ids")
    def _compute_franchise_minutes(self):
        for line in self:
            line.franchise_minutes_used = line.cycle_franchise_seconds / 60.0
            line.franchise_minutes = (
                sum(line.billing_plan_id.bucket_ids.mapped("allowance_seconds")) / 60.0
            )

    @api.depends("contract_id.service_status", "credit_blocked", "fraud_blocked")
    def _compute_line_status(self):
        for line in self:
            line.line_status = blocking.line_status(
                line.contract_id.service_status or blocking.ACTIVE,
                line.credit_blocked,
                line.fraud_blocked,
            )

    def _compute_block_reasons(self):
        labels = dict(self._fields["line_status"]._description_selection(self.env))
        for line in self:
            contract = line.contract_id
            rows = []
            if contract.service_status and contract.service_status != "active":
                rows.append(
                    self.env._(
                        "%(reason)s since %(date)s: %(origin)s",
                        reason=labels[contract.service_status],
                        date=fields.Datetime.to_string(contract.service_status_date)
                        or "-",
                        origin=contract.service_status_reason or "-",
                    )
                )
            if contract.overdue_date and contract.service_status != blocking.PARTIAL:
                rows.append(
                    self.env._(
                        "Invoice overdue since %(date)s (%(days)s days)",
                        date=fields.Date.to_string(contract.overdue_date),
                        days=contract.overdue_days,
                    )
                )
            if line.fraud_blocked:
                rows.append(
                    self.env._(
                        "%(reason)s since %(date)s: %(origin)s",
                        reason=labels[blocking.BLOCKED_FRAUD],
                        date=fields.Datetime.to_string(line.fraud_block_date),
                        origin=line.fraud_block_origin or "-",
                    )
                )
            if line.credit_blocked:
                rows.append(
                    self.env._(
                        "%(reason)s since %(date)s: %(origin)s",
                        reason=labels[blocking.PARTIAL_CREDIT],
                        date=fields.Datetime.to_string(line.credit_block_date),
                        origin=line.credit_block_origin or "-",
                    )
                )
            line.block_reasons = "\n".join(rows) or False

    # Server-side guard: spend figures and reasons are written by the check.
    def _owned_fields(self):
        return super()._owned_fields() + [SPEND_OWNED, CREDIT_LIMIT_OWNED]

    def write(self, vals):
        res = super().write(vals)
        if "credit_limit" in vals and not self.env.context.get("isp_spend_checking"):
            # A raised limit releases a credit block at once; a lowered one
            # may warn or block.
            self.env["isp.telephony.spend"]._check_spend(self.ids)
        return res

    def _apply_expected_category(self):
        """Move the lines to the category their status in force calls for,
        only where it changes, through ``_provision_category_change``: a
        provisioning job pushes it to the platform once the transaction has
        committed (retried on failure, see Job Queue)."""
        lines = self.filtered(
            lambda line: (
                line.state != "cancelled" and line.partition_id.blocking_enabled
            )
        )
        by_category = {}
        for line in lines:
            expected = line.expected_category_id
            if expected and expected != line.category_id:
                by_category.setdefault(expected, []).append(line.id)
        for category, line_ids in by_category.items():
            self.browse(line_ids)._provision_category_change(category)

    # Manager actions ---------------------------------------------------------
    def _check_spend_manager(self):
        if not self.env.user.has_group("isp_telephony.group_telephony_manager"):
            raise AccessError(
                self.env._(
                    "Only telephony managers lift credit-limit and fraud blocks."
                )
            )
        # Access and company of the lines are checked before going superuser.
        self.check_access("write")

    def action_lift_credit_block(self):
        """Lift the credit-limit block for the rest of the cycle (logged);
        the line is not blocked again in this cycle."""
        self._check_spend_manager()
        lines = self.filtered("credit_blocked")
        if not lines:
            raise UserError(self.env._("These lines hold no credit-limit block."))
        self.env["isp.telephony.spend"]._release_credit(
            lines.sudo(),
            self.env._("Lifted by %(user)s", user=self.env.user.name),
            lifted=True,
        )
        return True

    def action_release_fraud_block(self):
        """Release a fraud block after the manager confirmed (the button asks);
        logged on the line."""
        self._check_spend_manager()
        lines = self.filtered("fraud_blocked")
        if not lines:
            raise UserError(self.env._("These lines hold no fraud block."))
        self.env["isp.telephony.spend"]._release_fraud(
            lines.sudo(),
            self.env._("Released by %(user)s", user=self.env.user.name),
        )
        return True

    def action_check_spend(self):
        """Rate the lines' new calls and check their spend now: a back-office
        action (a customer reading their own lines in the portal may not
        run it), on lines the user may read (company included)."""
        if not self.env.user.has_group("isp_telephony.group_telephony_user"):
            raise AccessError(
                self.env._("Only telephony users can check a line's spend now.")
            )
        self.check_access("read")
        self.env["isp.telephony.spend"].sudo()._check_spend(self.ids)
        return True
