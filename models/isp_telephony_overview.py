# Copyright 2026 isp_telephony authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The Telephony Overview's figures (Reporting > Overview): this month's
minutes, revenue and margin, and what needs attention (No-rate calls,
blocked lines, failed provisioning, CDR imports with rejections). Each
figure comes with the action listing what it counts. Read with the user's
rights (record rules apply); one grouped query per model."""

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
    def get_overview(self):
        start = self._month_start_utc()
        since = fields.Datetime.to_string(start)
        this_month = [("detect_time", ">=", since)]
        currency = self.env.company.currency_id
        [(calls, minutes, charge, margin)] = self.env["isp.cdr.analysis"]._read_group(
            this_month,
            [],
            ["call_count:sum", "rated_minutes:sum", "charge:sum", "margin:sum"],
        )
        analysis = "isp_telephony.action_isp_cdr_analysis_overview"
        calls_action = "isp_telephony.action_isp_cdr"
        no_rate_domain = this_month + [("rating_status", "=", "no_rate")]
        no_rate = self.env["isp.cdr"].search_count(no_rate_domain)
        blocked_domain = [("service_status", "!=", "active")]
        blocked = self.env["isp.sip.line"].search_count(blocked_domain)
        imports_domain = [("count_rejected", ">", 0), ("start_time", ">=", since)]
        imports = self.env["isp.cdr.import"].search_count(imports_domain)
        cards = [
            self._card(
                "minutes",
                self.env._("Minutes this month"),
                minutes or 0,
                formatLang(self.env, minutes or 0, digits=0),
                analysis,
                this_month,
            ),
            self._card(
                "calls",
                self.env._("Calls this month"),
                calls or 0,
                formatLang(self.env, calls or 0, digits=0),
                calls_action,
                this_month,
            ),
            self._card(
                "revenue",
                self.env._("Revenue this month"),
                charge or 0,
                formatLang(self.env, charge or 0, currency_obj=currency),
                analysis,
                this_month,
            ),
            self._card(
                "margin",
                self.env._("Margin this month"),
                margin or 0,
                formatLang(self.env, margin or 0, currency_obj=currency),
                analysis,
                this_month,
                level="success" if (margin or 0) >= 0 else "danger",
            ),
            self._card(
                "no_rate",
                self.env._("No-rate calls this month"),
                no_rate,
                str(no_rate),
                calls_action,
                no_rate_domain,
                level="danger" if no_rate else "success",
            ),
            self._card(
                "blocked_lines",
                self.env._("Blocked lines"),
                blocked,
                str(blocked),
                "isp_telephony.action_isp_sip_line_blocked",
                blocked_domain,
                level="warning" if blocked else "success",
            ),
            self._card(
                "rejected_imports",
                self.env._("CDR imports with rejections this month"),
                imports,
                str(imports),
                "isp_telephony.action_isp_cdr_import",
                imports_domain,
                level="danger" if imports else "success",
            ),
        ]
        # Provisioning runs as OCA queue_job jobs, which telephony managers
        # read (the Provisioning Jobs menu): the card is theirs.
        Job = self.env["queue.job"]
        if Job.has_access("read"):
            failed_domain = [
                ("telephony_sip_line_id", "!=", False),
                ("state", "=", "failed"),
            ]
            failed = Job.search_count(failed_domain)
            cards.append(
                self._card(
                    "failed_provisioning",
                    self.env._("Failed provisioning"),
                    failed,
                    str(failed),
                    "isp_telephony.action_isp_provisioning_queue_job",
                    failed_domain,
                    level="danger" if failed else "success",
                )
            )
        # Lines at their credit limit: added by spend control (issue 14).
        return {"cards": cards}
