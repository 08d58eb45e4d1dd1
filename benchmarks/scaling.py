# Copyright 2026 isp_telephony authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Closing the month and invoicing through OCA queue_job jobs with one job
worker, then with two, on the same data; then the provisioning of lines
through jobs.

    scripts/bench.sh scaling [--contracts 2000] [--cdrs 200000]
                             [--chunk 100] [--lines 1000]
                             [--per-line-lines 200] [--port 18605]

Set-up (not timed): a throw-away copy of the database gets --contracts
customer contracts with a SIP line each and --cdrs calls of March 2026
(benchmarks/billing.py's data), contract_queue_job switched on
(contract.queue.job) and close chunks of --chunk contracts. That copy is
the template of each run, so both runs start from the same data:

For N = 1, then 2: a copy of the template, an Odoo server on it (127.0.0.1,
--port) with ``--workers N``, queue_job server-wide and its job runner with
the root channel's capacity N; timed from the scheduled close queuing its
chunk jobs to the last contract invoice job done (the close's jobs first,
then OCA's invoicing cron queuing one job per contract): ``workers_N_seconds``.

Then, on copies of the untouched source database, SIP lines activated
through provisioning jobs on the loopback Summit server (port --port + 1)
by the same server with two workers: first --per-line-lines lines with a job
per line (``provisioning_per_line_jobs_lines_per_s``, how it was before
chunks), then --lines lines as the addon sends them, 25 lines per job
(``provisioning_lines_per_s``).

The last line is one JSON object."""

import os
import sys
import time
from datetime import date

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from bench_setup import start_server, start_summit, stop_server
from odoo_env import database_parser, report

MONTH = date(2026, 3, 1)
INVOICE_DATE = date(2026, 3, 5)
TIMEOUT = 1800
WAITING = ("wait_dependencies", "pending", "enqueued", "started")


def build_parser():
    return database_parser(
        __doc__.split("\n", 1)[0],
        [
            (("--contracts",), {"type": int, "default": 2000}),
            (("--cdrs",), {"type": int, "default": 200_000}),
            (("--chunk",), {"type": int, "default": 100}),
            (("--lines",), {"type": int, "default": 1000}),
            (
                ("--per-line-lines",),
                {
                    "type": int,
                    "default": 200,
                    "help": "lines activated a job per line first (same run)",
                },
            ),
            (("--port",), {"type": int, "default": 18605}),
            (
                ("--workers",),
                {"type": str, "default": "1,2", "help": "the runs, e.g. 1,2"},
            ),
        ],
    )


class Databases:
    """CREATE DATABASE ... TEMPLATE and DROP DATABASE, with Odoo's pools of
    the copies closed first."""

    def __init__(self):
        import psycopg2

        from odoo.sql_db import connection_info_for

        _, params = connection_info_for("postgres")
        self.admin = psycopg2.connect(**params)
        self.admin.autocommit = True
        self.made = []

    def clone(self, source, name):
        from odoo.tools import SQL

        self.drop(name)
        self.close(source)
        create = SQL(
            "CREATE DATABASE %s TEMPLATE %s",
            SQL.identifier(name),
            SQL.identifier(source),
        )
        with self.admin.cursor() as cr:
            cr.execute(create.code)
        self.made.append(name)
        return name

    @staticmethod
    def close(name):
        from odoo.modules.registry import Registry
        from odoo.sql_db import close_db

        Registry.delete(name)
        close_db(name)

    def drop(self, name):
        from odoo.tools import SQL

        self.close(name)
        drop = SQL("DROP DATABASE IF EXISTS %s", SQL.identifier(name))
        with self.admin.cursor() as cr:
            cr.execute(drop.code)

    def drop_all(self):
        for name in reversed(self.made):
            self.drop(name)
        self.admin.close()


def wait_jobs(registry, where, params=()):
    """Wait until no job matching ``where`` waits or runs; their states."""
    deadline = time.monotonic() + TIMEOUT
    query = f"SELECT state, count(*) FROM queue_job WHERE {where} GROUP BY state"
    while True:
        with registry.cursor() as cr:
            cr.execute(query, params)
            states = dict(cr.fetchall())
        if not any(states.get(state) for state in WAITING):
            return states
        if time.monotonic() > deadline:
            raise RuntimeError(f"jobs still waiting after {TIMEOUT} s: {states}")
        time.sleep(0.25)


def prepare(odoo, registry, args):
    """The template: contracts, lines and calls; contract_queue_job on."""
    from billing import populate

    context = {"tracking_disable": True, "mail_create_nolog": True}
    with registry.cursor() as cr:
        env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, context)
        contract_ids = populate(env, args.contracts, args.cdrs)
        params = env["ir.config_parameter"]
        params.set_param("contract.queue.job", "True")
        params.set_param("isp_telephony.close_chunk_contracts", str(args.chunk))
        env.flush_all()
        cr.commit()  # pylint: disable=invalid-commit
        cr.execute("ANALYZE")
        cr.execute("SELECT count(*) FROM isp_cdr WHERE call_id LIKE 'bench-%%'")
        return len(contract_ids), cr.fetchone()[0]


def close_and_invoice(odoo, registry, args, workers, log_path):
    """One timed run: the scheduled close as chunk jobs, then OCA's invoicing
    cron as one job per contract, both through the server's workers."""
    process = start_server(
        odoo.tools.config.rcfile,
        registry.db_name,
        args.port,
        workers,
        log_path,
        queue_env={"ODOO_QUEUE_JOB_CHANNELS": f"root:{workers}"},
    )
    try:
        load = os.getloadavg()[0]
        started = time.perf_counter()
        with registry.cursor() as cr:
            env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {})
            with_company = env["isp.telephony.billing"].with_company(env.company)
            close_jobs = len(with_company._enqueue_close(MONTH, env.company))
            cr.commit()  # pylint: disable=invalid-commit
        close_states = wait_jobs(registry, "method_name = '_job_close_chunk'")
        closed = time.perf_counter()
        with registry.cursor() as cr:
            env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {})
            env["contract.contract"].cron_recurring_create_invoice(INVOICE_DATE)
            cr.commit()  # pylint: disable=invalid-commit
        invoice_states = wait_jobs(
            registry,
            "method_name IN ('_job_invoice_chunk', '_recurring_create_invoice')",
        )
        elapsed = time.perf_counter() - started
        load_after = os.getloadavg()[0]
        with registry.cursor() as cr:
            cr.execute(
                """SELECT count(*), count(*) FILTER (WHERE state = 'invoiced'),
                          COALESCE(sum(calls), 0)
                     FROM isp_telephony_charge"""
            )
            charges, invoiced, calls = cr.fetchone()
            cr.execute(
                "SELECT count(*) FROM account_move WHERE move_type = 'out_invoice'"
            )
            invoices = cr.fetchone()[0]
    finally:
        stop_server(process)
    return {
        "seconds": round(elapsed, 1),
        "close_seconds": round(closed - started, 1),
        "invoicing_seconds": round(elapsed - (closed - started), 1),
        "close_jobs": close_jobs,
        "close_job_states": close_states,
        "invoice_job_states": invoice_states,
        "charges": charges,
        "charges_invoiced": invoiced,
        "calls_charged": calls,
        "invoices": invoices,
        "load_1min_before": round(load, 2),
        "load_1min_after": round(load_after, 2),
    }


