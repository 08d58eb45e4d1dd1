# Copyright 2026 isp_telephony authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import logging
import traceback
from datetime import timedelta

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import split_every

from ..gateways.base import GatewayError

_logger = logging.getLogger(__name__)

OPERATIONS = [("activate", "Activate"), ("update", "Update"), ("cancel", "Cancel")]
JOB_STATES = [
    ("pending", "Pending"),
    ("running", "Running"),
    ("done", "Done"),
    ("failed", "Failed"),
    ("cancelled", "Cancelled"),
]
# Attempts of a job whose failures are transient (timeout, 5xx), when the
# system parameter isp_telephony.provisioning_max_attempts is not set. Each
# attempt already includes the gateway's own quick retries.
DEFAULT_MAX_ATTEMPTS = 5
# First wait before a job is tried again, doubled each attempt (1, 2, 4... min).
RETRY_DELAY = timedelta(minutes=1)
# Jobs prepared together, called one after the other, then stored together:
# one transaction for the reads and one for the results of CHUNK calls.
CHUNK = 25
# Jobs claimed by one cron run; the cron reschedules itself until none is due.
CRON_BATCH = 200
# A job left Running this long was lost with its worker: it is run again (the
# idempotency key makes that safe).
STALE_AFTER = timedelta(minutes=15)


