# Copyright 2026 isp_telephony authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Spend control (issue 14): after every CDR import and in the hourly rating
cron, rate the new calls of the lines touched, then check each line's cycle
spend against its credit limit and its costly calls against its plan's fraud
guard. Figures are read and written set-based (one query each for any number
of lines); only the lines that change state go through the ORM: warnings,
blocks and releases, logged and notified. The rule is tools/spend.py.

This file is the check and what triggers it (the CDR import, the hourly
rating); isp_telephony_spend_credit.py warns, blocks and releases on the
credit limit, isp_telephony_spend_fraud.py holds the fraud guard."""

import logging
from collections import defaultdict

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools.misc import format_amount, get_lang

from ..tools import blocking, locks, rating
from ..tools import spend as spend_core

_logger = logging.getLogger(__name__)

# Spend of each (line, cycle): rated charges and franchise used.
_SPEND_SQL = """
    SELECT v.line_id, COALESCE(SUM(c.charge), 0),
           COALESCE(SUM(c.franchise_seconds), 0)
      FROM unnest(%s::int[], %s::date[]) AS v(line_id, cycle)
      JOIN isp_cdr c ON c.line_id = v.line_id AND c.cycle_start = v.cycle
     WHERE c.rating_status = 'rated'
  GROUP BY v.line_id
"""
_UPDATE_FIGURES = """
    UPDATE isp_sip_line l
       SET cycle_start = v.cycle, cycle_spend = v.spend,
           cycle_franchise_seconds = v.franchise, credit_share = v.share,
           credit_state = v.state, credit_checked_date = %s
      FROM unnest(%s::int[], %s::date[], %s::numeric[], %s::int[],
                  %s::float8[], %s::varchar[])
           AS v(id, cycle, spend, franchise, share, state)
     WHERE l.id = v.id
