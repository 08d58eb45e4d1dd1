# Copyright 2026 isp_telephony authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Service status of a contract: active, overdue (partially or fully
blocked), blocked by hand or terminated, evaluated from its posted unpaid
invoices (daily, on payment) and its termination; the status fields only
this code writes. Its lines follow in contract_contract_service_lines.py,
managers block and unblock in contract_contract_service_actions.py, the
customer is told in contract_contract_service_notices.py."""

import logging

from psycopg2 import errors as pg_errors

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.osv import expression
from odoo.tools import split_every

from ..tools import blocking
from .owned_fields import SET, OwnedFields

_logger = logging.getLogger(__name__)

# The daily run commits its work every DAILY_CHUNK contracts: a payment that
# changes a contract at the same moment only ever meets one chunk.
DAILY_CHUNK = 500

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
# that code's (which writes them as superuser after its own checks): an
# accountant cannot lift a manual block with a write. The web client sends
# the defaults of a new contract (SET).
STATUS_OWNED = OwnedFields(
    fields=frozenset(
        {
            "service_status",
            "service_status_date",
            "service_status_reason",
            "overdue_date",
            "overdue_amount",
        }
    ),
    on_create=SET,
    refusal_message=lambda records, labels: records.env._(
        "The telephony service status changes through Block, Unblock, "
        "payments and termination only (%s).",
        labels,
    ),
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


def error_text(error):
    """What a user reads of an error: the message of an Odoo user error
    (validation, access), else its kind and text."""
    if isinstance(error, (UserError, AccessError)) and error.args:
        return error.args[0]
    return f"{type(error).__name__}: {error}"


class ContractContractServiceStatus(models.Model):
    _name = "contract.contract"
    _inherit = ["contract.contract", "isp.telephony.owned.fields.mixin"]

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
                error_text(error),
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
        changed = self.browse()
        for chunk in split_every(DAILY_CHUNK, contracts.ids, self.browse):
            changed |= chunk._evaluate_daily_chunk()
            self.env["ir.cron"]._telephony_commit()
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

    def _evaluate_daily_chunk(self):
        """One chunk of the daily run. A payment (or *Unblock*) may change
        one of these contracts at the same moment: under Odoo's REPEATABLE
        READ the later of the two writes fails with a serialization error.
        The chunk is then rolled back alone and run once more after a commit
        (a fresh snapshot, which sees the payment's result); failing again,
        it is left to the next daily run (the payment evaluated its own
        contract) and the run goes on with the next chunk."""
        for attempt in (1, 2):
            try:
                with self.env.cr.savepoint():
                    return self._evaluate_service_status()
            except pg_errors.SerializationFailure:
                self.env.invalidate_all()
                if attempt == 2:
                    _logger.warning(
                        "Telephony blocking: contracts %s changed elsewhere "
                        "during the daily run twice; left to the next run",
                        self.ids,
                    )
                    return self.browse()
                _logger.info(
                    "Telephony blocking: contracts %s changed elsewhere during "
                    "the daily run; evaluated again",
                    self.ids,
                )
                self.env["ir.cron"]._telephony_commit()
        return self.browse()

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

    # Hooks ----------------------------------------------------------------
    def _owned_fields(self):
        return super()._owned_fields() + [STATUS_OWNED]

    def write(self, vals):
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
