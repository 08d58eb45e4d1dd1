# Copyright 2026 isp_telephony authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""CDR import run: a file, an upload or an API window read into calls."""

import functools
import io
import logging
import os
import random
import time
from datetime import timedelta

import psycopg2

from odoo import api, fields, models
from odoo.exceptions import UserError

from ..tools import cdr as cdr_core
from ..tools import cdr_folder, timezones
from ..tools.cdr_copy import (
    CHUNK_ROWS,
    COPY_COLUMNS,
    NULL,
    ChunkProducer,
    CopyReader,
    text,
)

_logger = logging.getLogger(__name__)

# Rows written per INSERT ... SELECT: large enough to amortise a statement,
# small enough to keep the temporary table in memory.
BATCH_ROWS = 100000
FIRST_BATCH_ROWS = 10000
# First key of the advisory locks taken by CDR imports (second key: a hash
# of the file or of the integration), so they never collide with others.
LOCK_CLASS_FILE = 7401
LOCK_CLASS_API = 7402
LOCK_CLASS_UPLOAD = 7403
# Longest raw text kept on a rejection (a garbled "row" can be megabytes);
# it is readable by telephony managers only (isp.cdr.rejection.raw).
REJECTION_RAW_MAX = 2000

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
    def _try_lock(self, lock_class, key):
        self.env.cr.execute(
            "SELECT pg_try_advisory_xact_lock(%s, hashtext(%s))", (lock_class, key)
        )
        return self.env.cr.fetchone()[0]

    @api.model
    def _import_file(self, integration, layout, path):
        """Import one file of the integration's CDR directory: ``path`` is
        the entry in the folder (tools/cdr_folder.py), opened without
        following a link; a link or any entry that is not a regular file is
        refused and recorded, never read.

        Returns the run, or an empty recordset when another worker holds the
        file (advisory lock, released at its commit) or the file is gone.
        Once this transaction commits, the entry is deleted or archived
        (imported or skipped runs only; a failed file stays where it was).
        """
        if not self._try_lock(LOCK_CLASS_FILE, f"{integration.id}:{path}"):
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
        if not self._try_lock(LOCK_CLASS_UPLOAD, f"{integration.id}:{digest}"):
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

    # Demo ---------------------------------------------------------------------
    @api.model
    def _create_demo_cdrs(self, integration, count=300, seed=4, days=30):
        """Import ``count`` demo calls of the last ``days`` days for the lines that
        exist at install time (else for the integration's numbers in use),
        through the real importer (Asterisk Master.csv, source "demo")."""
        if isinstance(integration, int):
            integration = self.env["isp.telephony.integration"].browse(integration)
        rnd = random.Random(seed)
        lines = self.env["isp.sip.line"].search(
            [("integration_id", "=", integration.id), ("caller_id_e164", "!=", False)]
        )
        own = [e164 for e164 in lines.mapped("caller_id_e164") if e164]
        if not own:
            numbers = self.env["isp.phone.number"].search(
                [("company_id", "=", integration.company_id.id)], limit=5, order="id"
            )
            own = [e164 for e164 in numbers.mapped("e164") if e164]
        if not own:
            return self.browse()
        others = ["11987654321", "01133334444", "02125550000", "08007771234"]
        now = timezones.local_now(integration.timezone).replace(microsecond=0)
        rows = []
        for seq in range(count):
            mine = "0" + rnd.choice(own)[3:]
            other = rnd.choice(others)
            inbound = rnd.random() < 0.3
            src, dst = (other, mine) if inbound else (mine, other)
            start = now - timedelta(seconds=rnd.randint(600, days * 86400))
            status = rnd.choice(["ANSWERED"] * 8 + ["NO ANSWER", "BUSY"])
            talk = rnd.randint(5, 600) if status == "ANSWERED" else 0
            ring = rnd.randint(2, 20)
            answer = start + timedelta(seconds=ring) if talk else None
            end = start + timedelta(seconds=ring + talk)
            context = "from-trunk" if inbound else "from-internal"
            rows.append(
                f'"","{src}","{dst}","{context}","","SIP/demo-{seq:06d}","",'
                f'"Dial","","{start}","{answer or ""}","{end}",{ring + talk},'
                f'{talk},"{status}","DOCUMENTATION","demo.{seq}",""\n'
            )
        layout = self.env.ref("isp_telephony.cdr_layout_asterisk_master_csv")
        data = io.BytesIO("".join(rows).encode())
        return self._import_stream(
            integration, layout, data, source="demo", file_name="demo-Master.csv"
        )

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

    def _insert_columns(self):
        """Extra isp_cdr columns set by the importer: {column: SQL value}.
        Modules adding a required column to isp.cdr extend this."""
        return {}

    def _write_source(self, source):
        """The set-based writer: parsed rows stream from a parsing thread
        into a temporary table by ``COPY``, then ``INSERT ... SELECT ...
        WHERE NOT EXISTS`` joined to the line map, per batch. The ids it
        writes (integration, company, run, line, contract, customer, user)
        were read in this transaction: isp.cdr has no foreign key checks
        (see models/fields.py).
        """
        self.ensure_one()
        cr = self.env.cr
        integration = self.integration_id
        self.env["isp.cdr"]._create_line_map([integration.id])
        cr.execute(
            "SELECT 1 FROM isp_telephony_integration WHERE id = %s FOR KEY SHARE",
            (integration.id,),
        )
        cr.execute("DROP TABLE IF EXISTS isp_cdr_tmp")
        cr.execute(
            """CREATE TEMP TABLE isp_cdr_tmp (
                   call_id varchar, original_call_id varchar, direction varchar,
                   ani varchar, dnis varchar, ani_e164 varchar, dnis_e164 varchar,
                   detect_epoch bigint, connect_epoch bigint,
                   disconnect_epoch bigint, duration integer, billsec integer,
                   disposition varchar, platform_cost numeric,
                   access_fee numeric, platform_rate numeric,
                   route_pattern varchar, route_name varchar,
                   account_code varchar, terminal varchar
               ) ON COMMIT DROP"""
        )
        extra = self._insert_columns()
        # isp_cdr column -> value from the temporary table (times come as
        # Unix seconds, see tools/cdr_copy.py).
        mapping = {name: f"c.{name}" for name in COPY_COLUMNS}
        for name in ("detect", "connect", "disconnect"):
            del mapping[f"{name}_epoch"]
            mapping[f"{name}_time"] = f"to_timestamp(c.{name}_epoch) AT TIME ZONE 'UTC'"
        mapping.update(extra)
        columns = ", ".join(mapping)
        values = ", ".join(mapping.values())
        joins = self.env["isp.cdr"].MATCH_JOINS.format(integration=int(integration.id))
        # One row per call id: DISTINCT ON drops a call repeated in the
        # batch, NOT EXISTS the calls already stored: one probe of the unique
        # index per row (OFFSET 0 keeps it a probe: as an anti-join the
        # planner may hash the integration's whole call table for each
        # batch). Measured per 100,000 rows: 1.8 s new / 0.3 s duplicates,
        # against 2.9 s / 0.8 s with ON CONFLICT's speculative insertion.
        # Only a row whose call id sorts at or below the largest the
        # integration has stored (stored_max) can be stored already: the
        # others skip the probe (a quarter of the insert's time). Platforms
        # number their calls in the order they write them (Asterisk's row
        # ids begin with the call's end time, see tools/cdr.py), so a new
        # file probes next to nothing; the test is exact whatever the order
        # (the column's own collation), and the unique key still guards the
        # insert. Rows go in call id order, so the unique index is filled
        # page by page instead of at random.
        insert = f"""
            WITH ins AS (
                INSERT INTO isp_cdr (
                    integration_id, company_id, import_id, {columns},
                    line_id, contract_id, partner_id, create_uid, create_date,
                    write_uid, write_date)
                SELECT DISTINCT ON (c.call_id)
                       %(integration)s, %(company)s, %(run)s, {values},
                       COALESCE(ma.line_id, mt.line_id, mn.line_id),
                       COALESCE(ma.contract_id, mt.contract_id, mn.contract_id),
                       COALESCE(ma.partner_id, mt.partner_id, mn.partner_id),
                       %(uid)s, %(now)s, %(uid)s, %(now)s
                  FROM isp_cdr_tmp c
                  {joins}
                 WHERE c.call_id > %(stored_max)s OR NOT EXISTS (
                       SELECT 1 FROM isp_cdr x
                        WHERE x.integration_id = %(integration)s
                          AND x.call_id = c.call_id
                       OFFSET 0)
                 ORDER BY c.call_id
                RETURNING line_id
            )
            SELECT count(*), count(*) - count(line_id) FROM ins
        """
        stored_max = """
            SELECT COALESCE(max(call_id), '') FROM isp_cdr
             WHERE integration_id = %(integration)s
        """
        params = {
            "integration": integration.id,
            "company": integration.company_id.id,
            "run": self.id,
            "uid": self.env.uid,
            "now": fields.Datetime.now(),
        }
        copy_sql = f"COPY isp_cdr_tmp ({', '.join(COPY_COLUMNS)}) FROM STDIN"
        # The sort of a batch fits in memory; compiling the plan of each
        # batch (JIT, for its high estimated cost) takes longer than it saves.
        cr.execute("SET LOCAL work_mem = '64MB'")
        cr.execute("SET LOCAL jit = off")
        read = imported = unmatched = rejected = 0
        # The parser may run a whole batch ahead: it parses batch n + 1 while
        # PostgreSQL inserts batch n (about 20 MB of COPY text in the queue).
        ahead = BATCH_ROWS // CHUNK_ROWS + 2
        with ChunkProducer(source, queue_chunks=ahead) as producer:
            # A short first batch: the database starts while Python parses.
            reader = CopyReader(producer, FIRST_BATCH_ROWS)
            while not reader.exhausted:
                reader.next_batch()
                cr.execute("TRUNCATE isp_cdr_tmp")
                cr.copy_expert(copy_sql, reader)
                if reader.error is not None:
                    raise reader.error
                if reader.rows:
                    cr.execute(stored_max, params)
                    params["stored_max"] = cr.fetchone()[0]
                    cr.execute(insert, params, log_exceptions=False)
                    new, lost = cr.fetchone()
                    imported += new
                    unmatched += lost
                if reader.rejections:
                    self._write_rejections(reader.rejections)
                read += reader.rows + len(reader.rejections)
                rejected += len(reader.rejections)
                reader.max_rows = BATCH_ROWS
        cr.execute("DROP TABLE IF EXISTS isp_cdr_tmp")
        cr.execute("DROP TABLE IF EXISTS isp_cdr_line_map")
        self.env["isp.cdr"].invalidate_model()
        return {
            "count_read": read,
            "count_imported": imported,
            "count_duplicate": read - rejected - imported,
            "count_rejected": rejected,
            "count_unmatched": unmatched,
        }

    def _write_rejections(self, rejections):
        self.ensure_one()
        now = str(fields.Datetime.now())
        uid = str(self.env.uid)
        run = str(self.id)
        company = str(self.integration_id.company_id.id)
        lines = "".join(
            "\t".join(
                (
                    run,
                    company,
                    str(item.line_no) if item.line_no else NULL,
                    text(item.raw[:REJECTION_RAW_MAX]),
                    text(item.reason),
                    uid,
                    now,
                    uid,
                    now,
                )
            )
            + "\n"
            for item in rejections
        )
        self.env.cr.copy_expert(
            "COPY isp_cdr_rejection (import_id, company_id, line_no, raw, reason,"
            " create_uid, create_date, write_uid, write_date) FROM STDIN",
            io.StringIO(lines),
        )
        self.env["isp.cdr.rejection"].invalidate_model()


def _dispose_file(path, delete):
    """After commit: delete the imported entry or move it to ``imported/``
    (the entry only, never a link's target)."""
    try:
        cdr_folder.dispose(path, delete)
    except FileNotFoundError:
        _logger.info("CDR file %s was already archived by another worker", path)
    except (OSError, cdr_folder.CdrFolderError):
        _logger.exception("Could not archive/delete the imported CDR file %s", path)
