# Copyright 2026 isp_telephony authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Spend control's fraud guard: the costly calls of a line around its new
calls checked against its plan's limits (per hour, simultaneous); a line
that breaks them is blocked at once and the managers alerted; only a
telephony manager releases it."""

from collections import defaultdict

from markupsafe import Markup

from odoo import api, fields, models

from ..tools import spend as spend_core
from .isp_telephony_spend import _group_by, _money

# Costly calls of lines around their new calls (fraud guard).
_COSTLY_SQL = """
    SELECT c.line_id, c.connect_time, c.billsec, c.charge, c.dest_class
      FROM unnest(%s::int[], %s::timestamp[], %s::timestamp[])
           AS v(line_id, since, until)
      JOIN isp_cdr c ON c.line_id = v.line_id
           AND c.connect_time >= v.since AND c.connect_time < v.until
     WHERE c.dest_class = ANY(%s) AND c.billsec > 0
"""


class IspTelephonySpendFraud(models.AbstractModel):
    _inherit = "isp.telephony.spend"

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
