# Copyright 2026 isp_telephony authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""A SIP line's current billing cycle as its customer and the staff read it:
the franchise used per bucket, the calls, minutes and charges so far,
computed from the rated calls with one query for any number of lines."""

from datetime import date, datetime, timezone

from odoo import fields, models

from ..tools import billing, rating, timezones


def _local_day(moment_utc, tz_name):
    """The local date of a naive UTC datetime."""
    return timezones.local_date(moment_utc, tz_name)


class IspSipLineUsage(models.Model):
    _inherit = "isp.sip.line"

    usage_cycle_start = fields.Date(
        string="Cycle Start",
        compute="_compute_usage",
        help="First day of the current billing cycle (the line's due day).",
    )
    usage_cycle_end = fields.Date(
        string="Cycle End",
        compute="_compute_usage",
        help="Last day of the current cycle; the franchise resets the day after.",
    )
    usage_call_count = fields.Integer(
        string="Calls This Cycle", compute="_compute_usage"
    )
    usage_minutes = fields.Float(
        string="Minutes This Cycle",
        compute="_compute_usage",
        digits=(16, 2),
        help="Minutes of conversation this cycle.",
    )
    usage_charge = fields.Float(
        string="Charges This Cycle",
        compute="_compute_usage",
        digits=(16, 2),
        help="What the rated calls of this cycle cost beyond the franchise.",
    )
    usage_unrated_count = fields.Integer(
        string="Calls Not Rated Yet", compute="_compute_usage"
    )
    usage_franchise_html = fields.Html(
        string="Franchise Used", compute="_compute_usage", sanitize=False
    )

    def _compute_usage(self):
        usage = self._current_cycle_usage()
        for line in self:
            figures = usage.get(line.id)
            if not figures:
                line.update(
                    {
                        "usage_cycle_start": False,
                        "usage_cycle_end": False,
                        "usage_call_count": 0,
                        "usage_minutes": 0,
                        "usage_charge": 0,
                        "usage_unrated_count": 0,
                        "usage_franchise_html": False,
                    }
                )
                continue
            line.update(
                {
                    "usage_cycle_start": figures["cycle_start"],
                    "usage_cycle_end": figures["cycle_end"],
                    "usage_call_count": figures["calls"],
                    "usage_minutes": figures["minutes"],
                    "usage_charge": figures["charge"],
                    "usage_unrated_count": figures["unrated"],
                    "usage_franchise_html": self.env["ir.qweb"]._render(
                        "isp_telephony.sip_line_franchise_usage",
                        {"buckets": figures["buckets"]},
                    ),
                }
            )

    def _current_cycle_usage(self, now=None):
        """``{line_id: figures}`` of the cycle that contains ``now`` (UTC,
        default now) for each line of ``self`` (ids already checked by the
        caller: no access rule is applied to the calls). Figures:
        cycle_start/cycle_end (local dates), calls, minutes, charge,
        unrated (calls not rated yet), buckets, a list of dicts with
        name, allowance_seconds, used_seconds, used_percent, and the credit
        limit of the cycle against the charge so far: credit_limit (0: no
        limit), credit_left, credit_percent (capped at 100) and
        credit_blocked (spend control holds the line at its limit)."""
        if not self:
            return {}
        now = now or datetime.now(timezone.utc).replace(tzinfo=None)
        lines = self.sudo()
        self.env.flush_all()
        bounds, ids, starts, ends = {}, [], [], []
        for line in lines:
            tz_name = line.company_id.telephony_timezone or "UTC"
            start, end = rating.cycle_bounds(now, line.due_day or 1, tz_name)
            bounds[line.id] = (start, end, tz_name)
            ids.append(line.id)
            starts.append(start)
            ends.append(end)
        self.env.cr.execute(
            """
            SELECT c.line_id, c.bucket_id, count(*),
                   COALESCE(sum(c.billsec), 0),
                   COALESCE(sum(c.charge), 0),
                   COALESCE(sum(c.franchise_seconds), 0),
                   count(*) FILTER (WHERE c.rating_status IS NULL
                                       OR c.rating_status = 'unrated')
              FROM isp_cdr c
              JOIN unnest(%s::int[], %s::timestamp[], %s::timestamp[])
                   AS b(line_id, s, e) ON b.line_id = c.line_id
               AND c.connect_time >= b.s AND c.connect_time < b.e
          GROUP BY c.line_id, c.bucket_id
            """,
            [ids, starts, ends],
        )
        used = {}
        result = {}
        for line in lines:
            start, end, tz_name = bounds[line.id]
            result[line.id] = {
                "cycle_start": _local_day(start, tz_name),
                "cycle_end": date.fromordinal(_local_day(end, tz_name).toordinal() - 1),
                "calls": 0,
                "minutes": 0.0,
                "charge": 0.0,
                "unrated": 0,
                "buckets": [],
            }
        for (
            line_id,
            bucket_id,
            calls,
            billsec,
            charge,
            franchise,
            unrated,
        ) in self.env.cr.fetchall():
            figures = result[line_id]
            figures["calls"] += calls
            figures["minutes"] += billsec / 60.0
            figures["charge"] += float(charge)
            figures["unrated"] += unrated
            if bucket_id:
                used[(line_id, bucket_id)] = franchise
        for line in lines:
            figures = result[line.id]
            figures["minutes"] = billing.minutes(figures["minutes"] * 60)
            limit = float(line.credit_limit or 0)
            figures["credit_limit"] = limit
            figures["credit_left"] = max(0.0, limit - figures["charge"])
            figures["credit_percent"] = (
                min(100, round(100.0 * figures["charge"] / limit)) if limit else 0
            )
            figures["credit_blocked"] = bool(line.credit_blocked)
            for bucket in line.billing_plan_id.bucket_ids:
                seconds = used.get((line.id, bucket.id), 0)
                allowance = bucket.allowance_seconds
                figures["buckets"].append(
                    {
                        "name": bucket.name,
                        "allowance_seconds": allowance,
                        "used_seconds": seconds,
                        "allowance_minutes": billing.minutes(allowance),
                        "used_minutes": billing.minutes(seconds),
                        "used_percent": min(100, round(100.0 * seconds / allowance))
                        if allowance
                        else 0,
                    }
                )
        return result

    def _statement_cycles(self, limit=24):
        """``{contract_id: [cycle]}``: the rated cycles of these lines'
        calls (ids already checked by the caller), newest first, at most
        ``limit`` per contract. A cycle: local start and end, the billing
        month of its statement ("YYYY-MM"), calls, minutes, charge. One
        grouped query over the lines' calls (index on line, connect time)."""
        if not self:
            return {}
        self.env.flush_all()
        self.env.cr.execute(
            """
            SELECT l.contract_id, c.cycle_start, count(*),
                   COALESCE(sum(c.billsec), 0), COALESCE(sum(c.charge), 0)
              FROM isp_cdr c
              JOIN isp_sip_line l ON l.id = c.line_id
             WHERE c.line_id = ANY(%s) AND c.cycle_start IS NOT NULL
          GROUP BY l.contract_id, c.cycle_start
          ORDER BY c.cycle_start DESC
            """,
            [self.ids],
        )
        cycles = {}
        for contract_id, start, calls, billsec, charge in self.env.cr.fetchall():
            rows = cycles.setdefault(contract_id, [])
            if len(rows) >= limit:
                continue
            month = billing.month_start(
                date.fromordinal(billing.month_start(start).toordinal() + 31)
            )
            rows.append(
                {
                    "start": start,
                    "end": billing.cycle_last_day(start),
                    "month": month.strftime("%Y-%m"),
                    "calls": calls,
                    "minutes": billing.minutes(billsec),
                    "charge": float(charge),
                }
            )
        return cycles
