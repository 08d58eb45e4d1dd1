# Copyright 2026 isp_telephony authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""End-to-end speed of the CDR import (parse, normalise, dedupe, match,
insert) on the benchmark database (scripts/bench.sh installs the module)::

    scripts/bench.sh cdr_import [--rows 1000000] [--lines 3000]

1. Creates once (then reuses) an integration and ``--lines`` SIP lines whose
   numbers the generated calls use, so matching has work; earlier benchmark
   calls are deleted first.
2. Writes an Asterisk Master.csv of ``--rows`` rows to a temporary file
   (:func:`cdr_fixtures.generate_master_csv`; not timed).
3. Times the import of the file through ``isp.cdr.import._import_file``
   (the cron's path), commit included: ``rows_per_s``.
4. Times the re-import of the same file (skipped on its checksum):
   ``reimport_rows_per_s``; and the same rows forced through the writer
   again (every row a duplicate): ``reimport_dedup_rows_per_s``.
5. ``orm_baseline_rows_per_s``: ORM ``create`` in batches of 1,000 of the
   first ``--orm-rows`` parsed rows (into another integration).
6. ``copy_rows_per_s``: plain ``COPY`` of the same rows (pre-rendered to a
   file, parsing not timed) into a bare table: the database's ceiling.
   ``parse_copy_rows_per_s``: the same COPY fed by the parser (the ceiling
   of any importer that parses in Python).

``peak_rss_mb`` is the peak resident memory of this process (Odoo loaded
included) up to the end of step 4. ``cpu_s`` is this process's CPU time
for step 3 (PostgreSQL's work runs in its own process). The last line
printed is a JSON object.
"""

import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import cdr_fixtures
from odoo_env import database_parser, odoo_env, peak_rss_mb, report

BENCH_NAME = "CDR import benchmark"


def _setup(env, lines):
    """The benchmark integration with ``lines`` lines numbered like the
    generator's (created once); its earlier calls and runs are removed."""
    integration = env["isp.telephony.integration"].search(
        [("name", "=", BENCH_NAME)], limit=1
    )
    if integration:
        env.cr.execute(
            "DELETE FROM isp_cdr WHERE integration_id IN %s",
            (tuple(integration.ids),),
        )
        env.cr.execute(
            "DELETE FROM isp_cdr_import WHERE integration_id = %s", (integration.id,)
        )
        baseline = env["isp.telephony.integration"].search(
            [("name", "=", BENCH_NAME + " (ORM)")]
        )
        if baseline:
            env.cr.execute(
                "DELETE FROM isp_cdr WHERE integration_id IN %s", (tuple(baseline.ids),)
            )
        return integration
    integration = env["isp.telephony.integration"].create(
        {
            "name": BENCH_NAME,
            "gateway": "asterisk",
            "area_code": "11",
            "timezone": "America/Sao_Paulo",
            "cdr_delete_after_import": True,
        }
    )
    # generate_master_csv numbers its lines 11 + 3 + (100000 + 7 i) on 7 digits.
    first = 30100000
    env["isp.number.range"].create(
        {
            "name": BENCH_NAME,
            "country_code": "55",
            "area_code": "11",
            "first_number": str(first),
            "last_number": str(first + (lines - 1) * 7),
        }
    )
    wanted = [f"+55113{100000 + i * 7:07d}" for i in range(lines)]
    numbers = env["isp.phone.number"].search([("e164", "in", wanted)])
    by_e164 = {number.e164: number.id for number in numbers}
    partners = env["res.partner"].create(
        [{"name": f"Benchmark customer {i}"} for i in range(max(1, lines // 10))]
    )
    contracts = env["contract.contract"].create(
        [{"name": f"Benchmark {p.name}", "partner_id": p.id} for p in partners]
    )
    env["isp.sip.line"].create(
        [
            {
                "contract_id": contracts[i % len(contracts)].id,
                "integration_id": integration.id,
                "caller_id_number_id": by_e164[e164],
            }
            for i, e164 in enumerate(wanted)
            if e164 in by_e164
        ]
    ).write({"state": "active"})
    return integration


def _vacuum(dbname):
    from odoo import sql_db

    with sql_db.db_connect(dbname).cursor() as cr:
        cr._cnx.autocommit = True
        cr.execute("VACUUM ANALYZE isp_cdr")


def build_parser():
    return database_parser(
        __doc__.split("\n", 1)[0],
        [
            (("--rows",), {"type": int, "default": 1_000_000}),
            (("--lines",), {"type": int, "default": 3000}),
            (("--orm-rows",), {"type": int, "default": 20000}),
        ],
    )


def main(argv=None):
    args = build_parser().parse_args(argv)
    work = Path(tempfile.mkdtemp(prefix="isp_cdr_bench_"))
    try:
        with odoo_env(args.config, args.db) as env:
            run_benchmark(env, args, work)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def run_benchmark(env, args, work):
    from odoo.addons.isp_telephony.tools import cdr as tools_cdr
    from odoo.addons.isp_telephony.tools.cdr_copy import ChunkProducer, copy_line

    cr = env.cr

    def commit():
        cr.commit()  # pylint: disable=invalid-commit

    result = {"bench": "cdr_import", "rows": args.rows, "lines": args.lines}
    incoming = work / "incoming"
    incoming.mkdir()
    path = incoming / "Master.csv"
    cdr_fixtures.generate_master_csv(str(path), args.rows, lines=args.lines)
    result["file_mb"] = round(path.stat().st_size / 2**20, 1)
    kept = work / "Master.csv.copy"
    shutil.copyfile(path, kept)

    integration = _setup(env, args.lines)
    layout = env.ref("isp_telephony.cdr_layout_asterisk_master_csv")
    parser_layout = layout._get_layout(integration)
    commit()
    # The previous run's calls were just deleted: vacuum them away, as
    # autovacuum would have long before the next import in production, so
    # the import does not wade through a million dead index entries with
    # the very call ids it inserts again.
    _vacuum(env.cr.dbname)
    result["rss_before_mb"] = round(peak_rss_mb())

    # 3. import, as the cron does it (the file is deleted after the commit)
    started, cpu = time.perf_counter(), time.process_time()
    run = env["isp.cdr.import"]._import_file(integration, layout, str(path))
    commit()
    seconds = time.perf_counter() - started
    if run.state != "done":
        raise SystemExit(f"import failed: {run.message}")
    result.update(
        seconds=round(seconds, 2),
        cpu_s=round(time.process_time() - cpu, 2),
        rows_per_s=int(args.rows / seconds),
        imported=run.count_imported,
        unmatched=run.count_unmatched,
        rejected=run.count_rejected,
    )

    # 4. re-import: the same file (checksum), then the rows again (dedupe)
    shutil.copyfile(kept, path)
    started = time.perf_counter()
    again = env["isp.cdr.import"]._import_file(integration, layout, str(path))
    commit()
    result["reimport_state"] = again.state
    result["reimport_rows_per_s"] = int(args.rows / (time.perf_counter() - started))
    forced = env["isp.cdr.import"].create(
        {
            "name": "forced re-import",
            "integration_id": integration.id,
            "source": "file",
            "layout_id": layout.id,
        }
    )
    started = time.perf_counter()
    with open(kept, "rb") as stream:
        forced._execute(tools_cdr.iter_file(stream, parser_layout))
    commit()
    result["reimport_dedup_rows_per_s"] = int(
        args.rows / (time.perf_counter() - started)
    )
    result["reimport_dedup_duplicates"] = forced.count_duplicate
    result["peak_rss_mb"] = round(peak_rss_mb())

    # 5. ORM baseline: create() in batches of 1,000
    other = env["isp.telephony.integration"].search(
        [("name", "=", BENCH_NAME + " (ORM)")], limit=1
    ) or integration.copy({"name": BENCH_NAME + " (ORM)"})
    vals = []
    with open(kept, "rb") as stream:
        for item in tools_cdr.iter_file(stream, parser_layout):
            if isinstance(item, tools_cdr.Rejection):
                continue
            vals.append(
                {
                    "integration_id": other.id,
                    "company_id": other.company_id.id,
                    "call_id": item.call_id,
                    "original_call_id": item.original_call_id,
                    "direction": item.direction,
                    "ani": item.ani_raw,
                    "dnis": item.dnis_raw,
                    "ani_e164": item.ani_e164,
                    "dnis_e164": item.dnis_e164,
                    "detect_time": item.detect_time,
                    "connect_time": item.connect_time,
                    "disconnect_time": item.disconnect_time,
                    "duration": item.duration,
                    "billsec": item.billsec,
                    "disposition": item.disposition,
                    "account_code": item.account_code,
                    "terminal": item.terminal,
                }
            )
            if len(vals) >= args.orm_rows:
                break
    cdr_model = env["isp.cdr"].with_context(tracking_disable=True)
    started = time.perf_counter()
    for low in range(0, len(vals), 1000):
        cdr_model.create(vals[low : low + 1000])
        env.flush_all()
        env.invalidate_all()
    commit()
    result["orm_baseline_rows_per_s"] = int(len(vals) / (time.perf_counter() - started))
    del vals

    # 6. COPY ceiling: the same rows into a bare table
    rendered = work / "rows.copy"
    with open(kept, "rb") as stream, open(rendered, "w") as out:
        for item in tools_cdr.iter_file(stream, parser_layout):
            if not isinstance(item, tools_cdr.Rejection):
                out.write(copy_line(item))
    cr.execute("DROP TABLE IF EXISTS bench_cdr_copy")
    cr.execute(
        """CREATE TABLE bench_cdr_copy (
               call_id varchar, original_call_id varchar, direction varchar,
               ani varchar, dnis varchar, ani_e164 varchar, dnis_e164 varchar,
               detect_epoch bigint, connect_epoch bigint, disconnect_epoch bigint,
               duration integer, billsec integer, disposition varchar,
               platform_cost numeric, access_fee numeric, platform_rate numeric,
               route_pattern varchar, route_name varchar,
               account_code varchar, terminal varchar)"""
    )
    commit()
    started = time.perf_counter()
    with open(rendered) as stream:
        cr.copy_expert("COPY bench_cdr_copy FROM STDIN", stream)
    commit()
    result["copy_rows_per_s"] = int(args.rows / (time.perf_counter() - started))
    cr.execute("TRUNCATE bench_cdr_copy")
    commit()

    class Reader:
        def __init__(self, chunks):
            self.chunks = iter(chunks)

        def read(self, size=-1):  # pylint: disable=method-required-super
            for chunk in self.chunks:
                if chunk.text:
                    return chunk.text
            return ""

        readline = read

    started = time.perf_counter()
    with (
        open(kept, "rb") as stream,
        ChunkProducer(tools_cdr.iter_file(stream, parser_layout)) as chunks,
    ):
        cr.copy_expert("COPY bench_cdr_copy FROM STDIN", Reader(chunks))
    commit()
    result["parse_copy_rows_per_s"] = int(args.rows / (time.perf_counter() - started))
    cr.execute("DROP TABLE bench_cdr_copy")
    commit()
    report(result)


if __name__ == "__main__":
    main()
