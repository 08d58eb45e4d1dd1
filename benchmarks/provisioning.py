# Copyright 2026 isp_telephony authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Provision 1,000 SIP lines (one per contract) through OCA queue_job jobs
against the loopback Summit server, the way production does it: the contract
list's action queues one activation job per line and commits; an Odoo server
started here with queue_job loaded server-wide runs them through its job
runner (HTTP /queue_job/runjob), on the platform's channel.

Baseline, measured in the same run on the same copy: the same job method
called in a loop in this process, committing after each line, without the
job runner (what one worker does with no queue at all).

It works on a throw-away copy of an installed database (``createdb -T``), so
the source database is left as it was; the copy is dropped at the end unless
``--keep``. The last line printed is a JSON object::

    {"bench": "provisioning", "lines": N, "seconds": s,
     "provisioning_lines_per_s": N / s, "baseline_lines_per_s": b, ...}

Run it through the benchmark harness::

    scripts/bench.sh provisioning [--lines 1000] [--capacity 2] [--workers 0]
"""

import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from bench_setup import (
    SUMMIT_PASSWORD,
    SUMMIT_USER,
    free_port,
    start_server,
    start_summit,
    stop_server,
)
from odoo_env import database_parser, report

# Lines activated inline for the baseline.
BASELINE_LINES = 100
# Give up waiting for the jobs after this many seconds.
TIMEOUT = 900


def build_parser():
    return database_parser(
        __doc__.split("\n\n")[0],
        [
            (("--lines",), {"type": int, "default": 1000}),
            (
                ("--capacity",),
                {
                    "type": int,
                    "default": 2,
                    "help": "jobs at once on the platform's channel (default: "
                    "the addon's 2 per platform)",
                },
            ),
            (
                ("--workers",),
                {"type": int, "default": 0, "help": "Odoo HTTP workers (0: threaded)"},
            ),
            (("--keep",), {"action": "store_true", "help": "keep the copy"}),
        ],
    )


def main(argv=None):
    args = build_parser().parse_args(argv)
    import odoo
    from odoo.tools import config

    config.parse_config(["-c", args.config, "--log-level=warn"])
    import psycopg2

    from odoo.modules.registry import Registry
    from odoo.sql_db import close_db, connection_info_for
    from odoo.tools import SQL

    copy = f"{args.db}_bench_provisioning"
    _, params = connection_info_for("postgres")
    admin = psycopg2.connect(**params)
    admin.autocommit = True
    drop = SQL("DROP DATABASE IF EXISTS %s", SQL.identifier(copy))
    create = SQL(
        "CREATE DATABASE %s TEMPLATE %s", SQL.identifier(copy), SQL.identifier(args.db)
    )
    with admin.cursor() as cr:
        cr.execute(drop.code)
        cr.execute(create.code)
    try:
        result = run(odoo, Registry, copy, args)
    finally:
        Registry.delete(copy)
        close_db(copy)
        if not args.keep:
            with admin.cursor() as cr:
                cr.execute(drop.code)
        admin.close()
    report(result)
    if result["active_lines"] != args.lines:
        sys.exit(1)


def run(odoo, Registry, dbname, args):
    registry = Registry(dbname)
    server = start_summit()
    port = free_port()
    log_path = os.path.join(os.getcwd(), f"bench-provisioning-{port}.log")
    process = None
    try:
        with registry.cursor() as cr:
            env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {})
            integration, contracts, baseline = setup(
                env, server, args.lines, BASELINE_LINES
            )
            env["queue.job.channel"].create(
                {
                    "name": integration._provisioning_channel().rsplit(".", 1)[1],
                    "parent_id": env.ref(
                        "isp_telephony.channel_telephony_provisioning"
                    ).id,
                    "capacity": args.capacity,
                }
            )
            cr.commit()  # pylint: disable=invalid-commit
            # Baseline: the job method itself, line after line, no runner.
            baseline.sudo().write({"state": "provisioning"})
            cr.commit()  # pylint: disable=invalid-commit
            started = time.perf_counter()
            for line in baseline:
                line._provision_activate()
                cr.commit()  # pylint: disable=invalid-commit
            baseline_seconds = time.perf_counter() - started
        requests_before = len(server.requests)

        process = start_server(
            odoo.tools.config.rcfile,
            dbname,
            port,
            args.workers,
            log_path,
            queue_env={"ODOO_QUEUE_JOB_MAX_CAPACITY": "8"},
        )
        with registry.cursor() as cr:
            env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {})
            contracts = contracts.with_env(env)
            started = time.perf_counter()
            contracts.action_activate_sip_lines()
            cr.commit()  # pylint: disable=invalid-commit
            enqueued = time.perf_counter()
            lines_ids = contracts.sip_line_ids.ids
        deadline = time.monotonic() + TIMEOUT
        while time.monotonic() < deadline:
            with registry.cursor() as cr:
                cr.execute(
                    """SELECT count(*) FILTER (WHERE state IN ('active', 'error'))
                         FROM isp_sip_line WHERE id = ANY(%s)""",
                    (lines_ids,),
                )
                finished = cr.fetchone()[0]
            if finished == len(lines_ids):
                break
            time.sleep(0.2)
        elapsed = time.perf_counter() - started
        with registry.cursor() as cr:
            cr.execute(
                """SELECT count(*) FILTER (WHERE state = 'active'),
                          count(DISTINCT terminal)
                     FROM isp_sip_line WHERE id = ANY(%s)""",
                (lines_ids,),
            )
            active, terminals = cr.fetchone()
            cr.execute(
                """SELECT state, count(*) FROM queue_job
                    WHERE telephony_sip_line_id = ANY(%s) GROUP BY state""",
                (lines_ids,),
            )
            jobs = dict(cr.fetchall())
        return {
            "bench": "provisioning",
            "lines": args.lines,
            "workers": args.workers,
            "channel_capacity": args.capacity,
            "active_lines": active,
            "distinct_terminals": terminals,
            "jobs": jobs,
            "requests": len(server.requests) - requests_before,
            "seconds": round(elapsed, 3),
            "enqueue_seconds": round(enqueued - started, 3),
            "provisioning_lines_per_s": round(args.lines / elapsed, 1),
            "baseline_lines": len(baseline),
            "baseline_seconds": round(baseline_seconds, 3),
            "baseline_lines_per_s": round(len(baseline) / baseline_seconds, 1),
        }
    finally:
        if process is not None:
            stop_server(process)
        server.stop()


def setup(env, server, count, baseline_count):
    """An integration on the loopback server, its catalogs, a range with
    enough numbers, ``count`` contracts with one draft line each (activated
    through jobs), and ``baseline_count`` lines more (activated inline)."""
    port = int(server.base_url.rsplit(":", 1)[1])
    integration = env["isp.telephony.integration"].create(
        {
            "name": "Summit benchmark",
            "gateway": "summit",
            "api_user": SUMMIT_USER,
            "api_password": SUMMIT_PASSWORD,
            "summit_api_host": "127.0.0.1",
            "summit_api_port": port,
            "api_use_tls": False,
            "area_code": "31",
        }
    )
    integration.action_sync_catalogs()
    cost_center = env["isp.summit.cost.center"].create(
        {"code": "Default", "integration_id": integration.id}
    )
    total = count + baseline_count
    number_range = env["isp.number.range"].create(
        {
            "name": "Benchmark range",
            "country_code": "55",
            "area_code": "31",
            "first_number": "36000000",
            "last_number": str(36000000 + total - 1),
        }
    )
    numbers = env["isp.phone.number"].search(
        [("range_id", "=", number_range.id)], order="e164"
    )

    def catalog(model, field, code):
        return env[model].search(
            [("integration_id", "=", integration.id), (field, "=", code)]
        )

    partner = env["res.partner"].create({"name": "Benchmark customer"})
    contracts = env["contract.contract"].create(
        [{"name": f"Bench {i}", "partner_id": partner.id} for i in range(total)]
    )
    common = {
        "integration_id": integration.id,
        "partition_id": catalog("isp.summit.partition", "code", "SP01").id,
        "category_id": catalog("isp.summit.category", "code", "DEF").id,
        "platform_plan_id": catalog("isp.summit.plan", "code", "RES100").id,
        "licence_id": catalog("isp.summit.licence", "code", "RES").id,
        "cost_center_id": cost_center.id,
        "due_day": 10,
    }
    lines = (
        env["isp.sip.line"]
        .with_context(tracking_disable=True)
        .create(
            [
                dict(common, contract_id=contract.id, caller_id_number_id=number.id)
                for contract, number in zip(contracts, numbers, strict=True)
            ]
        )
    )
    return integration, contracts[:count], lines[count:]


if __name__ == "__main__":
    main()
