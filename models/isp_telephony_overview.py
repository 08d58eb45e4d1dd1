# Copyright 2026 isp_telephony authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The Telephony Overview's figures (Reporting > Overview): this month's
minutes, revenue and margin, and what needs attention (No-rate calls,
blocked lines, failed provisioning, CDR imports with rejections). Each
figure comes with the action listing what it counts. Read with the user's
rights (record rules apply). The cards are described as data
(``_card_specs``) and read by one grouped query per model and domain."""

from odoo import api, fields, models
from odoo.tools.misc import formatLang

from ..tools import timezones


class IspTelephonyOverview(models.AbstractModel):
    _name = "isp.telephony.overview"
    _description = "Telephony Overview"

    @api.model
    def _month_start_utc(self):
        tz_name = self.env.company.telephony_timezone or self.env.user.tz or "UTC"
        first_day = timezones.local_now(tz_name).date().replace(day=1)
        return timezones.local_midnight_utc(first_day, tz_name)

    @api.model
    def _card(self, key, label, value, shown, xmlid, domain, level="info"):
        action = self.env["ir.actions.act_window"]._for_xml_id(xmlid)
        action.update({"domain": domain, "context": {}})
        return {
            "key": key,
            "label": label,
            "value": value,
            "shown": shown,
            "level": level,
            "action": action,
        }

    @api.model
    def _card_specs(self, since):
        """The cards, in the order shown, described as data: ``key``,
        ``label``; ``model`` and ``domain`` of what the card counts (or sums:
        ``aggregate``, e.g. ``"rated_minutes:sum"``; default the count);
        ``show``: ``number``, ``money`` or ``count``; ``level``: ``info``,
        ``sign`` (success when not negative, else danger) or the level of a
        count that is not zero (zero is a success); ``action`` (XML id)
        lists what it counts; ``readers_only``: shown only to the users who
        may read the model (else reading it is refused as for any model)."""
        this_month = [("detect_time", ">=", since)]
        analysis = "isp_telephony.action_isp_cdr_analysis_overview"
        calls = "isp_telephony.action_isp_cdr"
        month = {"model": "isp.cdr.analysis", "domain": this_month}
        return [
            dict(
                month,
                key="minutes",
                label=self.env._("Minutes this month"),
                aggregate="rated_minutes:sum",
                show="number",
                level="info",
                action=analysis,
            ),
            dict(
                month,
                key="calls",
                label=self.env._("Calls this month"),
                aggregate="call_count:sum",
                show="number",
                level="info",
                action=calls,
            ),
            dict(
                month,
                key="revenue",
                label=self.env._("Revenue this month"),
                aggregate="charge:sum",
                show="money",
                level="info",
                action=analysis,
            ),
            dict(
                month,
                key="margin",
                label=self.env._("Margin this month"),
                aggregate="margin:sum",
                show="money",
                level="sign",
                action=analysis,
            ),
            {
                "key": "no_rate",
                "label": self.env._("No-rate calls this month"),
                "model": "isp.cdr",
                "domain": this_month + [("rating_status", "=", "no_rate")],
                "level": "danger",
                "action": calls,
            },
            {
                "key": "blocked_lines",
                "label": self.env._("Blocked lines"),
                "model": "isp.sip.line",
                "domain": [("service_status", "!=", "active")],
                "level": "warning",
                "action": "isp_telephony.action_isp_sip_line_blocked",
            },
            {
                "key": "rejected_imports",
                "label": self.env._("CDR imports with rejections this month"),
                "model": "isp.cdr.import",
                "domain": [("count_rejected", ">", 0), ("start_time", ">=", since)],
                "level": "danger",
                "action": "isp_telephony.action_isp_cdr_import",
            },
            # Provisioning runs as OCA queue_job jobs, which telephony
            # managers read (the Provisioning Jobs menu): the card is theirs.
            {
                "key": "failed_provisioning",
                "label": self.env._("Failed provisioning"),
                "model": "queue.job",
                "domain": [
                    ("telephony_sip_line_id", "!=", False),
                    ("state", "=", "failed"),
                ],
                "level": "danger",
                "action": "isp_telephony.action_isp_provisioning_queue_job",
                "readers_only": True,
            },
            # Lines at their credit limit: added by spend control (issue 14).
        ]

    @api.model
    def _card_values(self, specs):
        """``{key: value}`` of the cards: one grouped query per model and
        domain, with every aggregate its cards ask for."""
        queries = {}
        for spec in specs:
            query = (spec["model"], repr(spec["domain"]))
            queries.setdefault(query, []).append(spec)
        values = {}
        for (model, _domain), cards in queries.items():
            aggregates = [spec.get("aggregate", "__count") for spec in cards]
            [row] = self.env[model]._read_group(cards[0]["domain"], [], aggregates)
            for spec, value in zip(cards, row, strict=True):
                values[spec["key"]] = value or 0
        return values

    @api.model
    def _card_shown(self, spec, value):
        if spec.get("show") == "number":
            return formatLang(self.env, value, digits=0)
        if spec.get("show") == "money":
            currency = self.env.company.currency_id
            return formatLang(self.env, value, currency_obj=currency)
        return str(value)

    @api.model
    def _card_level(self, spec, value):
        level = spec["level"]
        if level == "info":
            return level
        if level == "sign":
            return "success" if value >= 0 else "danger"
        return level if value else "success"

    @api.model
    def get_overview(self):
        since = fields.Datetime.to_string(self._month_start_utc())
        specs = [
            spec
            for spec in self._card_specs(since)
            if not spec.get("readers_only")
            or self.env[spec["model"]].has_access("read")
        ]
        values = self._card_values(specs)
        return {
            "cards": [
                self._card(
                    spec["key"],
                    spec["label"],
                    values[spec["key"]],
                    self._card_shown(spec, values[spec["key"]]),
                    spec["action"],
                    spec["domain"],
                    level=self._card_level(spec, values[spec["key"]]),
                )
                for spec in specs
            ]
        }
