# Copyright 2026 isp_telephony authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Speed of rating and monthly billing, core and database.

1. The rating core on synthetic calls (generator of benchmarks/rating_core.py,
   classification cache cold), CPU time.
2. A billing run in a throw-away copy (``CREATE DATABASE ... TEMPLATE``) of
   a database where isp_telephony is installed: N contracts (10,000 by
   default) with one line each and M CDRs (1,000,000) inserted with SQL and
   committed, as an import would have, never rated; then
   ``isp.telephony.billing._generate`` (rating of every CDR, aggregation,
   invoices and invoice lines, CDR linking) is timed, and a second run (which
   must add nothing). The copy is dropped at the end.

Run it through the benchmark harness (which passes ``--config`` and ``--db``)::

    scripts/bench.sh rating [--contracts 10000] [--cdrs 1000000]

The last line printed is a JSON object with ``core_cdrs_per_s``,
``billing_contracts``, ``billing_cdrs``, ``billing_seconds`` and details.
"""

import argparse
import importlib.util
import json
import sys
import time
from datetime import date
from pathlib import Path

MONTH = date(2026, 3, 1)
HERE = Path(__file__).resolve().parent


def core_speed(calls, lines):
    path = HERE / "rating_core.py"
    spec = importlib.util.spec_from_file_location("_rating_core", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    work = module.generate(calls, lines)
    module.destination.cache_clear()
    on_net = frozenset({"+551132000000"})
    rated = 0
    began = time.process_time()
    for plan, area, line_calls in work:
        rated += len(module.rating.rate_calls(plan, line_calls, area, on_net=on_net))
    return rated, time.process_time() - began


def _plan(env):
    classes = {c.code: c.id for c in env["isp.telephony.destination.class"].search([])}
    product = env["product.product"].create(
        {"name": "Bench telephony overage", "type": "service"}
    )

    def rate(cls=None, prefix=None, price=0.0, fee=0.0, block=30, step=6):
        return (
            0,
            0,
            {
                "dest_class": cls,
                "prefix": prefix,
                "price_per_minute": price,
                "connection_fee": fee,
                "initial_block": block,
                "increment": step,
            },
        )

    return env["isp.telephony.plan"].create(
        {
            "name": "Bench 30 min",
            "product_id": product.id,
            "min_billable_seconds": 3,
            "bucket_ids": [
                (
                    0,
                    0,
                    {
                        "name": "Fixed",
                        "allowance_seconds": 1800,
                        "dest_class_ids": [
                            (6, 0, [classes["local_fixed"], classes["national_fixed"]])
                        ],
                    },
                )
            ],
            "rate_ids": [
                rate("local_fixed", price=0.09),
                rate("national_fixed", price=0.19, fee=0.05),
                rate("local_mobile", price=0.59),
                rate("national_mobile", price=0.89),
                rate("toll_free", price=0.0),
                rate("non_geographic", price=0.35, block=60, step=60),
                rate(prefix="1", price=0.25, fee=0.10, block=60, step=1),
                rate(prefix="44", price=0.30, fee=0.10, block=60, step=1),
                rate(price=1.50, fee=0.20),
            ],
        }
    )


def populate(env, contracts, cdrs):
    """Contracts, lines and CDRs; returns the plan."""
    cr = env.cr
    company = env.company
    company.telephony_timezone = "America/Sao_Paulo"
    company.telephony_separate_invoice = False
    integration = env["isp.telephony.integration"].create(
        {"name": "Bench", "gateway": "sandbox", "area_code": "31"}
    )
    plan = _plan(env)
    env["isp.number.range"].create(
        {
            "name": "Bench range",
            "country_code": "55",
            "area_code": "31",
            "first_number": "30000000",
            "last_number": f"{30000000 + contracts - 1}",
        }
    )
    partners = env["res.partner"].create(
        [{"name": f"Bench customer {i}"} for i in range(contracts)]
    )
    records = env["contract.contract"]
    for start in range(0, contracts, 1000):
        records |= records.create(
            [
                {"name": f"Bench {i}", "partner_id": partners[i].id}
                for i in range(start, min(contracts, start + 1000))
            ]
        )
    env.flush_all()
    cr.execute(
        """
        WITH k AS (SELECT id, partner_id, company_id,
                          row_number() OVER (ORDER BY id) AS n
                     FROM contract_contract WHERE id = ANY(%s)),
             p AS (SELECT id, e164, row_number() OVER (ORDER BY e164) AS n
                     FROM isp_phone_number WHERE e164 LIKE '+553130%%'
                      AND company_id = %s)
        INSERT INTO isp_sip_line (contract_id, partner_id, company_id, uuid,
               state, billing_plan_id, integration_id, bid_type,
               caller_id_number_id, caller_id_e164, due_day, call_limit, active)
        SELECT k.id, k.partner_id, k.company_id, md5(random()::text || k.id),
               'active', %s, %s, 'terminal', p.id, p.e164, 1 + k.n %% 25, 2, true
          FROM k JOIN p ON p.n = k.n
        RETURNING id
        """,
        [records.ids, company.id, plan.id, integration.id],
    )
    line_ids = sorted(row[0] for row in cr.fetchall())
    # CDRs spread over each line's cycle billed in MONTH (Feb 1 .. Mar 25
    # covers every due day; outside a line's cycle they are simply not
    # billed this month). Destinations: local/national fixed, mobile,
    # 0800, 0300, emergency, international; 20 % unanswered, 25 % inbound.
    cr.execute(
        """
        INSERT INTO isp_cdr (integration_id, company_id, call_id, direction,
               ani_e164, dnis_e164, dnis, connect_time, billsec, disposition,
               platform_cost, line_id, contract_id, partner_id)
        SELECT %(integration)s, %(company)s, 'bench-' || g,
               CASE WHEN (g / 7) %% 4 = 0 THEN 'in' ELSE 'out' END,
               l.caller_id_e164, d.number, d.number,
               timestamp '2026-02-01 03:00:00'
                 + make_interval(secs => (g::bigint * 7919) %% (52 * 86400)),
               CASE WHEN (g / 3) %% 5 = 0 THEN 0 ELSE 1 + (g * 31) %% 600 END,
               CASE WHEN (g / 3) %% 5 = 0 THEN 'no_answer' ELSE 'answered' END,
               0.01, l.id, l.contract_id, l.partner_id
          FROM generate_series(1, %(cdrs)s) g
          JOIN isp_sip_line l
            ON l.id = (%(lines)s::int[])[1 + (g / 10) %% %(nlines)s]
          CROSS JOIN LATERAL (SELECT CASE g %% 10
               WHEN 0 THEN '+5531' || (32000000 + g %% 500000)::text
               WHEN 1 THEN '+5531' || (33000000 + g %% 700000)::text
               WHEN 2 THEN '+5521' || (34000000 + g %% 900000)::text
               WHEN 3 THEN '+55119' || (80000000 + g %% 900000)::text
               WHEN 4 THEN '+55319' || (91000000 + g %% 800000)::text
               WHEN 5 THEN '+55800' || (1000000 + g %% 9000)::text
               WHEN 6 THEN '+55300' || (1000000 + g %% 9000)::text
               WHEN 7 THEN '190'
               WHEN 8 THEN '+1202555' || lpad((g %% 10000)::text, 4, '0')
               ELSE '+5541' || (35000000 + g %% 800000)::text END AS number) d
        """,
        {
            "integration": integration.id,
            "company": company.id,
            "cdrs": cdrs,
            "lines": line_ids,
            "nlines": len(line_ids),
        },
    )
    cr.execute("ANALYZE isp_cdr")
    return plan


def build_parser():
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("-c", "--config", required=True)
    # scripts/bench.sh passes --db, like to every benchmark.
    parser.add_argument("-d", "--db", "--database", dest="db", required=True)
    parser.add_argument("--contracts", type=int, default=10_000)
    parser.add_argument("--cdrs", type=int, default=1_000_000)
    parser.add_argument("--core-calls", type=int, default=300_000)
    return parser


def main(argv=None):
    args = build_parser().parse_args(argv)

    core_calls, core_cpu = core_speed(args.core_calls, 1000)

    import odoo
    from odoo import SUPERUSER_ID, api, sql_db
    from odoo.tools import SQL

    odoo.tools.config.parse_config(["-c", args.config, "--log-level=warn"])
    copy = f"{args.db}_bench"
    admin = sql_db.db_connect("postgres")
    drop = SQL("DROP DATABASE IF EXISTS %s", SQL.identifier(copy))
    with admin.cursor() as cr:
        cr._cnx.autocommit = True
        cr.execute(drop)
        cr.execute(
            SQL(
                "CREATE DATABASE %s TEMPLATE %s",
                SQL.identifier(copy),
                SQL.identifier(args.db),
            )
        )
    try:
        registry = odoo.modules.registry.Registry(copy)
        context = {"tracking_disable": True, "mail_create_nolog": True}
        with registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, context)
            began = time.perf_counter()
            populate(env, args.contracts, args.cdrs)
            env.flush_all()
            # Committed like an import would be: CDRs inserted by the same
            # transaction would make every foreign key check fire on UPDATE.
            cr.commit()  # pylint: disable=invalid-commit
            cr.execute("ANALYZE isp_cdr")
            setup_seconds = time.perf_counter() - began
            cr.execute("SELECT count(*) FROM isp_cdr WHERE call_id LIKE 'bench-%%'")
            inserted = cr.fetchone()[0]
        with registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, context)
            service = env["isp.telephony.billing"]
            began = time.perf_counter()
            began_cpu = time.process_time()
            result = service._generate(MONTH, company=env.company)
            env.flush_all()
            seconds = time.perf_counter() - began
            cpu = time.process_time() - began_cpu
            cr.execute(
                """SELECT count(*) FILTER (WHERE billed),
                          count(*) FILTER (WHERE rating_status = 'no_rate'),
                          count(*) FILTER (WHERE rating_status = 'rated')
                     FROM isp_cdr WHERE call_id LIKE 'bench-%%'"""
            )
            billed, no_rate, rated = cr.fetchone()
            began = time.perf_counter()
            again = service._generate(MONTH, company=env.company)
            again_seconds = time.perf_counter() - began
            cr.rollback()
    finally:
        odoo.modules.registry.Registry.delete(copy)
        sql_db.close_db(copy)
        with admin.cursor() as cr:
            cr._cnx.autocommit = True
            cr.execute(drop)
    report = {
        "bench": "rating",
        "core_cdrs": core_calls,
        "core_cpu_seconds": round(core_cpu, 3),
        "core_cdrs_per_s": round(core_calls / core_cpu),
        "billing_contracts": args.contracts,
        "billing_cdrs": inserted,
        "billing_seconds": round(seconds, 1),
        "billing_cpu_seconds": round(cpu, 1),
        "cdrs_rated": rated,
        "cdrs_billed": billed,
        "cdrs_no_rate": no_rate,
        "invoices": len(result["moves"]),
        "invoice_lines": result["lines"],
        "skipped_contracts": len(result["skipped"]),
        "second_run_invoices": len(again["moves"]),
        "second_run_seconds": round(again_seconds, 1),
        "setup_seconds": round(setup_seconds, 1),
        "phases_seconds": result["timings"],
    }
    sys.stdout.write(json.dumps(report) + "\n")


if __name__ == "__main__":
    main()