"""
FIGURE_FNAMES = [
    "cycle_start",
    "cycle_spend",
    "cycle_franchise_seconds",
    "credit_share",
    "credit_state",
    "credit_checked_date",
]


def _money(env):
    """``money(currency, amount)``: ``currency.format(amount)`` with the
    language resolved once (it costs more than the formatting itself when
    hundreds of lines change state in one check)."""
    lang_code = get_lang(env).code
    cache = {}

    def money(currency, amount):
        key = (currency.id, amount)
        if key not in cache:
            cache[key] = format_amount(env, float(amount) + 0.0, currency, lang_code)
        return cache[key]

    return money


def _group_by(records, key):
    """``{key: records}`` keeping the recordset type (one write per group)."""
    groups = {}
    for record in records:
        groups.setdefault(key(record), []).append(record.id)
    return {value: records.browse(ids) for value, ids in groups.items()}


class IspTelephonySpend(models.AbstractModel):
    _name = "isp.telephony.spend"
    _description = "Telephony Spend Control"

    @api.model
    def _check_spend(
        self, line_ids, new_calls=None, now=None, origin=None, skip_busy=False
    ):
        """Rate and check the lines ``line_ids``.

        ``new_calls``: ``{line_id: (first, last)}`` connect times (naive
        UTC) of the calls just imported: their cycles are rated and the fraud
        guard looks at the hour around them. ``origin``: what brought the
        calls (shown on the blocks). Returns a dict of counts: ``lines``,
        ``warned``, ``limited``, ``released``, ``fraud_blocked``.

        One check of a line at a time (its rating lock, tools/locks.py): a
        line another worker is rating or checking is refused in plain words,
        or with ``skip_busy`` (the CDR import, the hourly rating) left out
        and logged: its calls stay unrated and the hourly rating checks it.
        """
        new_calls = new_calls or {}
        ids = self._lock_lines(sorted(set(line_ids) | set(new_calls)), skip_busy)
        new_calls = {key: value for key, value in new_calls.items() if key in ids}
        counts = {
            "lines": 0,
            "warned": 0,
            "limited": 0,
            "released": 0,
            "fraud_blocked": 0,
        }
        if not ids:
            return counts
        now = now or fields.Datetime.now()
        origin = origin or self.env._("Spend check")
        self.env.flush_all()
        cr = self.env.cr
        cr.execute(
            """
            SELECT l.id, l.due_day, COALESCE(co.telephony_timezone, 'UTC'),
                   l.credit_limit, l.credit_warned_cycle, l.credit_lifted_cycle,
                   l.credit_blocked, l.fraud_blocked, l.billing_plan_id,
                   COALESCE(co.telephony_credit_warning_percent, %s),
                   l.cycle_start, l.cycle_spend, l.cycle_franchise_seconds,
                   l.credit_state
              FROM isp_sip_line l
              JOIN res_company co ON co.id = l.company_id
             WHERE l.id = ANY(%s) AND l.state != 'cancelled'
            """,
            [spend_core.DEFAULT_WARNING_PERCENT, ids],
        )
        rows = cr.fetchall()
        counts["lines"] = len(rows)
        # Rate the cycles of the new calls (only those holding unrated calls).
        current = self._current_cycles(rows, now)
        self._rate_new_calls(rows, new_calls, current)
        # Spend of the current cycle.
        cycles = {row[0]: current[row[1], row[2]][1] for row in rows if row[8]}
        spent = {}
        if cycles:
            cr.execute(_SPEND_SQL, [list(cycles), list(cycles.values())])
            spent = {row[0]: (row[1], row[2]) for row in cr.fetchall()}
        cycle_dates = {key: fields.Date.to_date(key) for key in set(cycles.values())}
        figures = []
        todo = defaultdict(list)
        for row in rows:
            (line_id, _due, _tz, limit, warned, lifted, blocked) = row[:7]
            cycle = cycles.get(line_id)
            amount, franchise = spent.get(line_id, (0, 0))
            state = (
                spend_core.credit_state(amount, limit or 0, row[9])
                if cycle
                else spend_core.NONE
            )
            share = spend_core.credit_share(amount, limit or 0)
            cycle_date = cycle_dates.get(cycle)
            current = (row[10], row[11], row[12], row[13])
            if current != (cycle_date, amount, franchise, state):
                figures.append((line_id, cycle, amount, franchise, share, state))
            for action in spend_core.credit_actions(
                state, cycle_date, blocked, warned, lifted
            ):
                todo[action].append(line_id)
        if figures:
            columns = list(zip(*figures, strict=True))
            cr.execute(_UPDATE_FIGURES, [now, *map(list, columns)])
            self.env["isp.sip.line"].invalidate_model(FIGURE_FNAMES)
        Line = self.env["isp.sip.line"].sudo()
        changed = Line
        if todo[spend_core.RELEASE]:
            lines = Line.browse(todo[spend_core.RELEASE])
            self._release_credit(lines, origin, apply=False)
            changed |= lines
            counts["released"] = len(lines)
        if todo[spend_core.WARN]:
            lines = Line.browse(todo[spend_core.WARN])
            self._warn_credit(lines, cycles)
            counts["warned"] = len(lines)
        if todo[spend_core.BLOCK]:
            lines = Line.browse(todo[spend_core.BLOCK])
            self._block_credit(lines, origin, now)
            changed |= lines
            counts["limited"] = len(lines)
        candidates = {
            row[0]: row[8] for row in rows if row[0] in new_calls and not row[7]
        }
        tripped = self._fraud_check(candidates, new_calls)
        if tripped:
            lines = Line.browse(list(tripped))
            self._block_fraud(lines, tripped, origin, now)
            changed |= lines
            counts["fraud_blocked"] = len(lines)
        changed._apply_expected_category()
        return counts

    @api.model
    def _lock_lines(self, ids, skip_busy):
        """The lines of ``ids`` this transaction may rate and check (their
        rating lock taken); the others are skipped and logged, or refused."""
        free = locks.try_lock_each(self.env.cr, locks.LINE_RATING, ids)
        busy = [line_id for line_id in ids if line_id not in free]
        if busy and not skip_busy:
            lines = self.env["isp.sip.line"].sudo().browse(busy)
            raise UserError(
                self.env._(
                    "The calls of %s are being rated right now (a CDR import or "
                    "the hourly rating): try again in a moment.",
                    ", ".join(lines.mapped("display_name")),
                )
            )
        if busy:
            _logger.info(
                "Spend check: lines %s are being rated by another worker; "
                "the hourly rating checks them",
                busy,
            )
        return [line_id for line_id in ids if line_id in free]

    @api.model
    def _current_cycles(self, rows, now):
        """``{(due day, time zone): ((start, end), key)}`` of the cycle that
        contains ``now``: computed once per pair, not per line."""
        current = {}
        for row in rows:
            if (row[1], row[2]) not in current:
                current[row[1], row[2]] = (
                    rating.cycle_bounds(now, row[1], row[2]),
                    rating.cycle_key(now, row[1], row[2]),
                )
        return current

    @api.model
    def _rate_new_calls(self, rows, new_calls, current):
        """Rate the new calls, in the cycles holding them (only those with
        unrated calls); most new calls fall in the current cycle."""
        bounds = {}
        for row in rows:
            line_id, due_day, tz_name = row[0], row[1], row[2]
            if line_id in new_calls and row[8]:
                first, last = new_calls[line_id]
                (start, end), _key = current[due_day, tz_name]
                if first < start:
                    start = rating.cycle_bounds(first, due_day, tz_name)[0]
                if last >= end:
                    end = rating.cycle_bounds(last, due_day, tz_name)[1]
                bounds[line_id] = (start, end)
        if bounds:
            # Only the new calls are fetched and rated (and later ones, should
            # a late CDR arrive); the earlier calls of the cycle give their
            # franchise used, as they are.
            self.env["isp.telephony.rating"]._rate_lines(
                list(bounds),
                bounds=bounds,
                only_unrated=True,
                since={line_id: new_calls[line_id][0] for line_id in bounds},
            )

    def _notify_restored(self, lines):
        restored = lines.filtered(lambda line: line.line_status == blocking.ACTIVE)
        self.env["contract.contract"]._telephony_notify(
            "isp_telephony.mail_template_line_restored", restored
        )

    # Unrated calls (the hourly cron) --------------------------------------------
    @api.model
    def _unrated_calls(self):
        """``{line_id: (first, last)}`` connect times of unbilled calls never
        rated, of lines with a plan (every call: a scheduled task's view)."""
        groups = (
            self.env["isp.cdr"]
            .sudo()
            .with_context(active_test=False)
            ._read_group(
                [
                    ("invoice_id", "=", False),
                    ("line_id.billing_plan_id", "!=", False),
                    ("rating_status", "in", (False, "unrated")),
                    ("connect_time", "!=", False),
                ],
                ["line_id"],
                ["connect_time:min", "connect_time:max"],
            )
        )
        return {line.id: (first, last) for line, first, last in groups}

    @api.model
    def _lines_to_follow(self):
        """Lines whose figures may change without new calls: with a limit, or
        holding a credit block or a warning (a new cycle starts)."""
        Line = self.env["isp.sip.line"].sudo().with_context(active_test=False)
        return Line.search(
            [
                ("state", "!=", "cancelled"),
                ("billing_plan_id", "!=", False),
                "|",
                "|",
                ("credit_limit", ">", 0),
                ("credit_blocked", "=", True),
                ("credit_state", "!=", "none"),
            ],
            order="id",
        ).ids


class IspTelephonyRating(models.AbstractModel):
    _inherit = "isp.telephony.rating"

    @api.model
    def _cron_rate_unrated(self):
        """The hourly rating also checks spend: the lines whose calls it
        rated (fraud guard included) and every line with a limit (a new
        cycle releases credit blocks)."""
        spend = self.env["isp.telephony.spend"]
        new_calls = spend._unrated_calls()
        count = super()._cron_rate_unrated()
        try:
            with self.env.cr.savepoint():
                spend._check_spend(
                    spend._lines_to_follow(),
                    new_calls=new_calls,
                    origin=self.env._("Hourly rating"),
                    skip_busy=True,
                )
        except Exception:
            _logger.exception("Spend check after the hourly rating failed")
        return count


class IspCdrImport(models.Model):
    _inherit = "isp.cdr.import"

    def _execute(self, source):
        """After the calls are written, rate and check the lines they
        touched. A failing check never undoes the import: the hourly rating
        checks again."""
        run = super()._execute(source)
        if run.state == "done" and run.count_imported:
            try:
                with self.env.cr.savepoint():
                    run._check_spend_of_run()
            except Exception:
                _logger.exception("Spend check after CDR import %s failed", run.id)
        return run

    def _check_spend_of_run(self):
        self.ensure_one()
        # The run's calls, whoever imported them (an upload by a user).
        groups = (
            self.env["isp.cdr"]
            .sudo()
            ._read_group(
                [
                    ("import_id", "=", self.id),
                    ("line_id", "!=", False),
                    ("connect_time", "!=", False),
                ],
                ["line_id"],
                ["connect_time:min", "connect_time:max"],
            )
        )
        new_calls = {line.id: (first, last) for line, first, last in groups}
        return self.env["isp.telephony.spend"]._check_spend(
            list(new_calls),
            new_calls=new_calls,
            origin=self.env._("CDR import %(run)s", run=self.name),
            skip_busy=True,
        )
