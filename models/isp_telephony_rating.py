# Copyright 2026 isp_telephony authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Feeds the rating core (tools/rating.py) from SQL and writes its results
back in batches. No call is rated here: the rule lives in the core."""

import dataclasses
import io
import logging

from odoo import api, models

from ..tools import copy_text, locks, phone, rating
from ..tools.direction import OUTBOUND

_logger = logging.getLogger(__name__)

# Lines whose CDRs are fetched in one query: bounds memory (~1 KB per CDR).
LINE_CHUNK = 2000
# Rows per COPY into the temporary result table.
WRITE_CHUNK = 50000
# Rating columns of isp_cdr written by the rater (and cleared when a line
# loses its plan).
RATING_FNAMES = [
    "rating_status",
    "billing_plan_id",
    "dest_class",
    "rate_id",
    "bucket_id",
    "cycle_start",
    "rounded_seconds",
    "franchise_seconds",
    "excess_seconds",
    "currency_id",
    "charge",
    "margin",
]

# Results go to a temporary table first (no index, no foreign key: cheap
# inserts), then one UPDATE joins it to isp_cdr: one pass over the table
# instead of one per batch. ``ln`` (line), ``bs`` (billable seconds) and
# ``ch`` (the rating changed) serve the month's close, which keeps every
# result and writes each call once, rating and charge together
# (isp_telephony_billing.py).
CREATE_RESULTS = """
CREATE TEMP TABLE IF NOT EXISTS isp_cdr_rating_result (
    id int, st varchar, pl int, dc varchar, ra int, bu int, cy date, rs int,
    fs int, es int, cu int, cm bigint, dg int, ln int, bs int, ch boolean
) ON COMMIT DROP;
TRUNCATE isp_cdr_rating_result;
"""
_COPY_TEMP = "COPY isp_cdr_rating_result FROM STDIN"
# The rating columns of a call set from its row ``v`` of isp_cdr_rating_result:
# the one definition, used by _UPDATE here and by the month close's one write
# of each call (isp_telephony_billing.py), which also sets the charge.
RATING_SET = """rating_status = v.st, billing_plan_id = v.pl, dest_class = v.dc,
       rate_id = v.ra, bucket_id = v.bu, cycle_start = v.cy,
       rounded_seconds = v.rs, franchise_seconds = v.fs, excess_seconds = v.es,
       currency_id = v.cu,
       charge = v.cm::numeric / power(10::numeric, v.dg),
       margin = v.cm::numeric / power(10::numeric, v.dg)
                - COALESCE(c.platform_cost, 0)"""
_UPDATE = f"""
UPDATE isp_cdr c
   SET {RATING_SET}
  FROM isp_cdr_rating_result v
 WHERE c.id = v.id AND c.charge_id IS NULL AND c.invoice_id IS NULL