def provisioning(odoo, registry, args, log_path, lines, chunk_lines=None):
    """``lines`` SIP lines activated through jobs, two workers, against the
    loopback Summit server; ``chunk_lines``: lines per job (1: a job per
    line, as before chunks)."""
    from provisioning import setup

    summit = start_summit(args.port + 1)
    process = None
    try:
        with registry.cursor() as cr:
            env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {})
            _integration, contracts, _baseline = setup(env, summit, lines, 0)
            if chunk_lines:
                env["ir.config_parameter"].set_param(
                    "isp_telephony.provisioning_chunk_lines", str(chunk_lines)
                )
            cr.commit()  # pylint: disable=invalid-commit
            contract_ids = contracts.ids
        process = start_server(
            odoo.tools.config.rcfile,
            registry.db_name,
            args.port,
            2,
            log_path,
            queue_env={"ODOO_QUEUE_JOB_CHANNELS": "root:2"},
        )
        load = os.getloadavg()[0]
        started = time.perf_counter()
        with registry.cursor() as cr:
            env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {})
            env["contract.contract"].browse(contract_ids).action_activate_sip_lines()
            cr.commit()  # pylint: disable=invalid-commit
            cr.execute(
                "SELECT id FROM isp_sip_line WHERE contract_id = ANY(%s)",
                (contract_ids,),
            )
            line_ids = [row[0] for row in cr.fetchall()]
        enqueued = time.perf_counter()
        deadline = time.monotonic() + TIMEOUT
        while time.monotonic() < deadline:
            with registry.cursor() as cr:
                cr.execute(
                    """SELECT count(*) FILTER (WHERE state IN ('active', 'error')),
                              count(*) FILTER (WHERE state = 'active')
                         FROM isp_sip_line WHERE id = ANY(%s)""",
                    (line_ids,),
                )
                finished, active = cr.fetchone()
            if finished == len(line_ids):
                break
            time.sleep(0.2)
        elapsed = time.perf_counter() - started
        load_after = os.getloadavg()[0]
        with registry.cursor() as cr:
            cr.execute(
                """SELECT count(*) FROM queue_job
                    WHERE method_name LIKE '_provision%%'"""
            )
            jobs = cr.fetchone()[0]
    finally:
        if process is not None:
            stop_server(process)
        summit.stop()
    return {
        "lines": len(line_ids),
        "active": active,
        "jobs": jobs,
        "requests": len(summit.requests),
        "seconds": round(elapsed, 1),
        "enqueue_seconds": round(enqueued - started, 1),
        "lines_per_s": round(len(line_ids) / elapsed, 1),
        "load_1min_before": round(load, 2),
        "load_1min_after": round(load_after, 2),
    }


