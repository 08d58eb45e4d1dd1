# Copyright 2026 isp_telephony authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""CDR import of an integration: scheduling, the folder scan, the API window,
the jobs.
"""

import contextlib
import logging
import os
import time
from datetime import timedelta

from dateutil.relativedelta import relativedelta

from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError

from ..gateways import base as gateway_base
from ..tools import callmyway_cdr, cdr_folder, locks, timezones

_logger = logging.getLogger(__name__)


# CDR files younger than this (seconds since last change) may still be being
# written by the platform: they wait for the next run.
CDR_FILE_SETTLE_SECONDS = 30


class IspTelephonyIntegrationCdr(models.Model):
    _inherit = "isp.telephony.integration"

    # CDR import (issue 4) ----------------------------------------------------
    cdr_layout_id = fields.Many2one(
        "isp.cdr.layout",
        string="CDR File Layout",
        tracking=True,
        help="How the CDR files of this platform are read. Empty: the preset "
        "of the gateway (Summit CSV, Asterisk Master.csv).",
    )

    cdr_filename_pattern = fields.Char(
        string="CDR File Pattern",
        default="*.csv",
        tracking=True,
        help="Shell pattern of the CDR files to pick up in the CDR directory "
        "(e.g. *.csv, cdr_*.txt, Master.csv). Only administrators change it.",
    )

    cdr_next_import = fields.Datetime(
        string="Next CDR Import",
        copy=False,
        help="When the scheduled task imports this platform's calls next; set "
        "from the import period after each run. Empty: at the next run.",
    )

    cdr_last_import = fields.Datetime(
        string="Last CDR Import", readonly=True, copy=False
    )

    cdr_api_watermark = fields.Datetime(
        string="CDR API Watermark",
        copy=False,
        help="CallMyWay: calls were imported up to this time (UTC). The next "
        "run asks from here minus the overlap. Empty: the last 24 hours.",
    )

    cdr_api_overlap = fields.Integer(
        string="CDR API Overlap (min)",
        default=60,
        help="Minutes asked for again before the watermark, for calls the "
        "platform reports late. Calls seen twice are deduplicated.",
    )

    cdr_import_count = fields.Integer(
        string="CDR Imports", compute="_compute_cdr_import_count"
    )

    def _compute_cdr_import_count(self):
        counts = dict(
            self.env["isp.cdr.import"]._read_group(
                [("integration_id", "in", self.ids)], ["integration_id"], ["__count"]
            )
        )
        for record in self:
            record.cdr_import_count = counts.get(record, 0)

    def _cdr_layout(self):
        self.ensure_one()
        if self.cdr_layout_id:
            return self.cdr_layout_id
        cls = gateway_base.GATEWAYS.get(self.gateway)
        xmlid = cls.default_cdr_layout if cls else None
        layout = self.env.ref(xmlid, raise_if_not_found=False) if xmlid else None
        if not layout:
            raise UserError(
                self.env._("Choose a CDR file layout on the integration %s.", self.name)
            )
        return layout

    def _cdr_files(self):
        """Paths of the CDR files waiting in the directory, oldest first."""
        return self._cdr_scan()[0]

    def _cdr_scan(self):
        """``(paths, refused runs)``: the regular files of the directory
        (checked under the CDR root) matching the pattern, oldest first; and
        a failed run for each symbolic link or other entry that is not a
        regular file (not read, recorded once)."""
        self.ensure_one()
        Import = self.env["isp.cdr.import"]
        if not (self.cdr_directory or "").strip():
            return [], Import
        try:
            folder = self._cdr_folder()
            files, skipped = cdr_folder.scan(
                folder,
                self.cdr_filename_pattern,
                time.time() - CDR_FILE_SETTLE_SECONDS,
            )
        except ValidationError as error:
            raise UserError(error.args[0]) from None
        except cdr_folder.CdrFolderError as error:
            raise UserError(self._cdr_folder_message(error)) from None
        refused = Import
        for entry, reason in skipped:
            refused |= Import._record_refused_entry(self, entry.path, reason)
        return [entry.path for entry in files], refused

    def _import_cdr_files(self, commit=False):
        """Import every waiting file; ``commit`` after each one (cron). A file
        that fails (unreadable, unexpected error) becomes a failed run and the
        next file is imported."""
        runs = self.env["isp.cdr.import"]
        for integration in self:
            paths, refused = integration._cdr_scan()
            runs |= refused
            if not paths:
                continue
            layout = integration._cdr_layout()
            for path in paths:
                runs |= integration._import_one_cdr_file(layout, path)
                if commit:
                    self.env["ir.cron"]._telephony_commit()
        return runs

    def _import_one_cdr_file(self, layout, path):
        """Import one file in its own savepoint; on any error nothing of it
        is kept, a failed run says why, and the file stays where it is."""
        self.ensure_one()
        Import = self.env["isp.cdr.import"]
        try:
            with self.env.cr.savepoint():
                return Import._import_file(self, layout, path)
        except Exception as error:
            _logger.warning(
                "CDR import of %s: file %s failed", self.name, path, exc_info=True
            )
            return self._record_cdr_failure(
                "file",
                self.env._(
                    "The file could not be imported (nothing of it was kept; "
                    "it stays in the directory): %(kind)s: %(error)s",
                    kind=type(error).__name__,
                    error=error,
                ),
                file_name=os.path.basename(path),
                file_path=path,
            )

    def _record_cdr_failure(self, source, reason, **vals):
        """A failed import run of this integration, with the reason: shown in
        the import runs like any other run."""
        self.ensure_one()
        name = vals.pop("file_name", None)
        return self.env["isp.cdr.import"].create(
            dict(
                vals,
                name=name or self.env._("%s: scheduled import", self.name),
                file_name=name,
                integration_id=self.id,
                source=source,
                state="failed",
                message=reason,
                end_time=fields.Datetime.now(),
            )
        )

    @staticmethod
    def _failure_reason(error):
        if isinstance(error, UserError):
            return error.args[0]
        return f"{type(error).__name__}: {error}"

    def _import_callmyway_cdrs(self, **client_kwargs):
        """One CallMyWay API window: from the watermark (minus the overlap)
        to now, or the last 24 hours (``recent=1``) the first time. The
        watermark moves only when the run is done."""
        self.ensure_one()
        Import = self.env["isp.cdr.import"]
        if not locks.try_lock(self.env.cr, locks.CDR_API_WINDOW, self.id):
            return Import
        tzname = self.timezone or "UTC"
        now = fields.Datetime.now()
        if self.cdr_api_watermark:
            start = self.cdr_api_watermark - timedelta(
                minutes=self.cdr_api_overlap or 0
            )
            window = {
                "start": timezones.utc_to_local(start, tzname),
                "end": timezones.utc_to_local(now, tzname),
            }
        else:
            start = now - timedelta(hours=24)
            window = {"recent": True}
        run = Import.create(
            {
                "name": self.env._(
                    "%(name)s API %(start)s - %(end)s",
                    name=self.name,
                    start=start,
                    end=now,
                ),
                "integration_id": self.id,
                "source": "api",
                "window_start": start,
                "window_end": now,
            }
        )
        try:
            with self._new_gateway(**client_kwargs) as gateway:
                items = gateway.fetch_cdrs(**window)
        except gateway_base.GatewayError as error:
            run._fail(self.env._("CallMyWay: %s", error.message))
            return run
        country = self._country_code()
        source = (
            callmyway_cdr.from_callmyway(item, tzname, country, self.area_code)
            for item in items
        )
        run._execute(source)
        if run.state == "done":
            self.cdr_api_watermark = now
        return run

    def _import_cdrs(self, commit=False):
        """Every CDR source of these integrations: files, then the API. A
        source that fails (directory missing or unreadable, API error)
        becomes a failed run with the reason; the other sources and the
        other integrations go on."""
        runs = self.env["isp.cdr.import"]
        for integration in self:
            try:
                runs |= integration._import_cdr_files(commit=commit)
            except Exception as error:
                _logger.warning(
                    "CDR import of %s: files failed", integration.name, exc_info=True
                )
                runs |= integration._record_cdr_failure(
                    "file",
                    self.env._(
                        "The CDR directory could not be read: %s",
                        self._failure_reason(error),
                    ),
                )
            if integration._gateway_can(gateway_base.CDR_FETCH):
                try:
                    with self.env.cr.savepoint():
                        runs |= integration._import_callmyway_cdrs()
                except Exception as error:
                    _logger.warning(
                        "CDR import of %s: API failed", integration.name, exc_info=True
                    )
                    runs |= integration._record_cdr_failure(
                        "api",
                        self.env._(
                            "The platform's CDR API failed: %s",
                            self._failure_reason(error),
                        ),
                    )
                if commit:
                    self.env["ir.cron"]._telephony_commit()
            integration.cdr_last_import = fields.Datetime.now()
        return runs

    def action_import_cdrs_now(self):
        """Button: import this platform's calls at once."""
        self.check_access("write")
        runs = self.sudo()._import_cdrs()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "isp_telephony.action_isp_cdr_import"
        )
        action["domain"] = [("id", "in", runs.ids)]
        if not runs:
            return {
                "type": "ir.actions.client",
                "tag": "display_notification",
                "params": {
                    "title": self.env._("Import now"),
                    "message": self.env._("No new CDR file or window to import."),
                    "type": "info",
                },
            }
        return action

    def action_view_cdr_imports(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "isp_telephony.action_isp_cdr_import"
        )
        action["domain"] = [("integration_id", "=", self.id)]
        return action

    def action_rematch_cdrs(self):
        """Button: match this platform's unmatched calls to the lines again."""
        self.check_access("read")
        lines = (
            self.env["isp.sip.line"].sudo().search([("integration_id", "in", self.ids)])
        )
        count = self.env["isp.cdr"].sudo()._rematch_lines(lines)
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "title": self.env._("Re-match"),
                "message": self.env._("%s call(s) matched to a line.", count),
                "type": "success" if count else "info",
            },
        }

    def _next_cdr_import(self, after):
        self.ensure_one()
        if self.cdr_import_period == "monthly":
            return after + relativedelta(months=1)
        return after + relativedelta(days=1)

    @api.model
    def _cron_import_cdrs(self, commit=True):
        """Scheduled task "Import VoIP calls": for each active integration
        whose next import time has come (its import period), queue one import
        job per waiting CDR file and one per API window, on the integration's
        import channel (one import of a source at a time); the jobs do the
        importing. With ``commit``, each integration is committed on its
        own."""
        now = fields.Datetime.now()
        due = self.search(
            [
                "|",
                ("cdr_next_import", "=", False),
                ("cdr_next_import", "<=", now),
            ]
        )
        # Files are committed one by one in production: a failure undoes
        # only the rest of its integration (rollback); in tests, where
        # nothing is committed, a savepoint does the same.
        committing = commit and self.env["ir.cron"]._telephony_can_commit()
        for integration in due:
            try:
                with (
                    contextlib.nullcontext() if committing else self.env.cr.savepoint()
                ):
                    integration._enqueue_cdr_imports()
            except Exception as error:
                if committing:
                    self.env.cr.rollback()
                _logger.exception("CDR import of %s failed", integration.name)
                reason = self._failure_reason(error)
                integration._record_cdr_failure("file", reason)
                integration.message_post(
                    body=self.env._("The scheduled CDR import failed: %s", reason)
                )
            integration.cdr_next_import = integration._next_cdr_import(
                integration.cdr_next_import or now
            )
            while integration.cdr_next_import <= now:
                integration.cdr_next_import = integration._next_cdr_import(
                    integration.cdr_next_import
                )
            if commit:
                self.env["ir.cron"]._telephony_commit()

    # Import jobs (OCA queue_job) -------------------------------------------
    def _enqueue_cdr_imports(self):
        """Queue the integration's CDR imports: one job per waiting file (its
        identity key is the file: queued once however often the cron looks)
        and, for CallMyWay, one job for the next API window. Returns the
        jobs."""
        self.ensure_one()
        channel = self._cdr_import_channel()
        jobs = []
        try:
            paths = self._cdr_files()
        except Exception as error:
            # An unreadable directory is a failed run with the reason; the
            # API window of the integration is queued all the same.
            _logger.warning("CDR import of %s: files failed", self.name, exc_info=True)
            self._record_cdr_failure(
                "file",
                self.env._(
                    "The CDR directory could not be read: %s",
                    self._failure_reason(error),
                ),
            )
            paths = []
        for path in paths:
            delayable = self.with_delay(
                channel=channel,
                identity_key=f"isp.telephony.integration({self.id}).cdr_file:{path}",
                description=self.env._(
                    "Import CDR file %(file)s of %(name)s",
                    file=os.path.basename(path),
                    name=self.name,
                ),
            )
            jobs.append(delayable._job_import_cdr_file(path))
        if self._gateway_can(gateway_base.CDR_FETCH):
            delayable = self.with_delay(
                channel=channel,
                identity_key=f"isp.telephony.integration({self.id}).cdr_api",
                description=self.env._("Import CallMyWay calls of %s", self.name),
            )
            jobs.append(delayable._job_import_cdr_api())
        return jobs

    def _job_import_cdr_file(self, path):
        """Import one CDR file (queue job). A file gone meanwhile (imported
        by hand, moved) is nothing to do."""
        self.ensure_one()
        integration = self.sudo()
        # The folder is checked again when the job runs: its settings (or
        # the CDR root) may have changed since the file was queued; a path
        # no longer in the integration's folder under the root is not read.
        if os.path.realpath(os.path.dirname(path)) != integration._cdr_folder():
            raise UserError(
                self.env._(
                    "The file %(file)s is not in the CDR directory of %(name)s "
                    "any more: it was not read.",
                    file=path,
                    name=integration.name,
                )
            )
        if not os.path.isfile(path):
            return self.env._("Nothing to do: the file is no longer there.")
        # A file that cannot be imported (unreadable, unexpected error) is a
        # failed run with the reason; nothing of it is kept and it stays in
        # the directory, so the next scheduled import queues it again.
        run = integration._import_one_cdr_file(integration._cdr_layout(), path)
        integration.cdr_last_import = fields.Datetime.now()
        return self.env._(
            "%(run)s: %(state)s", run=run.display_name, state=run.state or ""
        )

    def _job_rematch_cdrs(self):
        """Match the integration's unmatched calls to its active lines
        (queue job, queued after activations)."""
        self.ensure_one()
        lines = (
            self.env["isp.sip.line"]
            .sudo()
            .search([("integration_id", "=", self.id), ("state", "=", "active")])
        )
        count = self.env["isp.cdr"].sudo()._rematch_lines(lines) if lines else 0
        return self.env._("%s call(s) matched to a line.", count)

    def _job_import_cdr_api(self):
        """Import the next API window of the platform (queue job)."""
        self.ensure_one()
        integration = self.sudo()
        # A failing API is a failed API run with the reason; the watermark
        # stays, so the next window asks again from the same point.
        try:
            with self.env.cr.savepoint():
                run = integration._import_callmyway_cdrs()
        except Exception as error:
            _logger.warning(
                "CDR import of %s: API failed", integration.name, exc_info=True
            )
            run = integration._record_cdr_failure(
                "api",
                self.env._(
                    "The platform's CDR API failed: %s",
                    self._failure_reason(error),
                ),
            )
        integration.cdr_last_import = fields.Datetime.now()
        return self.env._(
            "%(run)s: %(state)s", run=run.display_name, state=run.state or ""
        )
