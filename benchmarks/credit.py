# Copyright 2026 isp_telephony authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Spend control after a large CDR import::

    scripts/bench.sh credit [--lines 10000] [--cdrs 100000]

1. Creates ``--lines`` customer contracts with one SIP line each (SQL for the
   lines), all on one plan with a fraud guard (20.00 per rolling hour
   abroad); the lines' credit limits vary: 1 in 50 has 2.00 (it will reach
   it), 1 in 50 has 12.00 (some will be warned), the others 100.00. Not
   timed.
2. Writes an Asterisk Master.csv of ``--cdrs`` calls spread over the lines
   (local, mobile, national, abroad; 1 line in 500 places a burst of
   international calls, the kind a hijacked line makes). Not timed.
3. Baseline, same run: the import of that file with spend control switched
   off, rolled back afterwards: ``baseline_import_seconds``.
4. The import with spend control (as the cron or an upload runs it):
   ``import_seconds`` for the whole run, ``seconds`` for the part spent
   rating the new calls and checking every line they touched (credit limit
   and fraud guard, with the resulting warnings, blocks, notices and
   platform pushes queued). Target: ``seconds`` < 10.

Everything is rolled back. The last line printed is a JSON object with
``lines``, ``new_cdrs``, ``seconds``, ``warned``, ``limited``,
``fraud_blocked`` and details.
"""

import io
import time
from datetime import datetime, timedelta, timezone

from bench_setup import destination_classes, telephony_plan
from blocking import clone_rows
from odoo_env import database_parser, odoo_env, peak_rss_mb, report

# Calls happen in the 72 hours before the run (naive UTC).
NOW = datetime.now(timezone.utc).replace(tzinfo=None, microsecond=0)


def _plan(env):
    """The bench's billing plan with a credit limit of 100.00 and a fraud
    guard of 20.00 per rolling hour abroad."""
    classes = destination_classes(env)
    return telephony_plan(
        env,
        "Bench credit",
        "Bench telephony (credit)",
        [
            {
                "cls": "international",
                "price": 0.25,
                "fee": 0.10,
                "block": 60,
                "step": 60,
            }
        ],
        credit_limit=100.0,
        fraud_hour_limit=20.0,
        fraud_class_ids=[(6, 0, [classes["international"]])],
    )


def populate(env, count):
    """``count`` contracts and lines on the plan; returns (integration, lines
    as [(id, e164)])."""
    cr = env.cr
    company = env.company
    company.write(
        {
            "telephony_timezone": "America/Sao_Paulo",
            "telephony_credit_warning_percent": 80.0,
        }
    )
    integration = env["isp.telephony.integration"].create(
        {
            "name": "Bench credit",
            "gateway": "sandbox",
            "area_code": "31",
            "timezone": "America/Sao_Paulo",
        }
    )
    plan = _plan(env)
    env["isp.number.range"].create(
        {
            "name": "Bench credit range",
            "country_code": "55",
            "area_code": "31",
            "first_number": "30000000",
            "last_number": f"{30000000 + count - 1}",
        }
    )
    # Customers and contracts cloned with SQL (the ORM takes minutes).
    partner = env["res.partner"].create(
        {"name": "Bench customer", "email": "c@bench.example.com"}
    )
    template = env["contract.contract"].create(
        {"name": "Bench", "partner_id": partner.id}
    )
    env.flush_all()
    partner_ids = [partner.id] + clone_rows(
        cr,
        "res_partner",
        partner.id,
        count - 1,
        {
            "name": "'Bench customer ' || g.n",
            "complete_name": "'Bench customer ' || g.n",
            "email": "'c' || g.n || '@bench.example.com'",
        },
    )
    clone_rows(
        cr,
        "contract_contract",
        template.id,
        count - 1,
        {"name": "'Bench ' || g.n", "partner_id": "(%(partners)s::int[])[g.n + 1]"},
        params={"partners": partner_ids},
    )
    env.invalidate_all()
    contracts = env["contract.contract"].search([("name", "=like", "Bench%")])
    env.flush_all()
    # Fresh statistics: the numbers and contracts were all created just now.
    cr.execute("ANALYZE isp_phone_number, contract_contract")
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
               credit_limit, credit_state, line_status)
        SELECT k.id, k.partner_id, k.company_id, md5(random()::text || k.id),
               'active', %s, %s, 'terminal', p.id, p.e164, 1 + k.n %% 25, 2,
               true,
               CASE k.n %% 50 WHEN 0 THEN 2.00 WHEN 1 THEN 12.00 ELSE 100.00 END,
               'none', 'active'
          FROM k JOIN p ON p.n = k.n
        RETURNING id, caller_id_e164
        """,
        [contracts.ids, company.id, plan.id, integration.id],
    )
    lines = sorted(cr.fetchall())
    cr.execute("ANALYZE isp_sip_line")
    return integration, lines


DESTINATIONS = [
    "3132001234",  # local fixed
    "31987654321",  # local mobile
    "2134005678",  # national fixed
    "11987650000",  # national mobile
    "3133334444",
    "190",  # emergency
    "08007771234",  # toll-free
    "0012025550123",  # abroad
]


