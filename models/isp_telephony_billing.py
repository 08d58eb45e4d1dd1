# Copyright 2026 isp_telephony authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Closing a telephony billing month: rate the cycle each line closes in
the month, then record per contract (and plan) a telephony charge linked
to every call it bills. The contract's next recurring invoice carries the
charge (see contract_contract.py); some charges get a separate invoice.

Set-based: one SQL aggregate for every contract, the charges inserted by
one INSERT ... SELECT, the calls linked by one UPDATE, the totals by one
UPDATE. A lock per company and a unique key per (contract, month, plan,
sequence) make double billing impossible."""

import logging
import time
from datetime import date

from odoo import api, models
from odoo.exceptions import UserError

from ..tools import billing
from . import isp_telephony_rating as rating_service
from .isp_telephony_charge import CHARGE_CALLS
from .isp_telephony_rating import copy_rows

_logger = logging.getLogger(__name__)

# First key of the transaction-level advisory lock a close takes per
# company (the second key is the company id): two closes of one company
# never run at once; the second is refused with a message. Chunk jobs take
# it shared, so the chunks of one company run side by side, and lock their
# own contracts (CONTRACT_CLOSE_LOCK, contract id) exclusively.
CLOSE_LOCK = 0x15B1C105
CONTRACT_CLOSE_LOCK = 0x15B1C106
# Statuses a CDR must have to be charged; unrated and no_rate block the
# contract (never a silent zero).
BILLABLE = ("rated", "free")

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

# New charges: COPYed, then inserted by one statement. The unique key
# (contract, month, plan, sequence) refuses a second close that raced this
# one past the lock with an older snapshot.
_CREATE_NEW = """
CREATE TEMP TABLE IF NOT EXISTS isp_billing_new_charge (
    contract_id int, plan_id int, seq int, company_id int, partner_id int,
    currency_id int, cycle_start date, cycle_end date
) ON COMMIT DROP;
TRUNCATE isp_billing_new_charge;
"""
_COPY_NEW = "COPY isp_billing_new_charge FROM STDIN"
_INSERT_NEW = """
INSERT INTO isp_telephony_charge (
       contract_id, billing_plan_id, sequence, company_id, partner_id, currency_id,
       cycle_start, cycle_end, billing_month, state, calls, billsec,
       franchise_seconds, excess_seconds, line_count, amount,
       create_uid, write_uid, create_date, write_date)
SELECT contract_id, plan_id, seq, company_id, partner_id, currency_id,
       cycle_start, cycle_end, %(month)s, 'included', 0, 0, 0, 0, 0, 0,
       %(uid)s, %(uid)s, now() AT TIME ZONE 'UTC', now() AT TIME ZONE 'UTC'
  FROM isp_billing_new_charge
RETURNING id, contract_id, billing_plan_id
"""
# The calls a close charges: not yet charged, rated or free, in the line's
# cycle, on a line whose contract is charged.
_LINK = """
UPDATE isp_cdr c
   SET charge_id = b.target_id
  FROM isp_billing_cycle b
 WHERE b.target_id IS NOT NULL
   AND c.line_id = b.line_id
   AND c.connect_time >= b.s AND c.connect_time < b.e
   AND c.charge_id IS NULL AND c.invoice_id IS NULL
   AND c.rating_status IN ('rated', 'free')
"""
# A charge is the sum of its calls, by construction.
_TOTALS = (
    """
UPDATE isp_telephony_charge ch
   SET calls = s.calls, billsec = s.billsec,
       franchise_seconds = s.franchise, excess_seconds = s.excess,
       amount = s.amount, line_count = s.line_count,
       state = CASE WHEN s.amount > 0 THEN 'to_invoice' ELSE 'included' END,
       write_date = now() AT TIME ZONE 'UTC'
  FROM (SELECT charge_id, count(*) AS calls,
               COALESCE(sum(billsec), 0) AS billsec,
               COALESCE(sum(franchise_seconds), 0) AS franchise,
               COALESCE(sum(excess_seconds), 0) AS excess,
               COALESCE(sum(charge), 0) AS amount,
               count(DISTINCT line_id) AS line_count
          FROM isp_cdr WHERE id IN ("""
    + CHARGE_CALLS
    + """) GROUP BY charge_id) s
 WHERE ch.id = s.charge_id AND ch.state IN ('to_invoice', 'included')
"""
)
_CHARGE_FRANCHISE = (
    """
