# Copyright 2026 isp_telephony authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Spend control (issue 14): after every CDR import and in the hourly rating
cron, rate the new calls of the lines touched, then check each line's cycle
spend against its credit limit and its costly calls against its plan's fraud
guard. Figures are read and written set-based (one query each for any number
of lines); only the lines that change state go through the ORM: warnings,
blocks and releases, logged and notified. The rule is tools/spend.py."""

import logging
from collections import defaultdict

from markupsafe import Markup

from odoo import api, fields, models
from odoo.tools.misc import format_amount, get_lang

from ..tools import blocking, rating
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
# Costly calls of lines around their new calls (fraud guard).
_COSTLY_SQL = """
    SELECT c.line_id, c.connect_time, c.billsec, c.charge, c.dest_class
      FROM unnest(%s::int[], %s::timestamp[], %s::timestamp[])
           AS v(line_id, since, until)
      JOIN isp_cdr c ON c.line_id = v.line_id
           AND c.connect_time >= v.since AND c.connect_time < v.until
     WHERE c.dest_class = ANY(%s) AND c.billsec > 0
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
    def _check_spend(self, line_ids, new_calls=None, now=None, origin=None):
        """Rate and check the lines ``line_ids``.

        ``new_calls``: ``{line_id: (first, last)}`` connect times (naive
        UTC) of the calls just imported: their cycles are rated and the fraud
        guard looks at the hour around them. ``origin``: what brought the
        calls (shown on the blocks). Returns a dict of counts: ``lines``,
        ``warned``, ``limited``, ``released``, ``fraud_blocked``.
        """
        new_calls = new_calls or {}
        ids = sorted(set(line_ids) | set(new_calls))
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

    # Fraud guard ---------------------------------------------------------------
    @api.model
    def _fraud_check(self, candidates, new_calls):
        """``{line_id: FraudTrip}`` of the lines (``{line_id: plan_id}``)
        whose costly calls around their new calls break their plan's guard."""
        plan_ids = {plan for plan in candidates.values() if plan}
        if not plan_ids:
            return {}
        plans = {
            plan.id: plan
            for plan in self.env["isp.telephony.plan"]
            .sudo()
            .with_context(active_test=False)
            .browse(plan_ids)
            if plan.fraud_hour_limit > 0 or plan.fraud_max_simultaneous > 0
        }
        guard = {
            plan_id: (
                frozenset(plan.fraud_class_ids.mapped("code")),
                plan.fraud_hour_limit,
                plan.fraud_max_simultaneous,
            )
            for plan_id, plan in plans.items()
        }
        watched = [
            line_id for line_id, plan_id in candidates.items() if plan_id in guard
        ]
        classes = sorted(set().union(*(g[0] for g in guard.values())))
        if not watched or not classes:
            return {}
        since = [new_calls[i][0] - spend_core.HOUR for i in watched]
        until = [new_calls[i][1] + spend_core.HOUR for i in watched]
        self.env.cr.execute(_COSTLY_SQL, [watched, since, until, classes])
        calls = defaultdict(list)
        for line_id, connect, billsec, charge, dest_class in self.env.cr.fetchall():
            if dest_class in guard[candidates[line_id]][0]:
                calls[line_id].append(
                    spend_core.CostlyCall(connect, billsec or 0, charge or 0)
                )
        tripped = {}
        for line_id, line_calls in calls.items():
            _classes, hour_limit, simultaneous = guard[candidates[line_id]]
            trip = spend_core.fraud_check(line_calls, hour_limit, simultaneous)
            if trip:
                tripped[line_id] = trip
        return tripped

    def _trip_text(self, trip, line, money=None):
        when = fields.Datetime.to_string(trip.moment) if trip.moment else "-"
        if trip.kind == "hour":
            money = money or _money(self.env)
            currency = line.spend_currency_id
            return self.env._(
                "Fraud guard: %(amount)s spent on costly destinations in the hour "
                "from %(when)s UTC (limit %(limit)s per hour)",
                amount=money(currency, trip.value),
                when=when,
                limit=money(currency, trip.limit),
            )
        return self.env._(
            "Fraud guard: %(count)s simultaneous costly calls at %(when)s UTC "
            "(at most %(limit)s)",
            count=trip.value,
            when=when,
            limit=trip.limit,
        )

    def _block_fraud(self, lines, tripped, origin, now):
        """Block at once; alert the managers of the lines' companies: a note
        on each line, an activity each (created together) and one message
        per integration addressed to them (inbox or email, as each
        prefers) listing the lines."""
        managers = self._managers(lines)
        money = _money(self.env)
        texts = {
            line.id: self._trip_text(tripped[line.id], line, money) for line in lines
        }
        for line in lines:
            line.write(
                {
                    "fraud_blocked": True,
                    "fraud_block_date": now,
                    "fraud_block_origin": f"{texts[line.id]} - {origin}",
                }
            )
        lines._message_log_batch(
            bodies={
                line.id: self.env._(
                    "Line blocked by the fraud guard: %(reason)s (%(origin)s). "
                    "Only a telephony manager releases it, after checking.",
                    reason=texts[line.id],
                    origin=origin,
                )
                for line in lines
            }
        )
        todo_type = self.env.ref("mail.mail_activity_data_todo")
        model_id = self.env["ir.model"]._get_id(lines._name)
        summary = self.env._("Fraud guard tripped: check the line")
        self.env["mail.activity"].sudo().with_context(
            mail_activity_quick_update=True
        ).create(
            [
                {
                    "res_model_id": model_id,
                    "res_id": line.id,
                    "activity_type_id": todo_type.id,
                    "summary": summary,
                    "note": texts[line.id],
                    "user_id": user.id,
                    "date_deadline": fields.Date.context_today(self),
                }
                for line in lines
                for user in managers
                if line.company_id in user.company_ids
            ]
        )
        for integration, group in _group_by(
            lines, lambda line: line.integration_id
        ).items():
            items = Markup("").join(
                Markup("<li>%s (%s): %s</li>")
                % (line.display_name, line.partner_id.name or "", texts[line.id])
                for line in group
            )
            integration.message_post(
                body=Markup("<p>%s</p><ul>%s</ul>")
                % (
                    self.env._(
                        "The fraud guard blocked %(count)s line(s) (%(origin)s). "
                        "Check them with the customers, then release them from "
                        "the line (Release Fraud Block).",
                        count=len(group),
                        origin=origin,
                    ),
                    items,
                ),
                subject=self.env._("Fraud guard: lines blocked"),
                partner_ids=managers.filtered(
                    lambda u, i=integration: i.company_id in u.company_ids
                ).partner_id.ids,
                message_type="comment",
                subtype_xmlid="mail.mt_comment",
            )

    def _managers(self, lines):
        """Telephony managers of the lines' companies."""
        group = self.env.ref("isp_telephony.group_telephony_manager")
        companies = lines.company_id
        return group.sudo().users.filtered(
            lambda u: u.active and not u.share and (u.company_ids & companies)
        )

    def _release_fraud(self, lines, origin):
        lines.write(
            {
                "fraud_blocked": False,
                "fraud_block_date": False,
                "fraud_block_origin": False,
            }
        )
        for line in lines:
            line.message_post(
                body=self.env._("Fraud block released: %(origin)s", origin=origin)
            )
            line.activity_ids.action_feedback(feedback=origin)
        lines._apply_expected_category()
        self._notify_restored(lines)

    # Credit limit ----------------------------------------------------------------
    def _warn_credit(self, lines, cycles):
        notes = {}
        money = _money(self.env)
        for line in lines:
            notes[line.id] = self.env._(
                "Line %(line)s spent %(spend)s of its %(limit)s credit limit "
                "(%(share)s %%).",
                line=line.display_name,
                spend=money(line.spend_currency_id, line.cycle_spend),
                limit=money(line.spend_currency_id, line.credit_limit),
                share=round(line.credit_share),
            )
        for cycle, group in _group_by(lines, lambda line: cycles[line.id]).items():
            group.write({"credit_warned_cycle": cycle})
        # The customer's email and the responsible's activity are queued.
        self.env["contract.contract"]._telephony_notify(
            "isp_telephony.mail_template_credit_warning", lines, activity=notes
        )

    def _block_credit(self, lines, origin, now):
        lines.write(
            {
                "credit_blocked": True,
                "credit_block_date": now,
                "credit_block_origin": origin,
            }
        )
        money = _money(self.env)
        lines._message_log_batch(
            bodies={
                line.id: self.env._(
                    "Credit limit reached (%(spend)s of %(limit)s): the line is "
                    "partially blocked until its next cycle (%(origin)s).",
                    spend=money(line.spend_currency_id, line.cycle_spend),
                    limit=money(line.spend_currency_id, line.credit_limit),
                    origin=origin,
                )
                for line in lines
            }
        )
        self.env["contract.contract"]._telephony_notify(
            "isp_telephony.mail_template_credit_block", lines
        )

    def _release_credit(self, lines, origin, lifted=False, apply=True):
        vals = {
            "credit_blocked": False,
            "credit_block_date": False,
            "credit_block_origin": False,
        }
        if lifted:
            body = self.env._(
                "Credit-limit block lifted for the rest of the cycle: %(origin)s",
                origin=origin,
            )
            for cycle, group in _group_by(lines, lambda line: line.cycle_start).items():
                group.write(dict(vals, credit_lifted_cycle=cycle))
        else:
            body = self.env._(
                "Credit-limit block ended: the line is below its limit (new "
                "cycle or higher limit)."
            )
            lines.write(vals)
        lines._message_log_batch(bodies=dict.fromkeys(lines.ids, body))
        if apply:
            lines._apply_expected_category()
        self._notify_restored(lines)

    def _notify_restored(self, lines):
        restored = lines.filtered(lambda line: line.line_status == blocking.ACTIVE)
        self.env["contract.contract"]._telephony_notify(
            "isp_telephony.mail_template_line_restored", restored
        )

    # Unrated calls (the hourly cron) --------------------------------------------
    @api.model
    def _unrated_calls(self):
        """``{line_id: (first, last)}`` connect times of unbilled calls never
        rated, of lines with a plan."""
        self.env.flush_all()
        self.env.cr.execute(
            """
            SELECT c.line_id, MIN(c.connect_time), MAX(c.connect_time)
              FROM isp_cdr c
              JOIN isp_sip_line l ON l.id = c.line_id
             WHERE c.invoice_id IS NULL AND l.billing_plan_id IS NOT NULL
               AND (c.rating_status IS NULL OR c.rating_status = 'unrated')
               AND c.connect_time IS NOT NULL
          GROUP BY c.line_id
            """
        )
        return {row[0]: (row[1], row[2]) for row in self.env.cr.fetchall()}

    @api.model
    def _lines_to_follow(self):
        """Lines whose figures may change without new calls: with a limit, or
        holding a credit block or a warning (a new cycle starts)."""
        self.env.cr.execute(
            """
            SELECT id FROM isp_sip_line
             WHERE state != 'cancelled' AND billing_plan_id IS NOT NULL
               AND (credit_limit > 0 OR credit_blocked
                    OR credit_state IS DISTINCT FROM 'none')
            """
        )
        return [row[0] for row in self.env.cr.fetchall()]


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
        self.env.cr.execute(
            """
            SELECT line_id, MIN(connect_time), MAX(connect_time)
              FROM isp_cdr
             WHERE import_id = %s AND line_id IS NOT NULL
               AND connect_time IS NOT NULL
          GROUP BY line_id
            """,
            [self.id],
        )
        new_calls = {row[0]: (row[1], row[2]) for row in self.env.cr.fetchall()}
        return self.env["isp.telephony.spend"]._check_spend(
            list(new_calls),
            new_calls=new_calls,
            origin=self.env._("CDR import %(run)s", run=self.name),
        )
