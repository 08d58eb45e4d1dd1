# Copyright 2026 isp_telephony authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""End-to-end speed of the CDR import (parse, normalise, dedupe, match,
insert) into a scratch database with isp_telephony installed.

1. Creates the scratch database (``--db``, dropped first unless ``--reuse``)
   with the module and no demo data, an integration and ``--lines`` SIP
   lines whose numbers the generated calls use (so matching has work).
2. Writes an Asterisk Master.csv of ``--rows`` rows to a temporary file
   (:func:`tools.cdr.generate_master_csv`; not timed).
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
included). The last line printed is a JSON object. Run from anywhere::

    python3 benchmarks/cdr_import.py [--rows 1000000] [--db isp_cdr_bench]
"""

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ADDON = "isp_telephony"
REPO = Path(__file__).resolve().parent.parent


def _rss_mb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _write_config(work):
    addons = work / "addons"
    addons.mkdir(parents=True, exist_ok=True)
    link = addons / ADDON
    if link.is_symlink() or link.exists():
        link.unlink()
    link.symlink_to(REPO)
    conf = work / "bench.conf"
    conf.write_text(
        "[options]\n"
        f"addons_path = {addons}\n"
        f"data_dir = {work / 'data'}\n"
        f"db_host = {os.environ.get('PGHOST', 'False')}\n"
        f"db_port = {os.environ.get('PGPORT', 'False')}\n"
        f"db_user = {os.environ.get('PGUSER', 'False')}\n"
        f"db_password = {os.environ.get('PGPASSWORD', 'False')}\n"
    )
    return conf


def _install(conf, db, work):
    subprocess.run(["dropdb", "--if-exists", db], check=True)
    code = "import odoo; from odoo.cli.command import main; main()"
    subprocess.run(
        [sys.executable, "-c", code, "-c", str(conf), "-d", db, "-i", ADDON]
        + ["--without-demo=all", "--stop-after-init", "--log-level=warn"],
        check=True,
        cwd=work,
        env=dict(os.environ, TZ="UTC"),
    )


def _setup(env, lines):
    """An integration and ``lines`` lines numbered like the generator's."""
    integration = env["isp.telephony.integration"].create(
        {
            "name": "Benchmark PBX",
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
            "name": "Benchmark",
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
        [{"name": f"Customer {i}"} for i in range(max(1, lines // 10))]
    )
    contracts = env["contract.contract"].create(
        [{"name": f"Contract {p.name}", "partner_id": p.id} for p in partners]
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
    )
    return integration


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--lines", type=int, default=3000)
    parser.add_argument("--orm-rows", type=int, default=20000)
    parser.add_argument("--db", default="isp_cdr_bench")
    parser.add_argument("--work-dir", default=None)
    parser.add_argument(
        "--reuse", action="store_true", help="use --db as it is (no reinstall)"
    )
    args = parser.parse_args(argv)
    os.environ["TZ"] = "UTC"
    time.tzset()
    work = Path(args.work_dir or tempfile.mkdtemp(prefix="isp_cdr_bench_"))
    work.mkdir(parents=True, exist_ok=True)
    conf = _write_config(work)
    if not args.reuse:
        _install(conf, args.db, work)
    os.chdir(work)  # odoo/http.py must not shadow the stdlib's http

    import odoo
    from odoo.tools import config

    config.parse_config(["-c", str(conf), "--log-level=warn"])
    registry = odoo.modules.registry.Registry(args.db)
    tools_cdr = importlib_cdr()
    from odoo.addons.isp_telephony.tools.cdr_copy import ChunkProducer, copy_line

    result = {"bench": "cdr_import", "rows": args.rows, "lines": args.lines}
    incoming = work / "incoming"
    incoming.mkdir(exist_ok=True)
    path = incoming / "Master.csv"
    tools_cdr.generate_master_csv(str(path), args.rows, lines=args.lines)
    result["file_mb"] = round(path.stat().st_size / 2**20, 1)
    kept = work / "Master.csv.copy"
    shutil.copyfile(path, kept)

    with registry.cursor() as cr:
        env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {})
        integration = _setup(env, args.lines)
        layout = env.ref("isp_telephony.cdr_layout_asterisk_master_csv")
        cr.commit()
        result["rss_before_mb"] = round(_rss_mb())

        # 3. import
        started = time.perf_counter()
        run = env["isp.cdr.import"]._import_file(integration, layout, str(path))
        cr.commit()
        seconds = time.perf_counter() - started
        if run.state != "done":
            raise SystemExit(f"import failed: {run.message}")
        result.update(
            seconds=round(seconds, 2),
            rows_per_s=int(args.rows / seconds),
            imported=run.count_imported,
            unmatched=run.count_unmatched,
            rejected=run.count_rejected,
        )

        # 4. re-import: same file (checksum), then the rows again (dedupe)
        shutil.copyfile(kept, path)
        started = time.perf_counter()
        again = env["isp.cdr.import"]._import_file(integration, layout, str(path))
        cr.commit()
        seconds = time.perf_counter() - started
        result["reimport_state"] = again.state
        result["reimport_rows_per_s"] = int(args.rows / seconds)
        forced = env["isp.cdr.import"].create(
            {
                "name": "forced re-import",
                "integration_id": integration.id,
                "source": "file",
                "layout_id": layout.id,
            }
        )
        parser_layout = layout._get_layout(integration)
        started = time.perf_counter()
        with open(kept, "rb") as stream:
            forced._execute(tools_cdr.iter_file(stream, parser_layout))
        cr.commit()
        seconds = time.perf_counter() - started
        result["reimport_dedup_rows_per_s"] = int(args.rows / seconds)
        result["reimport_dedup_duplicates"] = forced.count_duplicate
        result["peak_rss_mb"] = round(_rss_mb())

        # 5. ORM baseline
        other = integration.copy({"name": "ORM baseline"})
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
        Cdr = env["isp.cdr"].with_context(tracking_disable=True)
        started = time.perf_counter()
        for low in range(0, len(vals), 1000):
            Cdr.create(vals[low : low + 1000])
            env.flush_all()
            env.invalidate_all()
        cr.commit()
        result["orm_baseline_rows_per_s"] = int(
            len(vals) / (time.perf_counter() - started)
        )
        del vals

        # 6. COPY ceiling
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
                   detect_time timestamp, connect_time timestamp,
                   disconnect_time timestamp, duration integer, billsec integer,
                   disposition varchar, platform_cost numeric,
                   access_fee numeric, platform_rate numeric,
                   route_pattern varchar, route_name varchar,
                   account_code varchar, terminal varchar)"""
        )
        cr.commit()
        started = time.perf_counter()
        with open(rendered) as stream:
            cr.copy_expert("COPY bench_cdr_copy FROM STDIN", stream)
        cr.commit()
        result["copy_rows_per_s"] = int(args.rows / (time.perf_counter() - started))
        cr.execute("TRUNCATE bench_cdr_copy")
        cr.commit()

        class Reader:
            def __init__(self, chunks):
                self.chunks = iter(chunks)

            def read(self, size=-1):
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
        cr.commit()
        result["parse_copy_rows_per_s"] = int(
            args.rows / (time.perf_counter() - started)
        )
        cr.execute("DROP TABLE bench_cdr_copy")
        cr.commit()
    if not args.work_dir:
        shutil.rmtree(work, ignore_errors=True)
    print(json.dumps(result))


def importlib_cdr():
    from odoo.addons.isp_telephony.tools import cdr

    return cdr


if __name__ == "__main__":
    main()