SELECT charge_id, bucket_id, sum(franchise_seconds)
  FROM isp_cdr WHERE bucket_id IS NOT NULL AND id IN ("""
    + CHARGE_CALLS
    + """)
 GROUP BY 1, 2
"""
)

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
# The one write of each call: its rating (when it changed) and its charge
# (when its contract is charged), so a call is rewritten once per close.
_WRITE = """
UPDATE isp_cdr c
   SET rating_status = v.st, billing_plan_id = v.pl, dest_class = v.dc,
       rate_id = v.ra, bucket_id = v.bu, cycle_start = v.cy,
       rounded_seconds = v.rs, franchise_seconds = v.fs, excess_seconds = v.es,
       currency_id = v.cu,
       charge = v.cm::numeric / power(10::numeric, v.dg),
       margin = v.cm::numeric / power(10::numeric, v.dg)
                - COALESCE(c.platform_cost, 0),
       charge_id = v.target_id
  FROM (SELECT v.*, b.target_id
          FROM isp_cdr_rating_result v
          JOIN isp_billing_cycle b ON b.line_id = v.ln
         WHERE v.ch OR b.target_id IS NOT NULL
         ORDER BY v.id) v
 WHERE c.id = v.id AND c.charge_id IS NULL AND c.invoice_id IS NULL
"""
# Planner settings for _WRITE: index probes in a nested loop only (the
# disabled paths' huge costs would also trigger JIT compiling), then back.
_PROBE_PLAN = """
SET LOCAL enable_seqscan = off; SET LOCAL enable_bitmapscan = off;
SET LOCAL enable_hashjoin = off; SET LOCAL enable_mergejoin = off;
SET LOCAL jit = off;
"""
_DEFAULT_PLAN = """
RESET enable_seqscan; RESET enable_bitmapscan; RESET enable_hashjoin;
RESET enable_mergejoin; RESET jit;
"""
# Totals of the charges this close created, from the same results.
_NEW_TOTALS = """
UPDATE isp_telephony_charge ch
   SET calls = s.calls, billsec = s.billsec,
       franchise_seconds = s.franchise, excess_seconds = s.excess,
       amount = s.amount, line_count = s.line_count,
       state = CASE WHEN s.amount > 0 THEN 'to_invoice' ELSE 'included' END,
       write_date = now() AT TIME ZONE 'UTC'
  FROM (SELECT b.target_id AS charge_id, count(*) AS calls,
               sum(v.bs) AS billsec, sum(v.fs) AS franchise,
               sum(v.es) AS excess,
               sum(v.cm::numeric / power(10::numeric, v.dg)) AS amount,
               count(DISTINCT v.ln) AS line_count
          FROM isp_cdr_rating_result v
          JOIN isp_billing_cycle b ON b.line_id = v.ln
         WHERE b.target_id = ANY(%s)
         GROUP BY 1) s
 WHERE ch.id = s.charge_id AND ch.state IN ('to_invoice', 'included')
"""
_NEW_FRANCHISE = """
SELECT b.target_id, v.bu, sum(v.fs)
  FROM isp_cdr_rating_result v
  JOIN isp_billing_cycle b ON b.line_id = v.ln
 WHERE b.target_id = ANY(%s) AND v.bu IS NOT NULL
 GROUP BY 1, 2
