# Copyright 2026 isp_telephony authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Running the month close: the monthly cron, chunks of contracts closed as
queue jobs or in this process, one contract's failure isolated.
"""

import logging

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError

from odoo.addons.queue_job.exception import RetryableJobError

from ..tools import billing
from .isp_telephony_billing import CloseBusyError

_logger = logging.getLogger(__name__)


# Contracts closed per chunk: by the scheduled run and by a close of a whole
# company, each chunk is one queue job (_close_month takes any chunk). The
# system parameter isp_telephony.close_chunk_contracts overrides it.
CRON_CHUNK_CONTRACTS = 500


# The channel of the close's jobs (its capacity: the root's, the workers').
CLOSE_CHANNEL = "root.telephony_close"
# A chunk job that finds its contracts being closed waits this long.
CLOSE_BUSY_RETRY_SECONDS = 30


class IspTelephonyBillingJobs(models.AbstractModel):
    _inherit = "isp.telephony.billing"

    @api.model
    def _cron_monthly_billing(self, commit=False):
        """Close the current month from the 26th on (every due day, 1-25,
        has passed: each cycle of the month is closed), else the previous one:
        one queue job per chunk of each company's contracts (see
        _enqueue_close). ``commit`` is kept for callers of the old signature."""
        today = fields.Date.context_today(self)
        month = billing.month_start(today)
        if today.day < 26:
            month = billing.previous_month(today)
        # Every company with a line on a plan (archived lines included).
        Line = self.env["isp.sip.line"].sudo().with_context(active_test=False)
        groups = Line._read_group([("billing_plan_id", "!=", False)], ["company_id"])
        jobs = []
        for company in self.env["res.company"].browse([c.id for [c] in groups]):
            jobs += self.with_company(company)._enqueue_close(month, company)
        return jobs

    @api.model
    def _close_chunk_size(self):
        value = (
            self.env["ir.config_parameter"]
            .sudo()
            .get_param("isp_telephony.close_chunk_contracts")
        )
        try:
            return max(1, int(value)) if value else CRON_CHUNK_CONTRACTS
        except ValueError:
            return CRON_CHUNK_CONTRACTS

    @api.model
    def _close_chunks(self, company, contract_ids=None):
        """``company``'s contracts with a telephony plan (among
        ``contract_ids`` when given), in chunks of _close_chunk_size()."""
        domain = [
            ("billing_plan_id", "!=", False),
            ("contract_id", "!=", False),
            ("company_id", "=", company.id),
        ]
        if contract_ids is not None:
            domain.append(("contract_id", "in", list(contract_ids)))
        # Grouped by contract in id order (no order given: the column's).
        Line = self.env["isp.sip.line"].sudo().with_context(active_test=False)
        ids = [contract.id for [contract] in Line._read_group(domain, ["contract_id"])]
        size = self._close_chunk_size()
        return [ids[start : start + size] for start in range(0, len(ids), size)]

    @api.model
    def _close_identity_key(self, month, company, chunk):
        """One waiting job per (company, month, chunk of contracts)."""
        return (
            f"isp.telephony.billing.close({company.id},{month.isoformat()},"
            f"{chunk[0]}-{chunk[-1]}:{len(chunk)})"
        )

    @api.model
    def _enqueue_close(self, month, company, contract_ids=None):
        """Queue the close of ``month`` for ``company``: one job per chunk of
        contracts, stored in this transaction and run after it commits, by
        any worker of any machine (channel root.telephony_close). A chunk
        already waiting keeps its job (identity key); a chunk that fails
        fails alone and is requeued alone (Jobs, or the close's form).
        Returns the jobs."""
        month = billing.month_start(month)
        jobs = []
        for chunk in self._close_chunks(company, contract_ids):
            delayable = self.with_company(company).with_delay(
                channel=CLOSE_CHANNEL,
                identity_key=self._close_identity_key(month, company, chunk),
                description=self.env._(
                    "Close telephony month %(month)s of %(company)s: "
                    "%(count)s contracts (%(first)s to %(last)s)",
                    month=month.strftime("%m/%Y"),
                    company=company.name,
                    count=len(chunk),
                    first=chunk[0],
                    last=chunk[-1],
                ),
            )
            jobs.append(delayable._job_close_chunk(month, chunk, company.id))
        return jobs

    def _job_store_values(self, job):
        """A close job records its month (the close's form and the Jobs
        list find the month's jobs by it)."""
        vals = super()._job_store_values(job)
        if job.method_name == "_job_close_chunk" and job.args:
            vals["telephony_billing_month"] = job.args[0]
        return vals

    @api.model
    def _job_close_chunk(self, month, contract_ids, company_id):
        """Queue job: close ``month`` for one chunk of contracts of a
        company. Other chunks of the company run at the same time; a close
        already working on these contracts makes it wait (not an attempt);
        any other error fails this chunk alone, rolled back."""
        company = self.env["res.company"].browse(company_id).exists()
        if not company:
            return self.env._("Nothing to do: the company no longer exists.")
        service = self.with_company(company).with_context(
            isp_close_chunk=list(contract_ids)
        )
        try:
            result = service._close_chunk(month, contract_ids, company)
        except CloseBusyError as error:
            raise RetryableJobError(
                error.args[0], seconds=CLOSE_BUSY_RETRY_SECONDS, ignore_retry=True
            ) from error
        return self.env._(
            "%(charges)s charges, %(cdrs)s calls charged, %(invoices)s separate "
            "invoices, %(skipped)s contracts skipped, %(failed)s contracts "
            "failed (the reason is on each contract).",
            charges=len(result["charges"]),
            cdrs=result["cdrs"],
            invoices=len(result["invoices"]),
            skipped=len(result["skipped"]),
            failed=len(result["failed"]),
        )

    @api.model
    def _close_chunk(self, month, chunk, company):
        """Close ``month`` for one chunk of contracts (the unit a close job
        runs), one contract's failure isolated (:meth:`_close_isolated`,
        recorded on the contract); the contracts skipped are logged with
        their reason."""
        result = self._close_isolated(month, chunk, company)
        for contract_id, reason in result["skipped"].items():
            _logger.warning(
                "telephony close %s: contract %s skipped: %s",
                month,
                contract_id,
                reason,
            )
        return result

    @api.model
    def _billable_contract_ids(self, company):
        """Ids of ``company``'s contracts with a line on a billing plan."""
        return [cid for chunk in self._close_chunks(company) for cid in chunk]

    @api.model
    def _close_isolated(self, billing_month, contract_ids, company, separate=True):
        """Close these contracts as :meth:`_close_month` does, one contract's
        failure isolated: the whole set is closed set-based inside a
        savepoint; only when that fails is it split in halves, each closed
        in its own savepoint, down to the single contracts that fail. Those
        are recorded on their contracts (and returned in ``failed``:
        {contract_id: reason}); the others are closed. A close that another
        one is running for the company is refused as a whole."""
        month = billing.month_start(billing_month)
        self.env.flush_all()
        # Taken once for the transaction, outside the savepoints: a refused
        # lock refuses the run, it is no contract's failure.
        self._lock_close({company.id})
        result = {
            "charges": self.env["isp.telephony.charge"],
            "skipped": {},
            "failed": {},
            "cdrs": 0,
            "invoices": self.env["account.move"],
            "timings": {},
        }
        self._close_part(month, list(contract_ids), company, separate, result)
        self.env["contract.contract"]._record_billing_errors(
            {**result["skipped"], **result["failed"]}, billed=contract_ids
        )
        return result

    def _close_part(self, month, contract_ids, company, separate, result):
        """Close ``contract_ids`` in a savepoint, or bisect (see
        :meth:`_close_isolated`); the outcome is added to ``result``."""
        if not contract_ids:
            return
        try:
            with self.env.cr.savepoint():
                part = self._close_month(month, contract_ids, company, separate)
        except Exception as error:  # pylint: disable=broad-except
            self.env.invalidate_all()
            if len(contract_ids) > 1:
                middle = len(contract_ids) // 2
                self._close_part(
                    month, contract_ids[:middle], company, separate, result
                )
                self._close_part(
                    month, contract_ids[middle:], company, separate, result
                )
                return
            _logger.exception(
                "telephony close %s: contract %s failed", month, contract_ids[0]
            )
            result["failed"][contract_ids[0]] = self._failure_reason(error)
            return
        result["charges"] |= part["charges"]
        result["invoices"] |= part["invoices"]
        result["skipped"].update(part["skipped"])
        result["cdrs"] += part["cdrs"]
        for phase, seconds in part["timings"].items():
            result["timings"][phase] = round(
                result["timings"].get(phase, 0) + seconds, 2
            )

    def _failure_reason(self, error):
        """The words a finance user reads for a contract the close failed:
        the message of a user error, else the kind of error (details in the
        server log)."""
        if isinstance(error, (UserError, ValidationError, AccessError)):
            return error.args[0] if error.args else str(error)
        return self.env._(
            "Unexpected error while closing the month (%s): see the server log.",
            type(error).__name__,
        )

    @api.model
    def _close_in_chunks(self, month, company, commit=False):
        """Close ``company``'s month a chunk of contracts at a time in this
        process (the jobs of _enqueue_close do the same, a job per chunk),
        committing after each chunk with ``commit``: a run over thousands of
        contracts never holds one long transaction. Each chunk is closed by
        :meth:`_close_isolated`: a contract that fails is recorded on it, the
        other contracts of the chunk are closed; a chunk that fails as a
        whole (the lock) is rolled back and logged, the others go on; running
        it again closes the rest (a charged call is never charged twice)."""
        totals = {
            "charges": 0,
            "cdrs": 0,
            "skipped": 0,
            "invoices": 0,
            "failed": 0,
            "failed_contracts": {},
            "timings": {},
        }
        for chunk in self._close_chunks(company):
            try:
                result = self._close_chunk(month, chunk, company)
            except Exception:
                if not commit:
                    raise
                self.env.cr.rollback()
                self.env.invalidate_all()
                totals["failed"] += len(chunk)
                _logger.exception(
                    "telephony close %s: contracts %s to %s failed",
                    month,
                    chunk[0],
                    chunk[-1],
                )
                continue
            for phase, seconds in result["timings"].items():
                totals["timings"][phase] = round(
                    totals["timings"].get(phase, 0) + seconds, 2
                )
            totals["charges"] += len(result["charges"])
            totals["cdrs"] += result["cdrs"]
            totals["invoices"] += len(result["invoices"])
            totals["skipped"] += len(result["skipped"])
            totals["failed"] += len(result["failed"])
            totals["failed_contracts"].update(result["failed"])
            if commit:
                self.env["ir.cron"]._telephony_commit()
            self.env.invalidate_all()
        return totals
