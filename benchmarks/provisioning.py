# Copyright 2026 isp_telephony authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Provision 1,000 SIP lines (one per contract) through the background queue
against the loopback Summit server, the way production does it: the contract
list's server action queues a batch, then the cron claims jobs, commits, calls
the platform with no transaction open, stores each result and commits.

It works on a throw-away copy of an installed database (``createdb -T``), so
the source database is left as it was; the copy is dropped at the end unless
``--keep``. While the server answers, a monitor connection samples
``pg_stat_activity`` for transactions of the copy left open ("idle in
transaction"): the benchmark fails if it ever sees one.

The last line printed is a JSON object::

    {"bench": "provisioning", "lines": N, "seconds": s, "lines_per_s": N / s,
     "enqueue_seconds": e, "requests": r, "open_transaction_samples": 0, ...}

Run it through the benchmark harness::

    scripts/bench.sh provisioning [--lines 1000] [--keep]
"""

import os
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from odoo_env import database_parser, report

# Sample the database every this many requests (a query per request would
# slow the server more than the benchmark measures).
SAMPLE_EVERY = 5


def build_parser():
    return database_parser(
        __doc__.split("\n\n")[0],
        [
            (("--lines",), {"type": int, "default": 1000}),
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
    from odoo.sql_db import connection_info_for
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
        result = run(odoo, Registry, psycopg2, connection_info_for, copy, args.lines)
    finally:
        Registry.delete(copy)
        if not args.keep:
            from odoo.sql_db import close_db

            close_db(copy)
            with admin.cursor() as cr:
                cr.execute(drop.code)
        admin.close()
    report(result)
    if result["open_transaction_samples"] or result["active_lines"] != args.lines:
        sys.exit(1)


def run(odoo, Registry, psycopg2, connection_info_for, dbname, count):
    from odoo.addons.isp_telephony.tests.loopback.summit_server import SummitServer

    registry = Registry(dbname)
    server = SummitServer(username="bench", password="bench-pass").start()
    _, params = connection_info_for(dbname)
    monitor = psycopg2.connect(**params)
    monitor.autocommit = True
    samples = {"taken": 0, "open": 0}
    lock = threading.Lock()
    handle = server.handle

    def sampling_handle(method, path, query, headers, body):
        with lock:
            samples["n"] = samples.get("n", 0) + 1
            take = samples["n"] % SAMPLE_EVERY == 0
            if take:
                with monitor.cursor() as cr:
                    cr.execute(
                        """SELECT count(*) FROM pg_stat_activity
                            WHERE datname = %s AND pid <> pg_backend_pid()
                              AND state LIKE 'idle in transaction%%'""",
                        (dbname,),
                    )
                    samples["taken"] += 1
                    samples["open"] += cr.fetchone()[0]
        return handle(method, path, query, headers, body)

    server.handle = sampling_handle
    try:
        with registry.cursor() as cr:
            env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {})
            contracts = setup(env, server, count)
            # The cron commits per chunk: the data it works on must be there.
            cr.commit()  # pylint: disable=invalid-commit
            started = time.perf_counter()
            contracts.action_activate_sip_lines()
            cr.commit()  # pylint: disable=invalid-commit
            enqueued = time.perf_counter()
            Job = env["isp.provisioning.job"]
            while Job._cron_process_jobs():
                pass
            elapsed = time.perf_counter() - started
            lines = contracts.sip_line_ids
            lines.invalidate_recordset()
            active = len(lines.filtered(lambda r: r.state == "active"))
            terminals = len(set(lines.mapped("terminal")))
        return {
            "bench": "provisioning",
            "lines": count,
            "active_lines": active,
            "distinct_terminals": terminals,
            "platform_lines": len(server.lines),
            "requests": len(server.requests),
            "seconds": round(elapsed, 3),
            "enqueue_seconds": round(enqueued - started, 3),
            "open_transaction_samples": samples["open"],
            "samples": samples["taken"],
            "lines_per_s": round(count / elapsed, 1),
        }
    finally:
        server.stop()
        monitor.close()


def setup(env, server, count):
    """An integration on the loopback server, its catalogs, a range with
    enough numbers, and ``count`` contracts with one draft line each."""
    port = int(server.base_url.rsplit(":", 1)[1])
    integration = env["isp.telephony.integration"].create(
        {
            "name": "Summit benchmark",
            "gateway": "summit",
            "api_user": "bench",
            "api_password": "bench-pass",
            "summit_api_host": "127.0.0.1",
            "summit_api_port": port,
            "api_use_tls": False,
            "area_code": "31",
        }
    )
    integration.action_sync_catalogs()
    cost_center = env["isp.summit.cost.center"].create(
        {"value": "Default", "integration_id": integration.id}
    )
    number_range = env["isp.number.range"].create(
        {
            "name": "Benchmark range",
            "country_code": "55",
            "area_code": "31",
            "first_number": "36000000",
            "last_number": str(36000000 + count - 1),
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
        [{"name": f"Bench {i}", "partner_id": partner.id} for i in range(count)]
    )
    common = {
        "integration_id": integration.id,
        "partition_id": catalog("isp.summit.partition", "code", "SP01").id,
        "category_id": catalog("isp.summit.category", "acronym", "DEF").id,
        "platform_plan_id": catalog("isp.summit.plan", "code", "RES100").id,
        "licence_id": catalog("isp.summit.licence", "acronym", "RES").id,
        "cost_center_id": cost_center.id,
        "due_day": 10,
    }
    env["isp.sip.line"].with_context(tracking_disable=True).create(
        [
            dict(common, contract_id=contract.id, caller_id_number_id=number.id)
            for contract, number in zip(contracts, numbers, strict=True)
        ]
    )
    return contracts


if __name__ == "__main__":
    main()