"""


def copy_rows(cr, statement, rows):
    """COPY ``rows`` (tuples of ints, short strings and None) into a table:
    an order of magnitude cheaper than adapting arrays of parameters."""
    if not rows:
        return
    cr.copy_expert(statement, io.StringIO(copy_text.rows_text(rows)))


class _Writer:
    """Collects changed results and writes them back in one UPDATE; with
    ``keep``, collects every result (``ch`` says which changed) and leaves
    them in the temporary table for the caller (the month's close)."""

    def __init__(self, cr, keep=False):
        self.cr = cr
        self.keep = keep
        self.rows = []
        self.count = 0
        self.changed = 0
        cr.execute(CREATE_RESULTS)

    def add(self, plan_id, currency_id, cycle, result, current, line_id, billsec):
        signature = (
            result.status,
            plan_id,
            result.dest_class,
            result.rate_id,
            result.bucket_id,
            cycle,
            result.rounded_seconds,
            result.franchise_seconds,
            result.excess_seconds,
            result.charge_minor * 10 ** (6 - result.currency_digits),
        )
        changed = signature != current
        if not changed and not self.keep:
            return
        self.changed += changed
        self.rows.append(
            (
                result.call_id,
                result.status,
                plan_id,
                result.dest_class,
                result.rate_id,
                result.bucket_id,
                cycle,
                result.rounded_seconds,
                result.franchise_seconds,
                result.excess_seconds,
                currency_id,
                result.charge_minor,
                result.currency_digits,
                line_id,
                billsec,
                "t" if changed else "f",
            )
        )
        if len(self.rows) >= WRITE_CHUNK:
            self.flush()

    def flush(self):
        if self.rows:
            copy_rows(self.cr, _COPY_TEMP, self.rows)
            self.count += len(self.rows)
            self.rows = []

    def finish(self):
        self.flush()
        if self.keep:
            # No ANALYZE (0.3-0.6 s a chunk): the close only aggregates the
            # table and probes isp_cdr by id from it (see _WRITE).
            return
        if self.count:
            self.cr.execute("ANALYZE isp_cdr_rating_result")
            self.cr.execute(_UPDATE)
        self.cr.execute("TRUNCATE isp_cdr_rating_result")


class IspTelephonyRating(models.AbstractModel):
    _name = "isp.telephony.rating"
    _description = "Telephony Rating Service"

    @api.model
    def _rate_lines(
        self, line_ids, bounds=None, only_unrated=False, since=None, keep=False
    ):
        """Rate the unbilled CDRs of ``line_ids``, whole cycles at a time.

        ``bounds``: optional ``{line_id: (start_utc, end_utc)}`` to rate one
        cycle per line (the month's close). Billed CDRs (on a telephony charge,
        or invoiced before charges existed) are never written; the
        franchise they used is taken off their cycle's buckets first, so the
        unbilled calls consume what is left, in connect-time order.
        ``only_unrated``: only cycles holding a CDR never rated (the cron).
        ``since``: optional ``{line_id: connect time}`` (with ``bounds``) of
        the first new call of each line: the calls before it are not fetched
        nor rated again, only the franchise they used is read (one grouped
        query), since calls are rated in connect-time order and new ones
        cannot change what earlier ones got. A line whose earlier calls are
        not all rated on its plan is rated whole, as without ``since``.
        ``keep`` (the month's close): nothing is written; every unbilled
        call's result stays in the temporary table isp_cdr_rating_result
        (see CREATE_RESULTS) for the caller's one UPDATE.
        Returns the number of CDRs whose rating changed.
        """
        if not line_ids:
            return 0
        self.env.flush_all()
        cr = self.env.cr
        cr.execute(
            """
            SELECT l.id, l.billing_plan_id, l.due_day, l.caller_id_e164,
                   l.company_id, COALESCE(country.code, 'BR')
              FROM isp_sip_line l
              JOIN isp_telephony_integration i ON i.id = l.integration_id
         LEFT JOIN res_country country ON country.id = i.country_id
             WHERE l.id = ANY(%s)
            """,
            [list(line_ids)],
        )
        lines = cr.fetchall()
        without_plan = [row[0] for row in lines if not row[1]]
        if without_plan:
            self._clear_rating(without_plan)
        lines = [row for row in lines if row[1]]
        if bounds is not None:
            lines = [row for row in lines if row[0] in bounds]
        if not lines:
            self.env["isp.cdr"].invalidate_model(RATING_FNAMES)
            return 0
        plans = self._core_plans({row[1] for row in lines})
        companies = {row[4] for row in lines}
        zones = self._company_zones(companies)
        on_net = self._on_net_numbers(companies)
        writer = _Writer(cr, keep=keep)
        # One query for every line (its answer is small): one scan.
        heads = self._earlier_usage(lines, since, zones) if since else {}
        for start in range(0, len(lines), LINE_CHUNK):
            chunk = lines[start : start + LINE_CHUNK]
            rows_by_line = self._fetch_cdrs(
                chunk,
                bounds,
                {row[0]: since[row[0]] for row in chunk if row[0] in heads},
            )
            for line_id, plan_id, due_day, caller, company_id, country in chunk:
                rows = rows_by_line.get(line_id)
                if not rows:
                    continue
                plan, currency_id = plans[plan_id]
                self._rate_line(
                    writer,
                    line_id,
                    rows,
                    plan,
                    currency_id,
                    due_day,
                    zones[company_id],
                    phone.area_code(caller, country),
                    country,
                    on_net[company_id],
                    only_unrated,
                    heads.get(line_id),
                )
        writer.finish()
        self.env["isp.cdr"].invalidate_model(RATING_FNAMES)
        return writer.changed

    def _rate_line(
        self,
        writer,
        line_id,
        rows,
        plan,
        currency_id,
        due_day,
        tz_name,
        area,
        country,
        on_net,
        only_unrated,
        earlier=None,
    ):
        """Rate one line's fetched calls, cycle by cycle. ``earlier``:
        ``(cycle key, {bucket: seconds}, internal numbers)`` of the calls of
        that cycle before the fetched ones (see ``_earlier_usage``)."""
        calls = []
        billed = {}
        current = {}
        billsecs = {}
        internal = set()
        Call = rating.Call
        for row in rows:
            (cdr_id, direction, dnis_e164, dnis, connect, billsec, disposition) = row[
                :7
            ]
            dialled = dnis_e164 or dnis or ""
            if direction == "internal" and dnis_e164:
                internal.add(dnis_e164)
            calls.append(
                Call(
                    cdr_id,
                    direction or OUTBOUND,
                    dialled,
                    connect,
                    billsec or 0,
                    disposition == "answered",
                )
            )
            if row[7]:  # billed: (bucket, franchise seconds)
                billed[cdr_id] = (row[8], row[9] or 0)
            else:
                current[cdr_id] = row[10:20]
                billsecs[cdr_id] = billsec or 0
        earlier_key, earlier_used = None, {}
        if earlier:
            earlier_key, earlier_used, earlier_internal = earlier
            internal |= earlier_internal
        if internal:
            on_net = on_net | internal
        for key, cycle_calls in rating.group_by_cycle(calls, due_day, tz_name).items():
            todo = [call for call in cycle_calls if call.id not in billed]
            if not todo:
                continue
            if only_unrated and all(
                current[c.id][0] not in (None, "unrated") for c in todo
            ):
                continue
            cycle_plan = plan
            used = dict(earlier_used) if key == earlier_key else {}
            for call in cycle_calls:
                if call.id in billed:
                    bucket_id, seconds = billed[call.id]
                    if bucket_id and seconds:
                        used[bucket_id] = used.get(bucket_id, 0) + seconds
            if used:
                cycle_plan = dataclasses.replace(
                    plan,
                    buckets=tuple(
                        rating.Bucket(
                            b.id, max(0, b.seconds - used.get(b.id, 0)), b.classes
                        )
                        for b in plan.buckets
                    ),
                )
            for result in rating.rate_calls(cycle_plan, todo, area, country, on_net):
                writer.add(
                    plan.id,
                    currency_id,
                    key,
                    result,
                    current[result.call_id],
                    line_id,
                    billsecs[result.call_id],
                )

    def _earlier_usage(self, lines, since, zones):
        """``{line_id: (cycle key, {bucket: seconds}, internal numbers)}``:
        the franchise used by the calls of the cycle of ``since[line_id]``
        that connected before it, for the ``lines`` whose earlier
        calls are all rated on their current plan (or billed); the others
        are left out (rated whole)."""
        todo = {}
        for line_id, plan_id, due_day, _caller, company_id, _country in lines:
            moment = since.get(line_id)
            if moment is None:
                continue
            tz_name = zones[company_id]
            todo[line_id] = (
                plan_id,
                rating.cycle_bounds(moment, due_day, tz_name)[0],
                moment,
                rating.cycle_key(moment, due_day, tz_name),
            )
        if not todo:
            return {}
        ids = list(todo)
        self.env.cr.execute(
            """
            SELECT b.line_id, c.bucket_id, SUM(c.franchise_seconds),
                   COUNT(*) FILTER (
                       WHERE c.charge_id IS NULL AND c.invoice_id IS NULL
                         AND (c.rating_status IS NULL
                              OR c.rating_status = 'unrated'
                              OR c.billing_plan_id IS DISTINCT FROM b.plan_id)),
                   array_agg(DISTINCT c.dnis_e164) FILTER (
                       WHERE c.direction = 'internal' AND c.dnis_e164 IS NOT NULL)
              FROM unnest(%s::int[], %s::int[], %s::timestamp[], %s::timestamp[])
                   AS b(line_id, plan_id, s, e)
              JOIN isp_cdr c ON c.line_id = b.line_id
                   AND c.connect_time >= b.s AND c.connect_time < b.e
          GROUP BY b.line_id, c.bucket_id
            """,
            [
                ids,
                [todo[i][0] for i in ids],
                [todo[i][1] for i in ids],
                [todo[i][2] for i in ids],
            ],
        )
        used = {line_id: ({}, set()) for line_id in ids}
        whole = set()
        for line_id, bucket_id, seconds, stale, internal in self.env.cr.fetchall():
            if stale:
                whole.add(line_id)
            if bucket_id and seconds:
                used[line_id][0][bucket_id] = seconds
            used[line_id][1].update(internal or ())
        return {
            line_id: (todo[line_id][3], *used[line_id])
            for line_id in ids
            if line_id not in whole
        }

    def _fetch_cdrs(self, chunk, bounds, since=None):
        """``{line_id: [row]}``: (id, direction, dnis_e164, dnis, connect_time,
        billsec, disposition, billed, bucket, franchise, then the current
        rating signature of unbilled rows). ``since``: ``{line_id: moment}``
        to fetch only the calls from ``moment`` on (within ``bounds``)."""
        since = since or {}
        cr = self.env.cr
        columns = """
            c.id, c.direction, c.dnis_e164, c.dnis, c.connect_time, c.billsec,
            c.disposition, (c.charge_id IS NOT NULL OR c.invoice_id IS NOT NULL),
            c.bucket_id,
            c.franchise_seconds, c.rating_status, c.billing_plan_id, c.dest_class,
            c.rate_id, c.bucket_id, to_char(c.cycle_start, 'YYYY-MM-DD'),
            c.rounded_seconds, c.franchise_seconds, c.excess_seconds,
            round(c.charge * 1000000)::bigint, c.line_id
        """
        ids = [row[0] for row in chunk]
        if bounds is None:
            cr.execute(
                f"SELECT {columns} FROM isp_cdr c WHERE c.line_id = ANY(%s)",
                [ids],
            )
        else:
            cr.execute(
                f"""
                SELECT {columns}
                  FROM unnest(%s::int[], %s::timestamp[], %s::timestamp[])
                       AS b(line_id, s, e)
                  JOIN isp_cdr c ON c.line_id = b.line_id
                       AND c.connect_time >= b.s AND c.connect_time < b.e
                """,
                [
                    ids,
                    [max(bounds[i][0], since.get(i, bounds[i][0])) for i in ids],
                    [bounds[i][1] for i in ids],
                ],
            )
        by_line = {}
        for row in cr.fetchall():
            by_line.setdefault(row[20], []).append(row)
        return by_line

    def _clear_rating(self, line_ids):
        """Lines without a plan: their unbilled CDRs go back to unrated."""
        self.env.cr.execute(
            """
            UPDATE isp_cdr
               SET rating_status = 'unrated', billing_plan_id = NULL,
                   dest_class = NULL, rate_id = NULL, bucket_id = NULL,
                   cycle_start = NULL, rounded_seconds = 0,
                   franchise_seconds = 0, excess_seconds = 0, charge = 0,
                   margin = NULL
             WHERE line_id = ANY(%s) AND charge_id IS NULL AND invoice_id IS NULL
               AND rating_status IS DISTINCT FROM 'unrated'
            """,
            [line_ids],
        )

    def _core_plans(self, plan_ids):
        plans = (
            self.env["isp.telephony.plan"]
            .sudo()
            .with_context(active_test=False)
            .browse(plan_ids)
        )
        return {plan.id: (plan._core_plan(), plan.currency_id.id) for plan in plans}

    def _company_zones(self, company_ids):
        companies = self.env["res.company"].sudo().browse(company_ids)
        return {c.id: c.telephony_timezone or "UTC" for c in companies}

    def _on_net_numbers(self, company_ids):
        """E.164 numbers of each company's own lines and DIDs."""
        cr = self.env.cr
        cr.execute(
            """
            SELECT company_id, caller_id_e164 FROM isp_sip_line
             WHERE company_id = ANY(%s) AND caller_id_e164 IS NOT NULL
             UNION
            SELECT company_id, e164 FROM isp_sip_line_did
             WHERE company_id = ANY(%s) AND e164 IS NOT NULL
            """,
            [list(company_ids), list(company_ids)],
        )
        numbers = {company_id: set() for company_id in company_ids}
        for company_id, e164 in cr.fetchall():
            numbers[company_id].add(e164)
        return {key: frozenset(value) for key, value in numbers.items()}

    @api.model
    def _cron_rate_unrated(self):
        """Rate the cycles that hold CDRs never rated (after an import), of
        the lines no other worker is rating or checking right now (their
        rating lock, tools/locks.py): those are left to it, and logged."""
        # Every unbilled unrated call of a line with a plan, whoever can read
        # it (a scheduled task), archived lines included.
        groups = (
            self.env["isp.cdr"]
            .sudo()
            .with_context(active_test=False)
            ._read_group(
                [
                    ("charge_id", "=", False),
                    ("invoice_id", "=", False),
                    ("line_id.billing_plan_id", "!=", False),
                    ("rating_status", "in", (False, "unrated")),
                ],
                ["line_id"],
            )
        )
        line_ids = [line.id for [line] in groups]
        free = locks.try_lock_each(self.env.cr, locks.LINE_RATING, line_ids)
        if len(free) < len(line_ids):
            _logger.info(
                "hourly rating: lines %s are being rated by another worker",
                sorted(set(line_ids) - free),
            )
        line_ids = [line_id for line_id in line_ids if line_id in free]
        count = self._rate_lines(line_ids, only_unrated=True)
        _logger.info("rated %d CDRs of %d lines", count, len(line_ids))
        return count
