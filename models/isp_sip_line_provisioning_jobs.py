# Copyright 2026 isp_telephony authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The provisioning jobs of a SIP line: what each job sends to the platform and
how the line takes the answer.
"""

from odoo import fields, models
from odoo.exceptions import UserError

from odoo.addons.queue_job.exception import FailedJobError, RetryableJobError

from ..gateways.base import GatewayError
from ..tools import locks
from .isp_phone_number import release_numbers
from .isp_sip_line_provisioning import (
    BUSY_RETRY_SECONDS,
    CHUNK_RETRY_SECONDS,
    REMATCH_DELAY,
)


class IspSipLineProvisioningJobs(models.Model):
    _inherit = "isp.sip.line"

    # The jobs themselves (run by queue_job's runner, after commit) ----------
    def _provisioning_start(self):
        """Start a job on one line: one platform operation per line at a time
        (the line's platform lock, tools/locks.py); another one running makes
        this job wait a few seconds, without counting an attempt."""
        self.ensure_one()
        if not locks.try_lock(self.env.cr, locks.LINE_PLATFORM, self.id):
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
            [("integration_id", "=", self.integration_id.id), ("code", "=", code)],
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
