# Copyright 2026 isp_telephony authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Service status of a contract: overdue, blocked or terminated, and its lines
following.
"""

import logging

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.osv import expression

from ..tools import blocking

_logger = logging.getLogger(__name__)


SERVICE_STATUSES = [
    (blocking.ACTIVE, "Active"),
    (blocking.PARTIAL, "Partially Blocked (overdue payment)"),
    (blocking.BLOCKED_MANUAL, "Blocked (manual)"),
    (blocking.BLOCKED_AUTO, "Blocked (automatic)"),
    (blocking.CANCELLED, "Cancelled"),
]

# Posted, unpaid customer instalments past due, per contract: one query for
# any number of contracts. Invoices reach contracts as OCA contract links
# them: account_move_line.contract_line_id -> contract_line.contract_id.
_OVERDUE_SQL = """
    SELECT link.contract_id, MIN(term.date_maturity), SUM(term.amount_residual)
      FROM (
            SELECT DISTINCT aml.move_id, cl.contract_id
              FROM account_move_line aml
              JOIN contract_line cl ON cl.id = aml.contract_line_id
             WHERE aml.contract_line_id IS NOT NULL {contract_filter}
           ) link
      JOIN account_move move ON move.id = link.move_id
      JOIN account_move_line term ON term.move_id = move.id
     WHERE move.state = 'posted'
       AND move.move_type = 'out_invoice'
       AND term.display_type = 'payment_term'
       AND term.amount_residual > 0
       AND term.date_maturity < %(today)s
  GROUP BY link.contract_id
