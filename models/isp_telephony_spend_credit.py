# Copyright 2026 isp_telephony authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Spend control's credit limit: the customer warned when a line nears its
limit, the line partially blocked when it reaches it, and released (new
cycle, higher limit, or lifted by a manager)."""

from odoo import models

from .isp_telephony_spend import _group_by, _money


class IspTelephonySpendCredit(models.AbstractModel):
    _inherit = "isp.telephony.spend"

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
