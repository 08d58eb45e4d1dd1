# Copyright 2026 isp_telephony authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The CDR import's writer: parsed rows streamed by COPY into a temporary
table and written to isp_cdr by one INSERT ... SELECT per batch (duplicates
and unmatched calls counted), unreadable rows kept as rejections."""

import io

from odoo import fields, models

from ..tools.cdr_copy import (
    CHUNK_ROWS,
    COPY_COLUMNS,
    NULL,
    ChunkProducer,
    CopyReader,
    text,
)

# Rows written per INSERT ... SELECT: large enough to amortise a statement,
# small enough to keep the temporary table in memory.
BATCH_ROWS = 100000
FIRST_BATCH_ROWS = 10000

# Longest raw text kept on a rejection (a garbled "row" can be megabytes);
# it is readable by telephony managers only (isp.cdr.rejection.raw).
REJECTION_RAW_MAX = 2000


class IspCdrImportWriter(models.Model):
    _inherit = "isp.cdr.import"

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
        # ids begin with the call's end time, see tools/cdr_rows.py), so a new
        # file probes next to nothing; the test is exact whatever the order
        # (the column's own collation), and the unique key still guards the
        # insert. Rows go in call id order, so the unique index is filled
        # page by page instead of at random.
        insert = f"""
            WITH ins AS (
                INSERT INTO isp_cdr (
                    integration_id, company_id, import_id, {columns},
                    line_id, contract_id, partner_id)
                SELECT DISTINCT ON (c.call_id)
                       %(integration)s, %(company)s, %(run)s, {values},
                       COALESCE(ma.line_id, mt.line_id, mn.line_id),
                       COALESCE(ma.contract_id, mt.contract_id, mn.contract_id),
                       COALESCE(ma.partner_id, mt.partner_id, mn.partner_id)
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
