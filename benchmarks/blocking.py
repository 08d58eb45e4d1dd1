# Copyright 2026 isp_telephony authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The daily blocking cron over many contracts.

    scripts/bench.sh blocking [--contracts 10000] [--invoices 3000]

Clones --contracts customer contracts (one recurring line each) with SQL,
gives --invoices of them a posted customer invoice whose due date is spread
over the last 60 days (so that about a quarter each end up active, partially
blocked and automatically blocked), then times the daily evaluation twice:
the first run changes many statuses (each tracked in the chatter), the
second is the steady state where nothing changes. Everything is rolled
back. The goal: 10,000 contracts in under a minute."""

import os
import sys
import time
from datetime import timedelta
from unittest.mock import patch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from odoo_env import database_parser, odoo_env, peak_rss_mb, report


def clone_rows(cr, table, template_id, count, overrides=None, join=None, params=None):
    """INSERT ``count`` copies of row ``template_id`` of ``table`` (set-based),
    with SQL expressions in ``overrides``; returns the new ids in order."""
    cr.execute(
        """SELECT column_name FROM information_schema.columns
            WHERE table_name = %s AND column_name != 'id'
              AND is_generated = 'NEVER'""",
        (table,),
    )
    columns = [row[0] for row in cr.fetchall()]
    overrides = overrides or {}
    select = ", ".join(overrides.get(c, f't."{c}"') for c in columns)
    names = ", ".join(f'"{c}"' for c in columns)
    source = join or "generate_series(1, %(count)s) AS g(n)"
    cr.execute(
        f"""INSERT INTO {table} ({names})
            SELECT {select} FROM {table} t, {source}
             WHERE t.id = %(template)s
          ORDER BY 1
         RETURNING id""",
        dict(params or {}, template=template_id, count=count),
    )
    return sorted(row[0] for row in cr.fetchall())


def build_parser():
    return database_parser(
        __doc__,
        [
            (("--contracts",), {"type": int, "default": 10_000}),
            (("--invoices",), {"type": int, "default": 3_000}),
        ],
    )


def no_cron_commits(env):
    """The daily run commits every chunk of contracts; here its work is
    rolled back with the rest, so that the scratch database stays as it was
    (a commit costs next to nothing beside the evaluation)."""
    return patch.object(
        type(env["ir.cron"]), "_telephony_can_commit", return_value=False
    )


def main(argv=None):
    args = build_parser().parse_args(argv)
    with odoo_env(args.config, args.db) as env, no_cron_commits(env):
        from odoo import Command, fields

        company = env.company
        if not env["account.journal"].search(
            [("type", "=", "sale"), ("company_id", "=", company.id)], limit=1
        ):
            env["account.chart.template"].try_loading("generic_coa", company)
        # Notice period 0: the overdue notices are queued by the same run
        # that blocks (with the default 15 days the first run would only
        # notify), so the figures stay those of the status changes.
        company.write(
            {
                "telephony_partial_block_days": 15,
                "telephony_full_block_days": 30,
                "telephony_notice_days": 0,
            }
        )
        product = env["product.product"].create(
            {"name": "Telefone VoIP (bench)", "type": "service", "list_price": 50}
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
                            "product_id": product.id,
                            "name": "Telefone VoIP",
                            "price_unit": 50,
                            "recurring_rule_type": "monthly",
                            "date_start": "2026-01-01",
                        }
                    )
                ],
            }
        )
        env.flush_all()
        cr = env.cr
        start = time.perf_counter()
        contract_ids = clone_rows(
            cr,
            "contract_contract",
            template.id,
            args.contracts - 1,
            {"name": "'Bench ' || g.n"},
        )
        line_ids = clone_rows(
            cr,
            "contract_line",
            template.contract_line_ids.id,
            0,
            {"contract_id": "c.id"},
            join="unnest(%(ids)s::int[]) AS c(id)",
            params={"ids": contract_ids},
        )
        contract_ids.append(template.id)
        line_ids.append(template.contract_line_ids.id)
        env.invalidate_all()
        setup_contracts = time.perf_counter() - start

        start = time.perf_counter()
        today = fields.Date.context_today(template)
        Move = env["account.move"].with_context(tracking_disable=True)
        invoices = Move
        step = max(1, len(line_ids) // max(1, args.invoices))
        chosen = line_ids[::step][: args.invoices]
        for offset in range(0, len(chosen), 500):
            vals_list = []
            for i, line_id in enumerate(chosen[offset : offset + 500], offset):
                due = today - timedelta(days=i % 60)
                vals_list.append(
                    {
                        "move_type": "out_invoice",
                        "partner_id": partner.id,
                        "invoice_date": due,
                        "invoice_date_due": due,
                        "invoice_line_ids": [
                            Command.create(
                                {
                                    "product_id": product.id,
                                    "name": "Telefone VoIP",
                                    "price_unit": 50,
                                    "tax_ids": [Command.clear()],
                                    "contract_line_id": line_id,
                                }
                            )
                        ],
                    }
                )
            batch = Move.create(vals_list)
            batch.action_post()
            invoices |= batch
        env.flush_all()
        setup_invoices = time.perf_counter() - start

        Contract = env["contract.contract"]
        env.invalidate_all()
        start = time.perf_counter()
        changed = Contract._cron_evaluate_service_status()
        env.flush_all()
        first = time.perf_counter() - start

        env.invalidate_all()
        start = time.perf_counter()
        again = Contract._cron_evaluate_service_status()
        env.flush_all()
        steady = time.perf_counter() - start

        evaluated = Contract.search_count([("contract_type", "=", "sale")])
        statuses = dict(
            Contract._read_group(
                [("id", "in", contract_ids)], ["service_status"], ["__count"]
            )
        )
        assert len(again) == 0, "a second run must change nothing"
        assert statuses.get("partial_block") and statuses.get("blocked_auto")

    report(
        {
            "bench": "blocking",
            "contracts": evaluated,
            "overdue_invoices": len(invoices),
            "setup_contracts_seconds": round(setup_contracts, 2),
            "setup_invoices_seconds": round(setup_invoices, 2),
            "status_changes": len(changed),
            "active": statuses.get("active", 0),
            "partial_block": statuses.get("partial_block", 0),
            "blocked_auto": statuses.get("blocked_auto", 0),
            "seconds": round(first, 3),
            "contracts_per_s": round(evaluated / first),
            "steady_seconds": round(steady, 3),
            "steady_contracts_per_s": round(evaluated / steady),
            "under_a_minute": first < 60 and steady < 60,
            "peak_rss_mb": round(peak_rss_mb(), 1),
        }
    )


if __name__ == "__main__":
    main()