"""


class CloseBusyError(UserError):
    """Another close of the same company or contracts is running."""


class IspTelephonyBilling(models.AbstractModel):
    _name = "isp.telephony.billing"
    _description = "Telephony Billing Service"

    # ------------------------------------------------------------------
    # Cycles and summaries

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

    # ------------------------------------------------------------------
    # Closing the month

    def _lock_close(self, company_ids):
        """Take the close lock of each company (see CLOSE_LOCK), or refuse.
        A chunk job (context ``isp_close_chunk``: its contract ids) shares
        the company lock with the other chunks and locks its contracts."""
        cr = self.env.cr
        chunk = self.env.context.get("isp_close_chunk")
        query = (
            "SELECT pg_try_advisory_xact_lock_shared(%s, %s)"
            if chunk
            else "SELECT pg_try_advisory_xact_lock(%s, %s)"
        )
        for company_id in sorted(company_ids):
            cr.execute(query, (CLOSE_LOCK, company_id))
            locked = cr.fetchone()[0]
            if locked and chunk:
                cr.execute(
                    """SELECT bool_and(pg_try_advisory_xact_lock(%s, c))
                         FROM unnest(%s::int[]) AS c""",
                    (CONTRACT_CLOSE_LOCK, sorted(chunk)),
                )
                locked = cr.fetchone()[0] is not False
            if not locked:
                company = self.env["res.company"].sudo().browse(company_id)
                raise CloseBusyError(
                    self.env._(
                        "Another telephony close of %s is running: try again when "
                        "it has finished.",
                        company.name,
                    )
                )

    @api.model
    def _close_month(
        self, billing_month, contract_ids=None, company=None, separate=True
    ):
        """Close the month for these contracts (all with a plan when None):
        rate their cycles, record the charges and link the calls; invoice
        at once the charges that cannot wait (``separate``). Any chunk of
        contracts can be closed on its own. Returns a dict: charges
        (touched), skipped ({contract_id: reason}), cdrs (count), invoices
        (separate ones), timings (seconds per phase)."""
        month = billing.month_start(billing_month)
        clock = time.perf_counter()
        cycles = self._line_cycles(month, contract_ids, company)
        Charge = self.env["isp.telephony.charge"]
        result = {
            "charges": Charge,
            "skipped": {},
            "cdrs": 0,
            "invoices": self.env["account.move"],
            "timings": {},
        }
        if not cycles:
            return result
        self._lock_close({c[7] for c in cycles.values()})
        timings = result["timings"]
        summaries = self._rate_for_close(cycles, timings)
        timings["rate_and_sum"] = round(time.perf_counter() - clock, 2)
        if not summaries:
            return result
        clock = time.perf_counter()
        skipped = result["skipped"]
        plans = self.env["isp.telephony.plan"].sudo().with_context(active_test=False)
        to_charge = set()
        for contract_id, summary in summaries.items():
            reason = self._blocking_reason(summary)
            for plan_id, (_calls, amount) in summary["plans"].items():
                plan = plans.browse(plan_id)
                if not reason and amount > 0 and not plan.product_id:
                    reason = self.env._(
                        "Plan %s has no overage product.", plan.display_name
                    )
            if reason:
                skipped[contract_id] = reason
            elif summary["calls"]:
                to_charge.add(contract_id)
        charge_ids, new_ids, targets = self._make_charges(
            month, cycles, summaries, to_charge
        )
        timings["charges"] = round(time.perf_counter() - clock, 2)
        clock = time.perf_counter()
        cr = self.env.cr
        # One write per call: the rating (when it changed) and the charge.
        self._load_cycles(cycles, targets)
        # A chunk's calls are a few percent of isp_cdr: each is found by its
        # primary key, in id order. The planner, left alone, scans the whole
        # table for every chunk (measured: 2.4 of the 7 s a chunk's write
        # took over 1,000,000 calls, twenty times over).
        cr.execute(_PROBE_PLAN)
        cr.execute(_WRITE)
        cr.execute(_DEFAULT_PLAN)
        cr.execute(
            "SELECT count(*) FROM isp_cdr_rating_result v"
            " JOIN isp_billing_cycle b ON b.line_id = v.ln"
            " WHERE b.target_id IS NOT NULL"
        )
        result["cdrs"] = cr.fetchone()[0]
        if charge_ids:
            self._update_totals(charge_ids, new_ids, cycles)
        cr.execute("TRUNCATE isp_cdr_rating_result")
        self.env["isp.cdr"].invalidate_model()
        Charge.invalidate_model()
        charges = Charge.browse(charge_ids)
        result["charges"] = charges
        timings["link_and_totals"] = round(time.perf_counter() - clock, 2)
        if not charges:
            return result
        if separate:
            clock = time.perf_counter()
            result["invoices"] = charges._invoice_separately_where_needed()
            timings["separate_invoices"] = round(time.perf_counter() - clock, 2)
        _logger.info(
            "telephony close %s: %d charges, %d calls, %d separate invoices, "
            "%d contracts skipped",
            month,
            len(charges),
            result["cdrs"],
            len(result["invoices"]),
            len(skipped),
        )
        return result

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

    def _make_charges(self, month, cycles, summaries, to_charge):
        """Find or insert the charge of each (contract, plan) with calls to
        charge: calls go to the month's open charge, else to a new one (the
        next sequence). Returns ``(charge ids, ids of the new ones,
        {line_id: charge_id})``."""
        cr = self.env.cr
        if not to_charge:
            return [], [], {}
        pairs = {
            (contract_id, plan_id)
            for contract_id in to_charge
            for plan_id, (calls, _a) in summaries[contract_id]["plans"].items()
            if calls
        }
        contract_ids = sorted(to_charge)
        cr.execute(
            """
            SELECT contract_id, billing_plan_id, max(sequence),
                   max(id) FILTER (WHERE state IN ('to_invoice', 'included'))
              FROM isp_telephony_charge
             WHERE contract_id = ANY(%s) AND billing_month = %s
             GROUP BY 1, 2
            """,
            [contract_ids, month],
        )
        existing = {(r[0], r[1]): (r[2], r[3]) for r in cr.fetchall()}
        cr.execute(
            "SELECT id, partner_id, company_id FROM contract_contract"
            " WHERE id = ANY(%s)",
            [contract_ids],
        )
        contracts = {r[0]: r[1:] for r in cr.fetchall()}
        cr.execute(
            "SELECT id, currency_id FROM isp_telephony_plan WHERE id = ANY(%s)",
            [list({p for _c, p in pairs})],
        )
        currencies = dict(cr.fetchall())
        spans = {}
        for cycle in cycles.values():
            key = (cycle[0], cycle[1])
            if key in pairs:
                first, last = spans.get(key, (cycle[5], cycle[6]))
                spans[key] = (min(first, cycle[5]), max(last, cycle[6]))
        charge_of = {}
        new_ids = []
        new_rows = []
        for key in sorted(pairs):
            max_seq, open_id = existing.get(key, (None, None))
            if open_id:
                charge_of[key] = open_id
                continue
            partner_id, company_id = contracts[key[0]]
            new_rows.append(
                (
                    key[0],
                    key[1],
                    0 if max_seq is None else max_seq + 1,
                    company_id,
                    partner_id,
                    currencies[key[1]],
                    *spans[key],
                )
            )
        if new_rows:
            self.env["isp.telephony.charge"].flush_model()
            cr.execute(_CREATE_NEW)
            copy_rows(cr, _COPY_NEW, new_rows)
            cr.execute(_INSERT_NEW, {"month": month, "uid": self.env.uid})
            for charge_id, contract_id, plan_id in cr.fetchall():
                charge_of[(contract_id, plan_id)] = charge_id
                new_ids.append(charge_id)
        targets = {
            line_id: charge_of.get((c[0], c[1])) for line_id, c in cycles.items()
        }
        return sorted(charge_of.values()), sorted(new_ids), targets

    def _update_totals(self, charge_ids, new_ids, cycles):
        """Totals of the charges from their calls; the franchise text. The
        new charges (``new_ids``) sum the close's results; an open charge
        that received late calls is summed again from all its calls."""
        cr = self.env.cr
        old_ids = sorted(set(charge_ids) - set(new_ids))
        if new_ids:
            cr.execute(_NEW_TOTALS, [new_ids])
        if old_ids:
            cr.execute(_TOTALS, [old_ids])
        cr.execute(
            "SELECT id, contract_id, billing_plan_id FROM isp_telephony_charge"
            " WHERE id = ANY(%s)",
            [charge_ids],
        )
        keys = {r[0]: (r[1], r[2]) for r in cr.fetchall()}
        allowances = self._allowances(cycles)
        used = {}
        for query, ids in ((_NEW_FRANCHISE, new_ids), (_CHARGE_FRANCHISE, old_ids)):
            if ids:
                cr.execute(query, [ids])
                for charge_id, bucket_id, seconds in cr.fetchall():
                    used[(charge_id, bucket_id)] = seconds
        ids, texts = [], []
        for charge_id, key in keys.items():
            slots = allowances.get(key, {})
            text = "; ".join(
                f"{bucket.name}: "
                f"{billing.minutes(used.get((charge_id, bucket.id), 0)):.2f}"
                f" / {billing.minutes(seconds):.2f} min"
                for bucket, seconds in sorted(slots.items(), key=lambda kv: kv[0].id)
            )
            ids.append(charge_id)
            texts.append(text or None)
        cr.execute(
            """
            UPDATE isp_telephony_charge ch SET franchise_detail = v.t
              FROM unnest(%s::int[], %s::varchar[]) AS v(id, t)
             WHERE ch.id = v.id AND ch.franchise_detail IS DISTINCT FROM v.t
            """,
            [ids, texts],
        )

    @api.model
    def _check_month(self, billing_month):
        if not billing_month:
            raise UserError(self.env._("Choose the billing month."))
        return billing.month_start(billing_month)