class IspProvisioningJob(models.Model):
    """One platform operation on one SIP line: a small, retryable unit of
    work whose state, attempts and error stay visible on the record.

    The cron claims due jobs, commits, and runs each job as: read what to send
    (short transaction, committed), call the platform (no transaction open),
    write the result (committed). A few jobs started from a button run the
    same steps within the user's request instead."""

    _name = "isp.provisioning.job"
    _description = "Provisioning Job"
    _order = "id desc"
    _rec_names_search = ["line_id"]

    line_id = fields.Many2one(
        "isp.sip.line",
        string="SIP Line",
        required=True,
        readonly=True,
        ondelete="cascade",
        index=True,
    )
    contract_id = fields.Many2one(related="line_id.contract_id", store=True)
    integration_id = fields.Many2one(related="line_id.integration_id", store=True)
    company_id = fields.Many2one(related="line_id.company_id", store=True, index=True)
    batch_id = fields.Many2one(
        "isp.provisioning.batch", readonly=True, index=True, ondelete="set null"
    )
    operation = fields.Selection(OPERATIONS, required=True, readonly=True)
    changed_fields = fields.Char(
        readonly=True, help="Platform fields an update sends, comma-separated."
    )
    state = fields.Selection(
        JOB_STATES, required=True, default="pending", readonly=True, index=True
    )
    attempts = fields.Integer(readonly=True)
    max_attempts = fields.Integer(
        readonly=True,
        default=lambda self: self._default_max_attempts(),
        help="Attempts before a transient failure (timeout, 5xx) becomes an error.",
    )
    next_try = fields.Datetime(readonly=True, index=True, default=fields.Datetime.now)
    started_at = fields.Datetime(readonly=True)
    done_at = fields.Datetime(readonly=True)
    error = fields.Text(readonly=True, help="Last failure, as the platform gave it.")

    @api.model
    def _default_max_attempts(self):
        value = (
            self.env["ir.config_parameter"]
            .sudo()
            .get_param("isp_telephony.provisioning_max_attempts")
        )
        try:
            return max(1, int(value)) if value else DEFAULT_MAX_ATTEMPTS
        except ValueError:
            return DEFAULT_MAX_ATTEMPTS

    def _compute_display_name(self):
        labels = dict(OPERATIONS)
        for job in self:
            job.display_name = f"{labels[job.operation]} {job.line_id.display_name}"

    # Enqueueing -----------------------------------------------------------
    @api.model
    def _enqueue(self, lines, operation, batch=None):
        """One job per line (set-based create)."""
        if not lines:
            return self
        batch_id = batch.id if batch else False
        return self.sudo().create(
            [
                {"line_id": line.id, "operation": operation, "batch_id": batch_id}
                for line in lines
            ]
        )

    @api.model
    def _enqueue_updates(self, changes, batch=None):
        """Queue updates {line id: set of LineSpec names}, merged into a
        pending update of the same line and into failed updates it
        supersedes."""
        Job = self.sudo()
        open_jobs = Job.search(
            [
                ("line_id", "in", list(changes)),
                ("operation", "=", "update"),
                ("state", "in", ("pending", "failed")),
            ]
        )
        jobs = Job
        vals_list = []
        for line_id, changed in changes.items():
            changed = set(changed)
            mine = open_jobs.filtered(lambda j, lid=line_id: j.line_id.id == lid)
            for job in mine:
                changed |= job._changed()
            pending = mine.filtered(lambda j: j.state == "pending")[:1]
            (mine - pending).write({"state": "cancelled"})
            if pending:
                pending.write(
                    {"changed_fields": ",".join(sorted(changed)), "attempts": 0}
                )
                jobs |= pending
            else:
                vals_list.append(
                    {
                        "line_id": line_id,
                        "operation": "update",
                        "changed_fields": ",".join(sorted(changed)),
                        "batch_id": batch.id if batch else False,
                    }
                )
        return jobs | Job.create(vals_list)

    @api.model
    def _cancel_pending(self, lines):
        """Pending activations and updates of lines being cancelled."""
        self.sudo().search(
            [
                ("line_id", "in", lines.ids),
                ("state", "=", "pending"),
                ("operation", "in", ("activate", "update")),
            ]
        ).write({"state": "cancelled"})

    def _changed(self):
        return {name for name in (self.changed_fields or "").split(",") if name}

    def _trigger_cron(self):
        cron = self.env.ref(
            "isp_telephony.cron_process_provisioning_jobs", raise_if_not_found=False
        )
        if cron:
            cron.sudo()._trigger(min(self.mapped("next_try") or [None]))

    # Running ----------------------------------------------------------------
    def _process(self, auto_commit=False):
        """Run the jobs, grouped by integration with one gateway (one HTTP
        session) per integration, in chunks: read what to send for the chunk,
        [commit], call the platform for each job, store the results,
        [commit]. With ``auto_commit`` (the cron) no transaction stays open
        while the platform answers; a worker lost between the calls and the
        commit leaves Running jobs that are run again, safely (idempotency
        key, absolute updates, cancel tolerating 404)."""
        jobs = self.sudo().filtered(lambda j: j.state in ("pending", "running"))
        cr = self.env.cr
        for integration in jobs.integration_id:
            group = jobs.filtered(lambda j, i=integration: j.integration_id == i)
            try:
                gateway = integration._get_gateway()
            except (UserError, GatewayError) as exc:
                error = GatewayError(getattr(exc, "message", None) or str(exc))
                for job in group.sorted("id"):
                    job._finish(job._prepare(), error=error)
                if auto_commit:
                    cr.commit()  # pylint: disable=invalid-commit
                continue
            with gateway:
                for ids in split_every(CHUNK, group.sorted("id").ids):
                    chunk = group.browse(ids).filtered(
                        lambda j: j.state in ("pending", "running")
                    )
                    # A job whose request cannot be built fails alone.
                    ready = [(job, job._prepare_safely()) for job in chunk]
                    chunk = group.browse([job.id for job, item in ready if item])
                    prepared = [item for _job, item in ready if item]
                    if auto_commit:
                        # End the transaction before the network calls.
                        cr.commit()  # pylint: disable=invalid-commit
                    outcomes = [self._call(gateway, item) for item in prepared]
                    activated = self.env["isp.sip.line"]
                    for job, item, (result, error) in zip(
                        chunk, prepared, outcomes, strict=True
                    ):
                        done = job._finish_safely(item, result, error)
                        if done and item["operation"] == "activate":
                            activated |= job.line_id
                    try:
                        with cr.savepoint():
                            self._after_activation(activated)
                    except Exception:
                        # Calls are matched again by the next CDR import.
                        _logger.exception("Re-matching calls of new lines failed")
                    if auto_commit:
                        cr.commit()  # pylint: disable=invalid-commit
        return jobs

    @api.model
    def _after_activation(self, lines):
        """Let the CDR engine attach calls to the newly activated lines."""
        lines = lines.filtered(lambda r: r.state == "active")
        Cdr = self.env["isp.cdr"]
        if lines and hasattr(Cdr, "_rematch_lines"):
            Cdr._rematch_lines(lines)

    def _finish_safely(self, prepared, result, error):
        """Store one outcome in a savepoint, so that a failure to store it
        (kept on the job with its traceback) spoils no other job. Returns
        whether the job succeeded."""
        try:
            with self.env.cr.savepoint():
                self._finish(prepared, result, error)
        except Exception as exc:
            _logger.exception("Provisioning job %s: storing the result failed", self.id)
            self._fail_unexpectedly(exc)
            return False
        return self.state == "done"

    def _prepare_safely(self):
        """``_prepare`` in a savepoint; a failure (the line's data cannot be
        sent) fails this job only, with the reason on it and on its line.
        Returns the prepared data, or None."""
        try:
            with self.env.cr.savepoint():
                return self._prepare()
        except Exception as exc:
            _logger.exception("Provisioning job %s: preparing it failed", self.id)
            self._fail_unexpectedly(exc)
            return None

    def _fail_unexpectedly(self, exc):
        self.env.invalidate_all()
        self.write(
            {
                "state": "failed",
                "done_at": fields.Datetime.now(),
                "error": f"{type(exc).__name__}: {exc}\n{traceback.format_exc()}",
            }
        )
        self.line_id.write(
            {"state": "error", "platform_error": f"{type(exc).__name__}: {exc}"}
        )

    def _prepare(self):
        """Read what to send, as plain data (no record crosses the call)."""
        self.ensure_one()
        line = self.line_id
        self.write(
            {
                "state": "running",
                "attempts": self.attempts + 1,
                "started_at": fields.Datetime.now(),
            }
        )
        return {
            "operation": self.operation,
            "spec": line._platform_spec(),
            "terminal": line.terminal or "",
            "changed": self._changed(),
        }

    @staticmethod
    def _call(gateway, prepared):
        """The platform call itself: no database access here."""
        operation = prepared["operation"]
        spec = prepared["spec"]
        try:
            if operation == "activate":
                return gateway.activate_line(spec), None
            if operation == "update":
                if not prepared["terminal"]:
                    return None, None  # nothing on the platform to update yet
                return gateway.update_line(
                    prepared["terminal"], spec, prepared["changed"]
                ), None
            terminal = prepared["terminal"]
            if not terminal:
                found = gateway.find_line(spec.key)
                terminal = found.terminal if found else ""
            if terminal:
                gateway.cancel_line(terminal)
            return None, None
        except GatewayError as exc:
            return None, exc
        except Exception as exc:
            _logger.exception("Provisioning %s failed unexpectedly", operation)
            error = GatewayError(f"Unexpected error: {type(exc).__name__}: {exc}")
            error.details = traceback.format_exc(limit=5)
            return None, error

    def _finish(self, prepared, result=None, error=None):
        self.ensure_one()
        line = self.line_id
        now = fields.Datetime.now()
        if line.state == "cancelled" and prepared["operation"] != "cancel":
            # The line was cancelled meanwhile: this outcome no longer matters.
            self.write({"state": "cancelled", "done_at": now, "error": False})
            return
        if error is None:
            operation = prepared["operation"]
            if operation == "activate":
                line._on_activated(result, prepared["spec"])
            elif operation == "update":
                if prepared["terminal"]:
                    line._on_updated(result, prepared["spec"], prepared["changed"])
            else:
                line._mark_cancelled()
                self._cancel_pending(line)
            self.write({"state": "done", "done_at": now, "error": False})
            return
        message = error.message
        if error.retryable and self.attempts < self.max_attempts:
            next_try = now + RETRY_DELAY * (2 ** (self.attempts - 1))
            self.write({"state": "pending", "next_try": next_try, "error": message})
            line._on_platform_failure(self.operation, message, next_try=next_try)
            self._trigger_cron()
            return
        details = getattr(error, "details", "")
        self.write(
            {
                "state": "failed",
                "done_at": now,
                "error": f"{message}\n{details}" if details else message,
            }
        )
        line._on_platform_failure(self.operation, message)

    @api.model
    def _cron_process_jobs(self, limit=CRON_BATCH, auto_commit=True):
        """Claim due jobs, commit, run them (committing per job), report
        progress so that the cron runs again at once while jobs are due.
        ``auto_commit=False`` runs the same steps in the caller's transaction
        (tests, whose cursor cannot commit)."""
        cr = self.env.cr
        self.env.flush_all()
        now = fields.Datetime.now()
        cr.execute(
            """UPDATE isp_provisioning_job SET state = 'pending'
                WHERE state = 'running' AND started_at < %s""",
            (now - STALE_AFTER,),
        )
        cr.execute(
            """UPDATE isp_provisioning_job SET state = 'running'
                WHERE id IN (
                    SELECT id FROM isp_provisioning_job
                     WHERE state = 'pending' AND next_try <= %s
                     ORDER BY next_try, id
                     LIMIT %s
                     FOR UPDATE SKIP LOCKED)
            RETURNING id""",
            (now, limit),
        )
        ids = sorted(row[0] for row in cr.fetchall())
        if auto_commit:
            cr.commit()  # pylint: disable=invalid-commit
        self.invalidate_model(["state", "started_at"])
        jobs = self.browse(ids)
        jobs._process(auto_commit=auto_commit)
        cr.execute(
            """SELECT count(*) FROM isp_provisioning_job
                WHERE state = 'pending' AND next_try <= %s""",
            (fields.Datetime.now(),),
        )
        remaining = cr.fetchone()[0]
        self.env["ir.cron"]._notify_progress(done=len(ids), remaining=remaining)
        if not remaining:
            cr.execute(
                "SELECT min(next_try) FROM isp_provisioning_job WHERE state = 'pending'"
            )
            later = cr.fetchone()[0]
            if later:
                self.browse()._trigger_cron_at(later)
        return len(ids)

    def _trigger_cron_at(self, when):
        cron = self.env.ref(
            "isp_telephony.cron_process_provisioning_jobs", raise_if_not_found=False
        )
        if cron:
            cron.sudo()._trigger(when)

    # Actions ------------------------------------------------------------
    def action_retry(self):
        """Run failed jobs again (in the background)."""
        self.check_access("write")
        jobs = self.filtered(lambda j: j.state == "failed")
        jobs.write(
            {"state": "pending", "attempts": 0, "next_try": fields.Datetime.now()}
        )
        for job in jobs.filtered(lambda j: j.operation == "activate"):
            job.line_id.sudo().state = "provisioning"
        jobs._trigger_cron()
        return True

    def action_cancel(self):
        self.check_access("write")
        self.filtered(lambda j: j.state in ("pending", "failed")).write(
            {"state": "cancelled"}
        )
        return True
