# Copyright 2026 isp_telephony authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The cycles a month close bills: the cycle each line closes in the month,
rated, and its calls not yet charged summed per contract and plan, with the
franchise used and allowed per bucket (and why a contract cannot be
charged)."""

import time
from datetime import date

from odoo import api, models

from ..tools import billing
from . import isp_telephony_rating as rating_service
from .isp_telephony_rating import copy_rows

# The month's cycle of each line, and the charge its calls go to, are
# COPYed into a temporary table and ANALYZEd: with real statistics the joins
# below hash-join it with isp_cdr (one pass), where a join with unnest(...)
# parameters could get nested loops over the whole table.
_CREATE_CYCLES = """
CREATE TEMP TABLE IF NOT EXISTS isp_billing_cycle (
    line_id int PRIMARY KEY, s timestamp, e timestamp, target_id int
) ON COMMIT DROP;
TRUNCATE isp_billing_cycle;
"""
_COPY_CYCLES = "COPY isp_billing_cycle FROM STDIN"
_AGGREGATE = """
SELECT l.contract_id, l.billing_plan_id,
       count(*), COALESCE(sum(c.billsec), 0), COALESCE(sum(c.rounded_seconds), 0),
       COALESCE(sum(c.franchise_seconds), 0), COALESCE(sum(c.excess_seconds), 0),
       COALESCE(sum(c.charge), 0),
       count(*) FILTER (WHERE c.rating_status = 'no_rate'),
       count(*) FILTER (WHERE c.rating_status IS NULL
                          OR c.rating_status = 'unrated')
  FROM isp_billing_cycle b
  JOIN isp_cdr c ON c.line_id = b.line_id
       AND c.connect_time >= b.s AND c.connect_time < b.e
  JOIN isp_sip_line l ON l.id = c.line_id
 WHERE c.charge_id IS NULL AND c.invoice_id IS NULL
 GROUP BY 1, 2
"""
_LINES_TO_RATE = """
SELECT b.line_id
  FROM isp_billing_cycle b
 WHERE EXISTS (SELECT 1 FROM isp_cdr c
                WHERE c.line_id = b.line_id
                  AND c.connect_time >= b.s AND c.connect_time < b.e
                  AND c.charge_id IS NULL AND c.invoice_id IS NULL)
"""
_FRANCHISE = """
SELECT l.contract_id, c.bucket_id, sum(c.franchise_seconds)
  FROM isp_billing_cycle b
  JOIN isp_cdr c ON c.line_id = b.line_id
       AND c.connect_time >= b.s AND c.connect_time < b.e
  JOIN isp_sip_line l ON l.id = c.line_id
 WHERE c.bucket_id IS NOT NULL
 GROUP BY 1, 2
"""

# The close writes each call once. The rater leaves the result of every
# call not yet charged in the temporary table isp_cdr_rating_result
# (isp_telephony_rating.py, ``keep``): the sums per contract and plan, and
# the totals of the new charges, are read from it, not from isp_cdr.
_AGGREGATE_RESULTS = """
SELECT l.contract_id, l.billing_plan_id,
       count(*), sum(v.bs), sum(v.rs), sum(v.fs), sum(v.es),
       sum(v.cm::numeric / power(10::numeric, v.dg)),
       count(*) FILTER (WHERE v.st = 'no_rate'),
       count(*) FILTER (WHERE v.st IS NULL OR v.st = 'unrated')
  FROM isp_cdr_rating_result v
  JOIN isp_sip_line l ON l.id = v.ln
 GROUP BY 1, 2