def master_csv(lines, cdrs):
    """Master.csv text: ``cdrs`` calls over ``lines``, local times (UTC-3)."""
    local_now = NOW - timedelta(hours=3)
    rows = []
    count = len(lines)
    for g in range(cdrs):
        line_index = g % count
        _line_id, e164 = lines[line_index]
        src = e164[3:]
        if line_index % 500 == 0:
            # A hijacked line: international calls, 10 minutes each,
            # starting every 5 minutes.
            dst = DESTINATIONS[-1]
            talk = 600
            start = local_now - timedelta(hours=5) + timedelta(minutes=5 * (g // count))
        else:
            dst = DESTINATIONS[(g // count + line_index) % len(DESTINATIONS)]
            talk = 0 if (g // count * 3 + line_index) % 5 == 0 else 1 + (g * 31) % 600
            start = local_now - timedelta(seconds=60 + (g * 7919) % (72 * 3600))
        status = "ANSWERED" if talk else "NO ANSWER"
        end = start + timedelta(seconds=talk + 5)
        answer = start + timedelta(seconds=5) if talk else ""
        rows.append(
            f'"","{src}","{dst}","from-internal","","SIP/b-{g:07d}","","Dial","",'
            f'"{start}","{answer}","{end}",{talk + 5},{talk},"{status}",'
            f'"DOCUMENTATION","credit.{g}",""\n'
        )
    return "".join(rows).encode()


def build_parser():
    return database_parser(
        __doc__,
        [
            (("--lines",), {"type": int, "default": 10_000}),
            (("--cdrs",), {"type": int, "default": 100_000}),
        ],
    )


def main(argv=None):
    args = build_parser().parse_args(argv)
    with odoo_env(args.config, args.db) as env:
        began = time.perf_counter()
        integration, lines = populate(env, args.lines)
        data = master_csv(lines, args.cdrs)
        setup_seconds = time.perf_counter() - began
        layout = env.ref("isp_telephony.cdr_layout_asterisk_master_csv")
        Import = env["isp.cdr.import"]
        Spend = type(env["isp.telephony.spend"])
        Rating = type(env["isp.telephony.rating"])
        timed = {"seconds": 0.0, "counts": None, "rating": 0.0}
        original = Spend._check_spend
        original_rating = Rating._rate_lines

        def rating_measured(self, *args, **kwargs):
            started = time.perf_counter()
            result = original_rating(self, *args, **kwargs)
            timed["rating"] += time.perf_counter() - started
            return result

        def switched_off(self, line_ids, new_calls=None, now=None, origin=None):
            return {}

        def measured(self, line_ids, new_calls=None, now=None, origin=None):
            started = time.perf_counter()
            counts = original(self, line_ids, new_calls, now, origin)
            env.flush_all()
            timed["seconds"] += time.perf_counter() - started
            timed["counts"] = counts
            return counts

        # 3. Baseline: the same import without spend control, rolled back.
        env.cr.execute("SAVEPOINT credit_baseline")
        Spend._check_spend = switched_off
        started = time.perf_counter()
        run = Import._import_upload(
            integration, layout, io.BytesIO(data), "baseline-Master.csv"
        )
        env.flush_all()
        baseline = time.perf_counter() - started
        assert run.state == "done", run.message
        baseline_imported = run.count_imported
        env.cr.execute("ROLLBACK TO SAVEPOINT credit_baseline")
        env.invalidate_all()
        # 4. The import with spend control.
        Spend._check_spend = measured
        Rating._rate_lines = rating_measured
        try:
            started = time.perf_counter()
            run = Import._import_upload(
                integration, layout, io.BytesIO(data), "credit-Master.csv"
            )
            env.flush_all()
            import_seconds = time.perf_counter() - started
        finally:
            Spend._check_spend = original
            Rating._rate_lines = original_rating
        assert run.state == "done", run.message
        counts = timed["counts"] or {}
        env.cr.execute(
            """
            SELECT count(*) FILTER (WHERE rating_status IS NULL
                                     OR rating_status = 'unrated'),
                   count(*) FILTER (WHERE rating_status = 'rated')
              FROM isp_cdr WHERE import_id = %s
            """,
            [run.id],
        )
        unrated, rated = env.cr.fetchone()
        env.cr.execute(
            "SELECT count(*) FROM queue_job"
            " WHERE state = 'pending' AND telephony_sip_line_id IS NOT NULL"
        )
        pending_jobs = env.cr.fetchone()[0]
        report(
            {
                "bench": "credit",
                "lines": len(lines),
                "new_cdrs": run.count_imported,
                "seconds": round(timed["seconds"], 2),
                "rating_seconds": round(timed["rating"], 2),
                "checking_seconds": round(timed["seconds"] - timed["rating"], 2),
                "warned": counts.get("warned", 0),
                "limited": counts.get("limited", 0),
                "fraud_blocked": counts.get("fraud_blocked", 0),
                "lines_checked": counts.get("lines", 0),
                "rated_cdrs": rated,
                "left_unrated": unrated,
                "import_seconds": round(import_seconds, 2),
                "baseline_import_seconds": round(baseline, 2),
                "baseline_cdrs": baseline_imported,
                "platform_jobs_queued": pending_jobs,
                "setup_seconds": round(setup_seconds, 1),
                "peak_rss_mb": round(peak_rss_mb()),
            }
        )


if __name__ == "__main__":
    main()