def main(argv=None):
    args = build_parser().parse_args(argv)
    import odoo
    from odoo.modules.registry import Registry

    odoo.tools.config.parse_config(["-c", args.config, "--log-level=warn"])
    dbs = Databases()
    template = f"{args.db}_scaling_template"
    runs = {}
    try:
        dbs.clone(args.db, template)
        began = time.perf_counter()
        contracts, cdrs = prepare(odoo, Registry(template), args)
        setup_seconds = time.perf_counter() - began
        for workers in [int(n) for n in args.workers.split(",")]:
            name = dbs.clone(template, f"{args.db}_scaling_{workers}")
            log_path = os.path.join(os.getcwd(), f"bench-scaling-{workers}.log")
            runs[workers] = close_and_invoice(
                odoo, Registry(name), args, workers, log_path
            )
            sys.stderr.write(f"workers={workers}: {runs[workers]}\n")
            dbs.drop(name)
        dbs.drop(template)
        prov = per_line = None
        if args.per_line_lines:
            name = dbs.clone(args.db, f"{args.db}_scaling_per_line")
            log_path = os.path.join(os.getcwd(), "bench-scaling-per-line.log")
            per_line = provisioning(
                odoo, Registry(name), args, log_path, args.per_line_lines, 1
            )
            sys.stderr.write(f"provisioning, a job per line: {per_line}\n")
            dbs.drop(name)
        if args.lines:
            name = dbs.clone(args.db, f"{args.db}_scaling_provisioning")
            log_path = os.path.join(os.getcwd(), "bench-scaling-provisioning.log")
            prov = provisioning(odoo, Registry(name), args, log_path, args.lines)
            sys.stderr.write(f"provisioning: {prov}\n")
    finally:
        dbs.drop_all()
    one, two = runs.get(1), runs.get(2)
    report(
        {
            "bench": "scaling",
            "contracts": contracts,
            "cdrs": cdrs,
            "close_chunk_contracts": args.chunk,
            "workers_1_seconds": one and one["seconds"],
            "workers_2_seconds": two and two["seconds"],
            "speedup": round(one["seconds"] / two["seconds"], 2)
            if one and two
            else None,
            "provisioning_lines_per_s": prov and prov["lines_per_s"],
            "provisioning_per_line_jobs_lines_per_s": per_line
            and per_line["lines_per_s"],
            "runs": {str(n): run for n, run in runs.items()},
            "provisioning": prov,
            "provisioning_per_line_jobs": per_line,
            "setup_seconds": round(setup_seconds, 1),
        }
    )


if __name__ == "__main__":
    main()
