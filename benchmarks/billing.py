# Copyright 2026 isp_telephony authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Closing a telephony month, and the contract invoicing that carries its
charges.

    scripts/bench.sh billing [--contracts 10000] [--cdrs 1000000]
                             [--invoicing 2000]

Clones --contracts customer contracts (one monthly internet line each, next
invoice on 5 March 2026) with SQL, gives each a SIP line on one billing plan
(due days 1-25) and inserts --cdrs calls spread over the cycles closed in
March 2026, never rated, as an import leaves them. Then, in the same run:

1. ``close_seconds``: the scheduled close of March (rating included), in
   chunks of contracts as the cron runs it;
2. ``reclose_seconds``: the same close again, which must add nothing;
3. the contract invoicing (OCA ``_recurring_create_invoice``) of
   --invoicing of those contracts, once with their telephony charges
   (``invoicing_seconds_with``) and, before and after it, for the same
   contracts with the charges set aside (``invoicing_seconds_without``: the
   mean of the two), after a warm-up on other contracts, each rolled back
   to a savepoint.

All of it in a throw-away copy of the database, dropped at the end. The
last line is one JSON object.
"""

import contextlib
import os
import sys
import time
from datetime import date

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import bench_setup
from bench_setup import destination_classes
from blocking import clone_rows
from odoo_env import database_parser, peak_rss_mb, report

MONTH = date(2026, 3, 1)
WARM_UP_CONTRACTS = 50


def telephony_plan(env):
    """The bench's billing plan: a 30-minute fixed franchise, rates for
    every class, prefixes and a default."""
    classes = destination_classes(env)
    return bench_setup.telephony_plan(
        env,
        "Bench 30 min",
        "Bench telephony overage",
        [
            {"cls": "toll_free", "price": 0.0},
            {"cls": "non_geographic", "price": 0.35, "block": 60, "step": 60},
            {"prefix": "1", "price": 0.25, "fee": 0.10, "block": 60, "step": 1},
            {"prefix": "44", "price": 0.30, "fee": 0.10, "block": 60, "step": 1},
        ],
        bucket_ids=[
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
    )


def populate_cdrs(env, contract_ids, plan, cdrs):
    """A SIP line on ``plan`` for each contract (due days 1-25) and ``cdrs``
    calls, inserted with SQL, never rated."""
    cr = env.cr
    company = env.company
    integration = env["isp.telephony.integration"].create(
        {"name": "Bench", "gateway": "sandbox", "area_code": "31"}
    )
    env["isp.number.range"].create(
        {
            "name": "Bench range",
            "country_code": "55",
            "area_code": "31",
            "first_number": "30000000",
            "last_number": f"{30000000 + len(contract_ids) - 1}",
        }
    )
    env.flush_all()
    records = env["contract.contract"].browse(contract_ids)
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
               caller_id_number_id, caller_id_e164, due_day, call_limit, active,
               credit_state, line_status)
        SELECT k.id, k.partner_id, k.company_id, md5(random()::text || k.id),
               'active', %s, %s, 'terminal', p.id, p.e164, 1 + k.n %% 25, 2, true,
               'none', 'active'
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


def populate(env, contracts, cdrs):
    """Contracts with an internet line, a SIP line each, and the CDRs."""
    from odoo import Command

    cr = env.cr
    company = env.company
    if not env["account.journal"].search(
        [("type", "=", "sale"), ("company_id", "=", company.id)], limit=1
    ):
        env["account.chart.template"].try_loading("generic_coa", company)
    company.write(
        {
            "telephony_timezone": "America/Sao_Paulo",
            "telephony_separate_invoice": False,
            "telephony_invoice_wait_days": 0,
        }
    )
    internet = env["product.product"].create(
        {"name": "Internet (bench)", "type": "service", "list_price": 99}
    )
    partner = env["res.partner"].create({"name": "Bench customer"})
    template = env["contract.contract"].create(
        {
            "name": "Bench",
            "partner_id": partner.id,
            "line_recurrence": True,
            "contract_line_ids": [
                Command.create(
                    {
                        "product_id": internet.id,
                        "name": "Internet",
                        "price_unit": 99,
                        "recurring_rule_type": "monthly",
                        "date_start": "2026-03-05",
                        "recurring_next_date": "2026-03-05",
                    }
                )
            ],
        }
    )
    env.flush_all()
    contract_ids = clone_rows(
        cr,
        "contract_contract",
        template.id,
        contracts - 1,
        {"name": "'Bench ' || g.n"},
    )
    clone_rows(
        cr,
        "contract_line",
        template.contract_line_ids.id,
        0,
        {"contract_id": "c.id"},
        join="unnest(%(ids)s::int[]) AS c(id)",
        params={"ids": contract_ids},
    )
    contract_ids.append(template.id)
    env.invalidate_all()
    plan = telephony_plan(env)
    populate_cdrs(env, sorted(contract_ids), plan, cdrs)
    return sorted(contract_ids)


def invoice_seconds(env, contracts, without_telephony=False):
    """Seconds of OCA's contract invoicing of ``contracts`` (flush
    included), rolled back; with ``without_telephony`` their charges are
    set aside first. Returns (seconds, invoices, telephony lines)."""
    cr = env.cr
    env.flush_all()
    cr.execute("SAVEPOINT bench_invoicing")
    if without_telephony:
        cr.execute(
            "UPDATE isp_telephony_charge SET state = 'cancelled'"
            " WHERE contract_id = ANY(%s) AND state = 'to_invoice'",
            [contracts.ids],
        )
        env.invalidate_all()
    began = time.perf_counter()
    moves = contracts._recurring_create_invoice()
    env.flush_all()
    seconds = time.perf_counter() - began
    lines = len(moves.invoice_line_ids.filtered("telephony_charge_id"))
    count = len(moves)
    cr.execute("ROLLBACK TO SAVEPOINT bench_invoicing")
    env.invalidate_all()
    return seconds, count, lines


@contextlib.contextmanager
def scratch_copy(config, db):
    """An Odoo registry on a throw-away copy (``CREATE DATABASE ...
    TEMPLATE``) of ``db``, dropped at the end: the set-up is committed, as
    an import commits its calls (rows updated in the transaction that
    inserted them cost several times more to update again)."""
    import odoo
    from odoo import sql_db
    from odoo.tools import SQL

    odoo.tools.config.parse_config(["-c", config, "--log-level=warn"])
    copy = f"{db}_copy"
    admin = sql_db.db_connect("postgres")
    drop = SQL("DROP DATABASE IF EXISTS %s", SQL.identifier(copy))
    with admin.cursor() as cr:
        cr._cnx.autocommit = True
        cr.execute(drop)
        cr.execute(
            SQL(
                "CREATE DATABASE %s TEMPLATE %s",
                SQL.identifier(copy),
                SQL.identifier(db),
            )
        )
    try:
        yield odoo.modules.registry.Registry(copy)
    finally:
        odoo.modules.registry.Registry.delete(copy)
        sql_db.close_db(copy)
        with admin.cursor() as cr:
            cr._cnx.autocommit = True
            cr.execute(drop)


def build_parser():
    return database_parser(
        __doc__.split("\n", 1)[0],
        [
            (("--contracts",), {"type": int, "default": 10_000}),
            (("--cdrs",), {"type": int, "default": 1_000_000}),
            (("--invoicing",), {"type": int, "default": 2_000}),
        ],
    )


def main(argv=None):
    args = build_parser().parse_args(argv)
    from odoo import SUPERUSER_ID, api

    context = {"tracking_disable": True, "mail_create_nolog": True}
    with scratch_copy(args.config, args.db) as registry:
        with registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, context)
            began = time.perf_counter()
            contract_ids = populate(env, args.contracts, args.cdrs)
            env.flush_all()
            cr.commit()  # pylint: disable=invalid-commit
            cr.execute("ANALYZE")
            setup_seconds = time.perf_counter() - began
            cr.execute("SELECT count(*) FROM isp_cdr WHERE call_id LIKE 'bench-%%'")
            inserted = cr.fetchone()[0]

        with registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, context)
            service = env["isp.telephony.billing"]
            began = time.perf_counter()
            began_cpu = time.process_time()
            # As the scheduled action runs it: a commit per chunk.
            totals = service._close_in_chunks(MONTH, env.company, commit=True)
            close_seconds = time.perf_counter() - began
            close_cpu = time.process_time() - began_cpu
            began = time.perf_counter()
            again = service._close_in_chunks(MONTH, env.company, commit=True)
            reclose_seconds = time.perf_counter() - began
            cr.execute(
                """SELECT count(*) FILTER (WHERE charge_id IS NOT NULL),
                          count(*) FILTER (WHERE rating_status = 'no_rate')
                     FROM isp_cdr WHERE call_id LIKE 'bench-%%'"""
            )
            charged, no_rate = cr.fetchone()
            cr.execute(
                "SELECT contract_id FROM isp_telephony_charge"
                " WHERE state = 'to_invoice' ORDER BY contract_id"
            )
            with_charges = [row[0] for row in cr.fetchall()]

            Contract = env["contract.contract"]
            chosen = Contract.browse(with_charges[WARM_UP_CONTRACTS:][: args.invoicing])
            warm = Contract.browse(with_charges[:WARM_UP_CONTRACTS])
            # Without, with, without again: each run leaves the rolled-back
            # rows of the previous ones behind (dead tuples), so the runs
            # without telephony bracket the run with it; their mean is the
            # baseline.
            invoice_seconds(env, warm)
            before, moves_without, _none = invoice_seconds(
                env, chosen, without_telephony=True
            )
            with_, moves_with, lines = invoice_seconds(env, chosen)
            after, _count, _none = invoice_seconds(env, chosen, without_telephony=True)
            without = (before + after) / 2
            cr.rollback()

    report(
        {
            "bench": "billing",
            "close_contracts": len(contract_ids),
            "close_cdrs": inserted,
            "close_seconds": round(close_seconds, 1),
            "close_cpu_seconds": round(close_cpu, 1),
            "close_charges": totals["charges"],
            "close_cdrs_charged": charged,
            "close_cdrs_no_rate": no_rate,
            "close_skipped_contracts": totals["skipped"],
            "reclose_seconds": round(reclose_seconds, 1),
            "reclose_charges": again["charges"],
            "invoicing_contracts": len(chosen),
            "invoicing_invoices": moves_with,
            "invoicing_telephony_lines": lines,
            "invoicing_seconds_with": round(with_, 1),
            "invoicing_seconds_without": round(without, 1),
            "invoicing_ratio": round(with_ / without, 2) if without else None,
            "invoicing_invoices_without": moves_without,
            "invoicing_seconds_without_before": round(before, 1),
            "invoicing_seconds_without_after": round(after, 1),
            "close_phases_seconds": totals["timings"],
            "setup_seconds": round(setup_seconds, 1),
            "peak_rss_mb": round(peak_rss_mb()),
        }
    )


if __name__ == "__main__":
    main()
