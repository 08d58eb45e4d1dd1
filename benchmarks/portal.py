# Copyright 2026 isp_telephony authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The customer portal with a busy line.

    scripts/bench.sh portal [--calls 5000] [--no-pdf] [--profile]

One customer (a portal user) with one line whose current cycle holds
--calls rated calls, and as many in the previous cycle. Timed as the
customer (record rules applied): what /my/telephony computes (the current
cycle's figures per bucket and the list of statements), the call statement
of the cycle as HTML and, unless --no-pdf, as the PDF the portal sends
(wkhtmltopdf). Baseline, in the same run: the same current-cycle figures
through the ORM (_read_group on the calls, record rules applied). Rolled
back at the end. --profile prints to stderr where the warm HTML render of
the statement spends its time (cProfile, top functions by own time)."""

import cProfile
import io
import os
import pstats
import sys
import time
from datetime import datetime, timedelta, timezone
from unittest.mock import patch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from billing import telephony_plan
from odoo_env import database_parser, odoo_env, peak_rss_mb, report


def cycle_bounds(line, now):
    """UTC bounds of the line's cycle that holds ``now``."""
    from odoo.addons.isp_telephony.tools.rating import cycle_bounds as bounds

    return bounds(now, line.due_day, line.company_id.telephony_timezone or "UTC")


def populate(env, calls):
    company = env.company
    company.telephony_timezone = "America/Sao_Paulo"
    integration = env["isp.telephony.integration"].create(
        {"name": "Bench portal", "gateway": "sandbox", "area_code": "31"}
    )
    plan = telephony_plan(env)
    env["isp.number.range"].create(
        {
            "name": "Bench portal range",
            "country_code": "55",
            "area_code": "31",
            "first_number": "39990000",
            "last_number": "39990009",
        }
    )
    partner = env["res.partner"].create({"name": "Bench portal customer"})
    contract = env["contract.contract"].create(
        {"name": "Bench portal", "partner_id": partner.id}
    )
    number = env["isp.phone.number"].search(
        [("e164", "=", "+553139990001"), ("company_id", "=", company.id)]
    )
    line = env["isp.sip.line"].create(
        {
            "contract_id": contract.id,
            "integration_id": integration.id,
            "caller_id_number_id": number.id,
            "billing_plan_id": plan.id,
            "due_day": 1,
        }
    )
    line.write({"state": "active"})
    env.flush_all()
    now = datetime.now(timezone.utc).replace(tzinfo=None)
    start, _end = cycle_bounds(line, now)
    previous = start - timedelta(days=21)
    # Calls spread over the elapsed part of the cycle (at least a day) and
    # over 20 days of the previous one; local, mobile and national numbers.
    span = max(int((now - start).total_seconds()) - 60, 86400)
    env.cr.execute(
        """
        INSERT INTO isp_cdr (integration_id, company_id, call_id, direction,
               ani_e164, dnis_e164, detect_time, connect_time, billsec,
               disposition, line_id, contract_id, partner_id)
        SELECT %(integration)s, %(company)s, 'bench-portal-' || g.n, 'out',
               '+553139990001',
               CASE g.n %% 3 WHEN 0 THEN '+5531333' ELSE '+55319876' END
                   || lpad((g.n %% 10000)::text, 5, '0'),
               t.at, t.at, 5 + g.n %% 300, 'answered',
               %(line)s, %(contract)s, %(partner)s
          FROM generate_series(1::bigint, %(total)s) AS g(n)
          CROSS JOIN LATERAL (
                SELECT CASE WHEN g.n <= %(calls)s
                   THEN %(start)s::timestamp
                        + (g.n * %(span)s / %(calls)s) * interval '1 second'
                   ELSE %(previous)s::timestamp
                        + ((g.n - %(calls)s) * 1728000 / %(calls)s)
                        * interval '1 second' END AS at) t
        """,
        {
            "integration": integration.id,
            "company": company.id,
            "line": line.id,
            "contract": contract.id,
            "partner": partner.id,
            "total": 2 * calls,
            "calls": calls,
            "start": start,
            "span": span,
            "previous": previous,
        },
    )
    env["isp.telephony.rating"]._rate_lines([line.id])
    env.flush_all()
    portal = env["res.users"].create(
        {
            "name": "Bench portal user",
            "login": "bench_portal_user",
            "partner_id": partner.id,
            "groups_id": [(6, 0, [env.ref("base.group_portal").id])],
        }
    )
    return portal, line, contract, start


def timed(func, repeat=3):
    """Best of ``repeat`` runs, in milliseconds, and the last result."""
    best, result = None, None
    for _ in range(repeat):
        began = time.perf_counter()
        result = func()
        elapsed = (time.perf_counter() - began) * 1000
        best = elapsed if best is None else min(best, elapsed)
    return round(best, 1), result


def build_parser():
    return database_parser(
        __doc__,
        [
            (("--calls",), {"type": int, "default": 5000}),
            (("--no-pdf",), {"action": "store_true"}),
            (("--profile",), {"action": "store_true"}),
        ],
    )


def main(argv=None):
    args = build_parser().parse_args(argv)
    with odoo_env(args.config, args.db) as env:
        portal, line, contract, _start = populate(env, args.calls)
        as_customer = env(user=portal.id)
        Line = as_customer["isp.sip.line"]

        def page_data():
            lines = Line.search([])
            return lines._current_cycle_usage(), lines._statement_cycles()

        page_ms, (usage, cycles) = timed(page_data)
        lines = Line.search([])
        usage_ms, _usage = timed(lines._current_cycle_usage)
        figures = usage[line.id]
        if figures["calls"] != args.calls:
            raise SystemExit(f"{figures['calls']} calls in the cycle, not {args.calls}")

        def baseline():
            Cdr = as_customer["isp.cdr"]
            cycle_start, cycle_end = cycle_bounds(
                line, datetime.now(timezone.utc).replace(tzinfo=None)
            )
            return Cdr._read_group(
                [
                    ("line_id", "=", line.id),
                    ("connect_time", ">=", cycle_start),
                    ("connect_time", "<", cycle_end),
                ],
                ["bucket_id"],
                ["__count", "billsec:sum", "charge:sum", "franchise_seconds:sum"],
            )

        baseline_ms, _groups = timed(baseline)
        month = cycles[contract.id][0]["month"]
        report_model = env["ir.actions.report"]
        data = {"contract_id": contract.id, "billing_month": f"{month}-01"}

        def statement_html():
            return report_model._render_qweb_html(
                "isp_telephony.action_report_call_statement", [], data=data
            )

        # First render compiles the templates; the second is what a
        # customer waits for.
        cold_html_ms, _html = timed(statement_html, repeat=1)
        html_ms, _html = timed(statement_html, repeat=1)
        if args.profile:
            profiler = cProfile.Profile()
            profiler.runcall(statement_html)
            out = io.StringIO()
            stats = pstats.Stats(profiler, stream=out)
            stats.sort_stats("tottime").print_stats(25)
            stats.sort_stats("cumulative").print_stats(25)
            sys.stderr.write(out.getvalue())
        pdf_ms, pdf_bytes, wkhtmltopdf_ms, pages = None, 0, None, None
        if not args.no_pdf:
            # How much of the PDF is wkhtmltopdf's own time.
            spent = []
            run = type(report_model)._run_wkhtmltopdf

            def timed_run(self, *run_args, **run_kwargs):
                began = time.perf_counter()
                try:
                    return run(self, *run_args, **run_kwargs)
                finally:
                    spent.append(time.perf_counter() - began)

            began = time.perf_counter()
            with patch.object(type(report_model), "_run_wkhtmltopdf", timed_run):
                pdf, _type = report_model.with_context(
                    force_report_rendering=True
                )._render_qweb_pdf(
                    "isp_telephony.action_report_call_statement", [], data=data
                )
            pdf_ms = round((time.perf_counter() - began) * 1000, 1)
            wkhtmltopdf_ms = round(sum(spent) * 1000, 1)
            pdf_bytes = len(pdf)
            pages = pdf.count(b"/Type /Page") - pdf.count(b"/Type /Pages")
        report(
            {
                "bench": "portal",
                "calls_in_cycle": args.calls,
                "calls_total": 2 * args.calls,
                "page_data_ms": page_ms,
                "current_cycle_usage_ms": usage_ms,
                "baseline_orm_read_group_ms": baseline_ms,
                "statement_cycles": len(cycles[contract.id]),
                "franchise_used_s": [b["used_seconds"] for b in figures["buckets"]],
                "statement_html_cold_ms": cold_html_ms,
                "statement_html_ms": html_ms,
                "statement_pdf_ms": pdf_ms,
                "statement_pdf_wkhtmltopdf_ms": wkhtmltopdf_ms,
                "statement_pdf_pages": pages,
                "statement_pdf_bytes": pdf_bytes,
                "peak_rss_mb": round(peak_rss_mb(), 1),
            }
        )


if __name__ == "__main__":
    main()