"""


class IspTelephonyBillingCycles(models.AbstractModel):
    _inherit = "isp.telephony.billing"

    @api.model
    def _line_cycles(self, billing_month, contract_ids=None, company=None):
        """``{line_id: (contract_id, plan_id, start_utc, end_utc, reset,
        first_day, last_day, company_id)}`` for every line with a plan: the
        cycle it closes in the month (UTC bounds, local dates)."""
        self.env.flush_all()
        query = """
            SELECT l.id, l.contract_id, l.billing_plan_id, l.due_day, l.company_id
              FROM isp_sip_line l
             WHERE l.billing_plan_id IS NOT NULL AND l.contract_id IS NOT NULL
        """
        params = []
        if contract_ids is not None:
            query += " AND l.contract_id = ANY(%s)"
            params.append(list(contract_ids))
        if company:
            query += " AND l.company_id = %s"
            params.append(company.id)
        self.env.cr.execute(query, params)
        rows = self.env.cr.fetchall()
        companies = self.env["res.company"].sudo().browse({r[4] for r in rows})
        zones = {c.id: c.telephony_timezone or "UTC" for c in companies}
        month = billing.month_start(billing_month)
        cache = {}
        cycles = {}
        for line_id, contract_id, plan_id, due_day, company_id in rows:
            key = (due_day, zones[company_id])
            if key not in cache:
                start, end = billing.billing_cycle(month, due_day, key[1])
                first, last, reset = billing.cycle_dates(month, due_day)
                cache[key] = (start, end, reset, first, last)
            cycles[line_id] = (contract_id, plan_id, *cache[key], company_id)
        return cycles

    @staticmethod
    def _arrays(cycles, ids=None):
        ids = list(cycles) if ids is None else ids
        return [ids, [cycles[i][2] for i in ids], [cycles[i][3] for i in ids]]

    def _load_cycles(self, cycles, targets=None):
        """Fill the temporary table isp_billing_cycle (see _CREATE_CYCLES);
        ``targets``: ``{line_id: charge_id}``."""
        cr = self.env.cr
        targets = targets or {}
        cr.execute(_CREATE_CYCLES)
        copy_rows(
            cr,
            _COPY_CYCLES,
            [
                (line_id, c[2], c[3], targets.get(line_id))
                for line_id, c in cycles.items()
            ],
        )
        cr.execute("ANALYZE isp_billing_cycle")

    @api.model
    def _summaries(
        self,
        billing_month,
        contract_ids=None,
        company=None,
        rate=True,
        cycles=None,
        timings=None,
    ):
        """Rate the month's cycles (unless ``rate`` is False) and sum the
        calls not yet charged per contract. Returns ``(cycles, {contract_id:
        dict})``; each dict has ``plans``: ``{plan_id: calls}``."""
        if cycles is None:
            cycles = self._line_cycles(billing_month, contract_ids, company)
        if not cycles:
            return cycles, {}
        cr = self.env.cr
        self._load_cycles(cycles)
        if rate:
            # Only cycles holding calls not yet charged: a second close of
            # the month re-rates nothing.
            cr.execute(_LINES_TO_RATE)
            todo = [row[0] for row in cr.fetchall()]
            bounds = {line: cycles[line][2:4] for line in todo}
            clock = time.perf_counter()
            self.env["isp.telephony.rating"]._rate_lines(todo, bounds=bounds)
            if timings is not None:
                timings["rating"] = round(time.perf_counter() - clock, 2)
        cr.execute(_AGGREGATE)
        summaries = self._summaries_from_rows(cr.fetchall())
        for cycle in cycles.values():
            summary = summaries.get(cycle[0])
            if summary and cycle[4] > summary["reset"]:
                summary["reset"] = cycle[4]
        self._add_franchise(cycles, summaries)
        return cycles, summaries

    @staticmethod
    def _summaries_from_rows(rows):
        """``{contract_id: summary}`` from rows of _AGGREGATE (contract,
        plan, calls, seconds talked, rounded, franchise, excess, amount, no
        rate, unrated)."""
        summaries = {}
        for (
            contract_id,
            plan_id,
            calls,
            billsec,
            rounded,
            franchise,
            excess,
            charge,
            no_rate,
            unrated,
        ) in rows:
            summary = summaries.setdefault(
                contract_id,
                {
                    "contract_id": contract_id,
                    "calls": 0,
                    "billsec": 0,
                    "rounded": 0,
                    "franchise": 0,
                    "excess": 0,
                    "amount": 0.0,
                    "no_rate": 0,
                    "unrated": 0,
                    "plans": {},
                    "buckets": {},
                    "reset": date.min,
                },
            )
            summary["calls"] += calls
            summary["billsec"] += billsec
            summary["rounded"] += rounded
            summary["franchise"] += franchise
            summary["excess"] += excess
            summary["amount"] += float(charge)
            summary["no_rate"] += no_rate
            summary["unrated"] += unrated
            summary["plans"][plan_id] = (calls, float(charge))
        return summaries

    def _allowances(self, cycles):
        """``{(contract_id, plan_id): {bucket: allowance seconds}}``: each
        bucket times the contract's lines on the plan."""
        buckets = self.env["isp.telephony.plan.bucket"].sudo()
        by_plan = {}
        plan_ids = {c[1] for c in cycles.values()}
        for bucket in buckets.search([("plan_id", "in", list(plan_ids))]):
            by_plan.setdefault(bucket.plan_id.id, []).append(bucket)
        allowance = {}
        for cycle in cycles.values():
            slot = allowance.setdefault((cycle[0], cycle[1]), {})
            for bucket in by_plan.get(cycle[1], ()):
                slot[bucket] = slot.get(bucket, 0) + bucket.allowance_seconds
        return allowance

    def _add_franchise(self, cycles, summaries):
        """Per contract and bucket: [used seconds, allowance seconds]."""
        cr = self.env.cr
        for (contract_id, _plan), slots in self._allowances(cycles).items():
            summary = summaries.get(contract_id)
            if summary is None:
                continue
            for bucket, seconds in slots.items():
                summary["buckets"].setdefault(bucket.id, [0, 0])[1] += seconds
        cr.execute(_FRANCHISE)
        for contract_id, bucket_id, used in cr.fetchall():
            summary = summaries.get(contract_id)
            if summary is not None:
                summary["buckets"].setdefault(bucket_id, [0, 0])[0] += used

    @api.model
    def _blocking_reason(self, summary):
        if summary["no_rate"]:
            return self.env._(
                "%s calls have no rate: add a rate to the plan, then run again.",
                summary["no_rate"],
            )
        if summary["unrated"]:
            return self.env._("%s calls could not be rated.", summary["unrated"])
        return ""

    def _rate_for_close(self, cycles, timings):
        """Rate the cycles holding calls not yet charged, keeping every
        result in isp_cdr_rating_result (nothing written yet), and sum them
        per contract: ``{contract_id: summary}`` as ``_summaries``."""
        cr = self.env.cr
        self._load_cycles(cycles)
        # Only cycles holding calls not yet charged (the (line, connect
        # time) index, filtered on charge_id): a second close rates nothing.
        cr.execute(_LINES_TO_RATE)
        todo = [row[0] for row in cr.fetchall()]
        if not todo:
            return {}
        bounds = {line: cycles[line][2:4] for line in todo}
        clock = time.perf_counter()
        cr.execute(rating_service.CREATE_RESULTS)
        self.env["isp.telephony.rating"]._rate_lines(todo, bounds=bounds, keep=True)
        timings["rating"] = round(time.perf_counter() - clock, 2)
        cr.execute(_AGGREGATE_RESULTS)
        summaries = self._summaries_from_rows(cr.fetchall())
        for cycle in cycles.values():
            summary = summaries.get(cycle[0])
            if summary and cycle[4] > summary["reset"]:
                summary["reset"] = cycle[4]
        return summaries
