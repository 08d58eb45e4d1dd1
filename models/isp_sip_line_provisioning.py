# Copyright 2026 isp_telephony authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""A SIP line on its platform: the spec sent, the provisioning jobs, the
results.
"""

from odoo import Command, api, fields, models
from odoo.exceptions import UserError

from ..gateways import base as gateway_base
from ..gateways.base import DidSpec, LineSpec
from .isp_sip_line import LINE_STATES, LIVE_STATES, SPEC_FIELDS

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
# Seconds between an activation and the re-match of unmatched calls, so that
# one re-match serves a burst of activations.
REMATCH_DELAY = 10
# A job that finds another operation of its line running tries again after
# this many seconds (without counting an attempt).
BUSY_RETRY_SECONDS = 5


class IspSipLineProvisioning(models.Model):
    _inherit = "isp.sip.line"

    job_ids = fields.One2many(
        "queue.job",
        "telephony_sip_line_id",
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

    def _compute_provisioning_jobs(self):
        jobs = self._waiting_jobs().sorted("id")
        for line in self:
            mine = jobs.filtered(
                lambda j, lid=line.id: (
                    j.telephony_sip_line_id.id == lid
                    or lid in j.telephony_sip_line_ids.ids
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
            category=line.category_id.code or "",
            plan=line.platform_plan_id.code or "",
            licence=line.licence_id.code or "",
            cost_center=line.cost_center_id.code or "Default",
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
        ctx = {"telephony_provisioning_batch_id": batch.id if batch else False}
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
        ctx = {"telephony_provisioning_batch_id": batch.id if batch else False}
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
            "telephony_provisioning_batch_id",
        )

    def _job_store_values(self, job):
        """Link the stored job to its line (and batch)."""
        vals = super()._job_store_values(job)
        if job.method_name in PROVISIONING_METHODS.values():
            vals["telephony_sip_line_id"] = self[:1].id
        if job.method_name == "_provision_activate_chunk":
            vals["telephony_sip_line_ids"] = [Command.set(self.ids)]
        if "telephony_sip_line_id" in vals or "telephony_sip_line_ids" in vals:
            vals["telephony_provisioning_batch_id"] = (
                self.env.context.get("telephony_provisioning_batch_id") or False
            )
        return vals

    def _waiting_jobs(self, operations=None, states=WAITING_JOB_STATES):
        """The lines' queue jobs in ``states`` (sudo: queue.job is technical)."""
        ids = [line_id for line_id in self.ids if isinstance(line_id, int)]
        domain = [
            "|",
            ("telephony_sip_line_id", "in", ids),
            ("telephony_sip_line_ids", "in", ids),
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
        jobs = self._waiting_jobs(operations, states=states).filtered(
            "telephony_sip_line_id"
        )
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
            job = failed.filtered(
                lambda j, lid=line.id: j.telephony_sip_line_id.id == lid
            )
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
                        and r
                        not in running.telephony_sip_line_id
                        | running.telephony_sip_line_ids
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
            ("telephony_sip_line_id", "=", self.id),
            ("telephony_sip_line_ids", "in", self.id),
        ]
        action["context"] = {}
        return action