"""
# Fields the blocking code owns: shown read-only, refused to any write but
# that code's (which writes them as superuser after its own checks).
STATUS_FIELDS = frozenset(
    {
        "service_status",
        "service_status_date",
        "service_status_reason",
        "overdue_date",
        "overdue_amount",
    }
)


def run_isolated(records, action, on_error):
    """Run ``action(records)`` on the whole set in a savepoint (set-based,
    the usual case); if it fails, again record by record, each in its own
    savepoint, calling ``on_error(record, error)`` for those that still
    fail. One bad record never stops the others. Returns the records that
    succeeded."""
    if not records:
        return records
    cr = records.env.cr
    try:
        with cr.savepoint():
            action(records)
        return records
    except Exception as error:
        if len(records) == 1:
            _logger.warning("Telephony blocking: %s failed", records, exc_info=True)
            on_error(records, error)
            return records.browse()
    done = records.browse()
    for record in records:
        try:
            with cr.savepoint():
                action(record)
            done |= record
        except Exception as error:
            _logger.warning("Telephony blocking: %s failed", record, exc_info=True)
            on_error(record, error)
    return done


def _error_text(error):
    """What a user reads of an error: the message of an Odoo user error
    (validation, access), else its kind and text."""
    if isinstance(error, (UserError, AccessError)) and error.args:
        return error.args[0]
    return f"{type(error).__name__}: {error}"


# Fields the notices own (written as superuser by the notice queue).
NOTICE_FIELDS = frozenset(
    {"telephony_notice_no_email", "telephony_notice_no_email_date"}
)


class ContractContractServiceStatus(models.Model):
    _inherit = "contract.contract"

    # --- Service status and blocking (issue 6) ------------------------------
    service_status = fields.Selection(
        SERVICE_STATUSES,
        default=blocking.ACTIVE,
        required=True,
        readonly=True,
        copy=False,
        index=True,
        tracking=True,
        help="Telephony service status. Active: lines on their default "
        "category. Partially Blocked: an invoice is overdue past the partial "
        "block threshold (receive-only). Blocked (automatic): overdue past the "
        "full block threshold; paying releases it. Blocked (manual): set by a "
        "manager; only a manager lifts it. Cancelled: the contract is "
        "terminated.",
    )

    service_status_date = fields.Datetime(
        string="Status Since",
        readonly=True,
        copy=False,
        help="When the service status last changed.",
    )

    service_status_reason = fields.Char(
        string="Status Reason",
        readonly=True,
        copy=False,
        tracking=True,
        help="Why the service status last changed.",
    )

    overdue_date = fields.Date(
        string="Overdue Since",
        readonly=True,
        copy=False,
        help="Due date of the oldest unpaid instalment of the contract's posted "
        "customer invoices, as of the last evaluation (daily, and on every "
        "payment reconciliation).",
    )

    overdue_amount = fields.Monetary(
        readonly=True,
        copy=False,
        currency_field="overdue_currency_id",
        help="Unpaid amount of the contract's overdue instalments, in the "
        "company's currency, as of the last evaluation.",
    )

    overdue_currency_id = fields.Many2one(
        related="company_id.currency_id", string="Overdue Currency"
    )

    overdue_days = fields.Integer(
        compute="_compute_overdue_days",
        help="Days since the oldest overdue instalment fell due.",
    )

    service_lines_note = fields.Char(
        string="Lines Not Following",
        compute="_compute_service_lines_note",
        help="SIP lines that do not follow the contract's block: their "
        "partition has no blocking, or no partial-block category.",
    )

    @api.depends("overdue_date")
    def _compute_overdue_days(self):
        today = fields.Date.context_today(self)
        for contract in self:
            contract.overdue_days = blocking.overdue_days(contract.overdue_date, today)

    # Evaluation -------------------------------------------------------
    @api.model
    def _telephony_overdue(self, today, contract_ids=None):
        """{contract id: (oldest overdue due date, overdue amount)}."""
        self.env["account.move.line"].flush_model(
            ["amount_residual", "date_maturity", "display_type", "contract_line_id"]
        )
        self.env["account.move"].flush_model(["state", "move_type"])
        self.env["contract.line"].flush_model(["contract_id"])
        contract_filter = ""
        params = {"today": today}
        if contract_ids is not None:
            contract_filter = "AND cl.contract_id = ANY(%(ids)s)"
            params["ids"] = list(contract_ids)
        self.env.cr.execute(
            _OVERDUE_SQL.format(contract_filter=contract_filter), params
        )
        return {row[0]: (row[1], row[2]) for row in self.env.cr.fetchall()}

    def _status_reason(self, status, company):
        if status == blocking.CANCELLED:
            return self.env._("Contract terminated")
        if status == blocking.BLOCKED_AUTO:
            return self.env._(
                "Invoice overdue %(days)s days or more: automatic block",
                days=company.telephony_full_block_days,
            )
        if status == blocking.PARTIAL:
            return self.env._(
                "Invoice overdue %(days)s days or more: partial block",
                days=company.telephony_partial_block_days,
            )
        return self.env._("No invoice overdue beyond the thresholds")

    def _evaluate_service_status(self, today=None):
        """Bring the status of the contracts in ``self`` in line with their
        invoices and termination: one query for the debts, one UPDATE for the
        overdue figures, one write per (status, reason) for the changes.
        Returns the contracts whose status changed."""
        contracts = self.filtered(lambda c: c.contract_type == "sale")
        if not contracts:
            return self.browse()
        today = today or fields.Date.context_today(self)
        debts = self._telephony_overdue(today, contracts.ids)
        changed_figures = []
        moves = {}
        reasons = {}
        to_notice = self.browse()
        notice_cleared = self.browse()
        for contract in contracts:
            oldest, amount = debts.get(contract.id, (None, 0.0))
            # No silent suspension: an overdue debt is notified first, and
            # the suspension waits for the notice period (Anatel).
            notice_date = contract.overdue_notice_date
            if oldest and not notice_date and not contract.is_terminated:
                to_notice |= contract
                notice_date = today
            elif not oldest and notice_date:
                notice_cleared |= contract
            if contract.overdue_date != (oldest or False) or (
                contract.overdue_currency_id.compare_amounts(
                    contract.overdue_amount, amount or 0.0
                )
            ):
                changed_figures.append((contract.id, oldest, amount or 0.0))
            company = contract.company_id
            target = blocking.target_status(
                contract.service_status,
                contract.is_terminated,
                blocking.overdue_days(oldest, today),
                company.telephony_partial_block_days,
                company.telephony_full_block_days,
                suspension_allowed=blocking.notice_period_over(
                    notice_date, company.telephony_notice_days, today
                ),
            )
            if target != contract.service_status:
                if (target, company) not in reasons:
                    reasons[target, company] = self._status_reason(target, company)
                key = (target, reasons[target, company])
                moves.setdefault(key, []).append(contract.id)
        if changed_figures:
            ids, dates, amounts = zip(*changed_figures, strict=True)
            self.env.cr.execute(
                """
                UPDATE contract_contract c
                   SET overdue_date = v.due, overdue_amount = v.amount
                  FROM unnest(%s::int[], %s::date[], %s::numeric[])
                       AS v(id, due, amount)
                 WHERE c.id = v.id
                """,
                (list(ids), list(dates), list(amounts)),
            )
            self.browse(ids).invalidate_recordset(["overdue_date", "overdue_amount"])
        if notice_cleared:
            notice_cleared.write({"overdue_notice_date": False})
        if to_notice:
            to_notice.write({"overdue_notice_date": today})
            self._telephony_notify(
                "isp_telephony.mail_template_overdue_notice", to_notice
            )
        changed = self.browse()
        for (status, reason), ids in moves.items():
            changed |= run_isolated(
                self.browse(ids),
                lambda batch, s=status, r=reason: batch._set_service_status(s, r),
                lambda contract, error: contract._record_service_failure(error),
            )
        return changed

    def _record_service_failure(self, error):
        """The contract's status could not be changed: say why on it (the
        daily run tries again)."""
        self.ensure_one()
        self.sudo().message_post(
            body=self.env._(
                "The telephony service status could not be updated: %s",
                _error_text(error),
            )
        )

    def _set_service_status(self, status, reason):
        """Record a status change (tracked in the chatter) and make the
        contracts' lines follow it."""
        if not self:
            return
        restored = self.filtered(
            lambda c: c.service_status not in (blocking.ACTIVE, blocking.CANCELLED)
        )
        # The status is the blocking code's own field (see write()): written
        # as superuser; tracking still names the user who caused the change.
        self.sudo().write(
            {
                "service_status": status,
                "service_status_reason": reason,
                "service_status_date": fields.Datetime.now(),
            }
        )
        self._apply_service_status_to_lines()
        self._notify_service_status(status, restored)

    def _notify_service_status(self, status, previously_blocked=None):
        """The customer notice of a status change (partial block, full
        block, service restored)."""
        templates = {
            blocking.PARTIAL: "isp_telephony.mail_template_partial_block",
            blocking.BLOCKED_AUTO: "isp_telephony.mail_template_full_block",
            blocking.BLOCKED_MANUAL: "isp_telephony.mail_template_full_block",
        }
        if status in templates:
            self._telephony_notify(templates[status], self)
        elif status == blocking.ACTIVE and previously_blocked:
            self._telephony_notify(
                "isp_telephony.mail_template_service_restored",
                previously_blocked & self,
            )

    def _apply_service_status_to_lines(self):
        """Move the contracts' SIP lines to the category their status calls
        for (isp.sip.line.expected_category_id), only where it really
        changes, through the lines' one entry point for category changes: a
        provisioning job per line pushes it to the platform once this
        transaction has committed (retried on failure, shown on the line
        until it succeeds). Lines of cancelled contracts are then cancelled on the
        platform and their numbers quarantined. Partitions without blocking
        change nothing on the platform."""
        lines = self.sip_line_ids.filtered(
            lambda line: (
                line.state != "cancelled" and line.partition_id.blocking_enabled
            )
        )
        if not lines:
            return True
        by_category = {}
        for line in lines:
            expected = line.expected_category_id
            if expected and expected != line.category_id:
                by_category.setdefault(expected, []).append(line.id)
        Line = self.env["isp.sip.line"]
        # One line refused (e.g. a category its partition does not allow)
        # is recorded on it; the other lines and contracts go on.
        for category, line_ids in by_category.items():
            self._isolated_lines(
                Line.browse(line_ids),
                lambda batch, c=category: batch._provision_category_change(c),
            )
        self._isolated_lines(
            lines.filtered(
                lambda line: line.contract_id.service_status == blocking.CANCELLED
            ),
            lambda batch: batch.action_cancel(),
        )
        return True

    def _isolated_lines(self, lines, action):
        return run_isolated(
            lines, action, lambda line, error: self._record_line_failure(line, error)
        )

    @api.model
    def _record_line_failure(self, line, error):
        """A line did not follow its contract: the reason on the line (its
        platform message, shown on the line and the contract's line list)
        and in the contract's chatter."""
        text = _error_text(error)
        line.sudo().write(
            {
                "platform_error": self.env._(
                    "The line did not follow its contract's service status: %s",
                    text,
                )
            }
        )
        line.contract_id.sudo().message_post(
            body=self.env._(
                "Line %(line)s did not follow the service status: %(error)s",
                line=line.display_name,
                error=text,
            )
        )

    @api.depends(
        "service_status",
        "sip_line_ids.blocking_note",
        "sip_line_ids.state",
    )
    def _compute_service_lines_note(self):
        for contract in self:
            lines = contract.sip_line_ids.filtered(
                lambda line: line.state != "cancelled" and line.blocking_note
            )
            if not lines:
                contract.service_lines_note = False
                continue
            contract.service_lines_note = self.env._(
                "%(count)s line(s) keep consuming normally: %(lines)s.",
                count=len(lines),
                lines="; ".join(
                    f"{line.display_name} ({line.blocking_note})" for line in lines
                ),
            )

    @api.model
    def _cron_evaluate_service_status(self):
        """Daily: every customer contract, from its posted unpaid invoices."""
        contracts = self.search_fetch(
            [("contract_type", "=", "sale")],
            [
                "service_status",
                "is_terminated",
                "company_id",
                "overdue_date",
                "overdue_amount",
                "contract_type",
            ],
        )
        changed = contracts._evaluate_service_status()
        # Lines out of step without a status change (a partition whose
        # blocking was just enabled, a line added to a blocked contract).
        Line = self.env["isp.sip.line"].with_context(active_test=False)
        drifting = Line.search(
            [
                ("state", "!=", "cancelled"),
                ("partition_id.blocking_enabled", "=", True),
                ("expected_category_id", "!=", False),
                ("contract_id", "not in", changed.ids),
            ]
        ).filtered(lambda line: line.expected_category_id != line.category_id)
        run_isolated(
            drifting.contract_id,
            lambda batch: batch._apply_service_status_to_lines(),
            lambda contract, error: contract._record_service_failure(error),
        )
        _logger.info(
            "Telephony blocking: %s contracts evaluated, %s changed status",
            len(contracts),
            len(changed),
        )
        return changed

    @api.model
    def _telephony_contracts_of_moves(self, moves):
        """Customer contracts invoiced by ``moves``."""
        if not moves:
            return self.browse()
        self.env["account.move.line"].flush_model(["contract_line_id", "move_id"])
        self.env.cr.execute(
            """
            SELECT DISTINCT cl.contract_id
              FROM account_move_line aml
              JOIN contract_line cl ON cl.id = aml.contract_line_id
             WHERE aml.move_id = ANY(%s)
            """,
            (list(moves.ids),),
        )
        return self.browse([row[0] for row in self.env.cr.fetchall()])

    # Manager actions ----------------------------------------------------
    def action_service_block(self):
        """Block the contracts by hand: no payment lifts this block."""
        self._check_service_manager()
        # Telephony managers need no accounting rights to block: status and
        # lines are written as superuser (the chatter author stays the user),
        # once the contracts are known to be theirs to see.
        todo = (
            self._check_service_access()
            .sudo()
            .filtered(
                lambda c: (
                    c.service_status
                    not in (blocking.BLOCKED_MANUAL, blocking.CANCELLED)
                )
            )
        )
        todo._set_service_status(
            blocking.BLOCKED_MANUAL,
            self.env._("Blocked manually by %(user)s", user=self.env.user.name),
        )
        return True

    def action_service_unblock(self):
        """Lift a manual block: the contracts go back to what their invoices
        say (Active, or a partial/automatic block while still overdue)."""
        self._check_service_manager()
        todo = (
            self._check_service_access()
            .sudo()
            .filtered(lambda c: c.service_status == blocking.BLOCKED_MANUAL)
        )
        todo.write(
            {
                "service_status": blocking.ACTIVE,
                "service_status_reason": self.env._(
                    "Unblocked by %(user)s", user=self.env.user.name
                ),
                "service_status_date": fields.Datetime.now(),
            }
        )
        changed = todo._evaluate_service_status()
        (todo - changed)._apply_service_status_to_lines()
        (todo - changed).filtered(
            lambda c: c.service_status == blocking.ACTIVE
        )._notify_service_status(blocking.ACTIVE, todo)
        return True

    def _check_service_access(self):
        """Before any sudo(): the user reads these contracts (record rules)
        and each belongs to one of the companies of the request. Returns
        ``self``."""
        self.check_access("read")
        foreign = self.filtered(
            lambda c: c.company_id and c.company_id not in self.env.companies
        )
        if foreign:
            raise AccessError(
                self.env._(
                    "These contracts belong to a company you are not working in: %s.",
                    ", ".join(foreign.mapped("display_name")),
                )
            )
        return self

    def _check_service_manager(self):
        if not self.env.user.has_group("isp_telephony.group_telephony_manager"):
            raise AccessError(
                self.env._("Only telephony managers can block or unblock contracts.")
            )

    # Hooks ----------------------------------------------------------------
    def _check_status_fields(self, vals, creating=False):
        """The service status and the overdue figures are the blocking
        code's: what the form shows read-only is refused over RPC too (an
        accountant cannot lift a manual block with a write)."""
        if self.env.su:
            return
        noticed = NOTICE_FIELDS.intersection(vals)
        if creating:
            noticed = {name for name in noticed if vals[name]}
        if noticed:
            raise AccessError(
                self.env._(
                    "Whether a notice was emailed is recorded by the notices only "
                    "(%s).",
                    ", ".join(sorted(self._fields[name].string for name in noticed)),
                )
            )
        forged = STATUS_FIELDS.intersection(vals)
        if creating:
            # The web client sends the defaults of a new contract.
            forged = {
                name for name in forged if vals[name] and vals[name] != blocking.ACTIVE
            }
        if forged:
            raise AccessError(
                self.env._(
                    "The telephony service status changes through Block, Unblock, "
                    "payments and termination only (%s).",
                    ", ".join(sorted(self._fields[name].string for name in forged)),
                )
            )

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            self._check_status_fields(vals, creating=True)
        return super().create(vals_list)

    def write(self, vals):
        self._check_status_fields(vals)
        res = super().write(vals)
        if "is_terminated" in vals:
            # OCA termination (or its cancellation) moves the service status.
            self._evaluate_service_status()
        return res

    @api.model
    def _get_contracts_to_invoice_domain(self, date_ref=None):
        """Blocked contracts keep their recurring invoicing only where the
        company says so."""
        domain = super()._get_contracts_to_invoice_domain(date_ref=date_ref)
        return expression.AND(
            [
                domain,
                [
                    "|",
                    ("service_status", "not in", list(blocking.BLOCKED)),
                    ("company_id.telephony_blocked_keep_invoicing", "=", True),
                ],
            ]
        )
