# Copyright 2026 isp_telephony authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""CDR import run: a file, an upload or an API window read into calls; the
run record, its entry points and its outcome. The writer is
isp_cdr_import_writer.py, the demo calls isp_cdr_import_demo.py."""

import functools
import logging
import os
import time

import psycopg2

from odoo import api, fields, models
from odoo.exceptions import UserError

from ..tools import cdr as cdr_core
from ..tools import cdr_folder, locks

_logger = logging.getLogger(__name__)

# The lock of an integration's API window (tools/locks.py), under the name
# the integration's CDR scheduling imports.

STATES = [
    ("running", "Running"),
    ("done", "Done"),
    ("skipped", "Skipped"),
    ("failed", "Failed"),
]
SOURCES = [
    ("file", "File in CDR directory"),
    ("api", "Platform API"),
    ("upload", "Uploaded file"),
    ("demo", "Demo data"),
]


class IspCdrImport(models.Model):
    """One import run: a CDR file, an uploaded file or an API window, with
    what came of it. Nothing is lost (every unreadable row is kept as a
    rejection) and nothing is imported twice (same checksum: skipped; same
    call id: a duplicate)."""

    _name = "isp.cdr.import"
    _description = "CDR Import Run"
    _order = "id desc"

    name = fields.Char(required=True, readonly=True)
    integration_id = fields.Many2one(
        "isp.telephony.integration",
        required=True,
        readonly=True,
        index=True,
        ondelete="cascade",
    )
    company_id = fields.Many2one(
        related="integration_id.company_id", store=True, index=True
    )
    source = fields.Selection(SOURCES, required=True, readonly=True)
    layout_id = fields.Many2one("isp.cdr.layout", readonly=True)
    file_name = fields.Char(readonly=True)
    file_path = fields.Char(
        readonly=True, help="Where the file was read (files from the directory)."
    )
    checksum = fields.Char(
        readonly=True,
        index=True,
        help="SHA-256 of the file: a file with the checksum of a done run is skipped.",
    )
    window_start = fields.Datetime(
        readonly=True, help="Start of the API window asked for (UTC)."
    )
    window_end = fields.Datetime(readonly=True, help="End of the API window (UTC).")
    state = fields.Selection(
        STATES, required=True, default="running", readonly=True, index=True
    )
    message = fields.Text(
        readonly=True, help="Why the run failed or was skipped, or a summary."
    )
    count_read = fields.Integer(
        string="Read", readonly=True, help="Rows or API records read."
    )
    count_imported = fields.Integer(
        string="Imported", readonly=True, help="New calls written."
    )
    count_duplicate = fields.Integer(
        string="Duplicates",
        readonly=True,
        help="Calls already imported before (same call id): not written again.",
    )
    count_rejected = fields.Integer(
        string="Rejected", readonly=True, help="Rows that could not be read."
    )
    count_unmatched = fields.Integer(
        string="Unmatched",
        readonly=True,
        help="New calls that match no SIP line (kept, listed as Unmatched).",
    )
    start_time = fields.Datetime(readonly=True, default=fields.Datetime.now)
    end_time = fields.Datetime(readonly=True)
    duration = fields.Float(string="Seconds", readonly=True, digits=(16, 2))
    rows_per_second = fields.Integer(readonly=True)
    user_id = fields.Many2one(
        "res.users",
        string="Imported By",
        readonly=True,
        default=lambda self: self.env.user,
    )
    rejection_ids = fields.One2many(
        "isp.cdr.rejection", "import_id", string="Rejections", readonly=True
    )
    cdr_count = fields.Integer(string="Calls", compute="_compute_cdr_count")

    def init(self):
        # The database guarantees a file is imported once per integration.
        self.env.cr.execute(
            """CREATE UNIQUE INDEX IF NOT EXISTS isp_cdr_import_checksum_done_uniq
                   ON isp_cdr_import (integration_id, checksum)
                WHERE state = 'done' AND checksum IS NOT NULL"""
        )

    def _compute_cdr_count(self):
        counts = dict(
            self.env["isp.cdr"]._read_group(
                [("import_id", "in", self.ids)], ["import_id"], ["__count"]
            )
        )
        for run in self:
            run.cdr_count = counts.get(run, 0)

    def action_view_cdrs(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "isp_telephony.action_isp_cdr"
        )
        action["domain"] = [("import_id", "=", self.id)]
        action["context"] = {}
        return action

    def action_view_rejections(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "isp_telephony.action_isp_cdr_rejection"
        )
        action["domain"] = [("import_id", "=", self.id)]
        return action

    # Entry points -------------------------------------------------------------
    @api.model
    def _import_file(self, integration, layout, path):
        """Import one file of the integration's CDR directory: ``path`` is
        the entry in the folder (tools/cdr_folder.py), opened without
        following a link; a link or any entry that is not a regular file is
        refused and recorded, never read.

        Returns the run, or an empty recordset when another worker holds the
        file (its lock, released at that worker's commit) or the file is
        gone.
        Once this transaction commits, the entry is deleted or archived
        (imported or skipped runs only; a failed file stays where it was).
        """
        if not locks.try_lock(self.env.cr, locks.CDR_FILE, f"{integration.id}:{path}"):
            _logger.info("CDR file %s is being imported by another worker", path)
            return self.browse()
        try:
            stream = cdr_folder.open_entry(path)
        except FileNotFoundError:
            return self.browse()  # taken and archived by another worker
        except cdr_folder.CdrFolderError as error:
            return self._record_refused_entry(integration, path, error.code)
        with stream:
            run = self._import_stream(
                integration,
                layout,
                stream,
                source="file",
                file_name=os.path.basename(path),
                file_path=path,
            )
        if run.state in ("done", "skipped"):
            self.env.cr.postcommit.add(
                functools.partial(
                    _dispose_file, path, integration.cdr_delete_after_import
                )
            )
        return run

    @api.model
    def _record_refused_entry(self, integration, path, reason):
        """A folder entry that is not read (a link, a device, a pipe, a
        hard-linked file): a failed run says so, once per entry and reason."""
        reasons = {
            cdr_folder.SYMLINK: self.env._(
                "Not read: %s is a symbolic link. Only regular files of the CDR "
                "directory are imported; links are neither read, moved nor "
                "deleted.",
                os.path.basename(path),
            ),
            cdr_folder.HARD_LINK: self.env._(
                "Not read: %s has other hard links on the server. Only regular "
                "files with a single name are imported.",
                os.path.basename(path),
            ),
        }
        message = reasons.get(reason) or self.env._(
            "Not read: %s is not a regular file (a device, a pipe or a socket).",
            os.path.basename(path),
        )
        known = self.search(
            [
                ("integration_id", "=", integration.id),
                ("file_path", "=", path),
                ("state", "=", "failed"),
                ("message", "=", message),
            ],
            limit=1,
        )
        if known:
            return known
        _logger.warning(
            "CDR directory of integration %s: %s skipped (%s)",
            integration.id,
            path,
            reason,
        )
        return self.create(
            {
                "name": os.path.basename(path),
                "integration_id": integration.id,
                "source": "file",
                "file_name": os.path.basename(path),
                "file_path": path,
                "state": "failed",
                "message": message,
                "end_time": fields.Datetime.now(),
            }
        )

    @api.model
    def _import_upload(self, integration, layout, stream, file_name):
        """Import an uploaded file (binary stream)."""
        digest = cdr_core.checksum(stream)
        stream.seek(0)
        if not locks.try_lock(
            self.env.cr, locks.CDR_UPLOAD, f"{integration.id}:{digest}"
        ):
            raise UserError(
                self.env._("This file is being imported right now by someone else.")
            )
        return self._import_stream(
            integration,
            layout,
            stream,
            source="upload",
            file_name=file_name,
            digest=digest,
        )

    @api.model
    def _import_stream(
        self,
        integration,
        layout,
        stream,
        source,
        file_name,
        file_path=None,
        digest=None,
    ):
        if digest is None:
            digest = cdr_core.checksum(stream)
            stream.seek(0)
        vals = {
            "name": file_name,
            "integration_id": integration.id,
            "source": source,
            "layout_id": layout.id,
            "file_name": file_name,
            "file_path": file_path,
            "checksum": digest,
        }
        previous = self.search(
            [
                ("integration_id", "=", integration.id),
                ("checksum", "=", digest),
                ("state", "=", "done"),
            ],
            limit=1,
        )
        if previous:
            vals.update(
                state="skipped",
                end_time=fields.Datetime.now(),
                message=self.env._(
                    "Already imported by run %(run)s on %(date)s (same checksum).",
                    run=previous.id,
                    date=previous.end_time or previous.start_time,
                ),
            )
            return self.create(vals)
        run = self.create(vals)
        try:
            parser_layout = layout._get_layout(integration)
        except UserError as error:
            run._fail(error.args[0])
            return run
        return run._execute(cdr_core.iter_file(stream, parser_layout))

    # The run ------------------------------------------------------------------
    def _fail(self, reason):
        self.write(
            {
                "state": "failed",
                "message": reason,
                "end_time": fields.Datetime.now(),
            }
        )

    def _execute(self, source):
        """Write ``source`` (CdrRecord | Rejection items) for this run, in one
        savepoint: a file-level error or a crash leaves nothing of it."""
        self.ensure_one()
        started = time.perf_counter()
        try:
            with self.env.cr.savepoint():
                counts = self._write_source(source)
                seconds = time.perf_counter() - started
                counts.update(
                    state="done",
                    end_time=fields.Datetime.now(),
                    duration=seconds,
                    rows_per_second=int(counts["count_read"] / seconds)
                    if seconds
                    else 0,
                )
                self.write(counts)
                self.flush_recordset()
        except cdr_core.CdrFileError as error:
            self._fail(self.env._("The file was not imported: %s", error.reason))
        except (
            psycopg2.errors.UniqueViolation,
            psycopg2.errors.SerializationFailure,
        ) as error:
            # Two imports holding the same calls committed at once (e.g.
            # the same calls in two files): this one keeps nothing, and the
            # next run finds the other's calls and skips them.
            _logger.warning("CDR import run %s: concurrent import: %s", self.id, error)
            self._fail(
                self.env._(
                    "Another import wrote some of these calls at the same time; "
                    "nothing of this one was kept. Import it again: the calls "
                    "already imported will count as duplicates."
                )
            )
        except Exception as error:
            _logger.exception("CDR import run %s failed", self.id)
            self._fail(
                self.env._(
                    "The import failed (nothing of it was kept): %(kind)s: %(error)s",
                    kind=type(error).__name__,
                    error=error,
                )
            )
        return self


def _dispose_file(path, delete):
    """After commit: delete the imported entry or move it to ``imported/``
    (the entry only, never a link's target)."""
    try:
        cdr_folder.dispose(path, delete)
    except FileNotFoundError:
        _logger.info("CDR file %s was already archived by another worker", path)
    except (OSError, cdr_folder.CdrFolderError):
        _logger.exception("Could not archive/delete the imported CDR file %s", path)
