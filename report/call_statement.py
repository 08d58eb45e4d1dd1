# Copyright 2026 isp_telephony authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Call statement (extrato de ligações): franchise and its use, a summary per
destination class and the itemised calls of a contract's cycle.

Everything is computed and formatted here, so that the QWeb template only
prints strings: 5,000 calls render in about a second. A statement speaks the
customer's language (the partner's, else the company's): its labels, dates,
minutes and amounts, e.g. for pt_BR 31/03/2026, 12,50 min and R$ 1.234,56."""

from ast import literal_eval
from datetime import timezone
from zoneinfo import ZoneInfo

from odoo import api, models
from odoo.tools.float_utils import float_round

from odoo.addons.base.models.res_lang import intersperse

from ..models.isp_telephony_charge import CHARGE_CALLS
from ..tools import billing, phone_format

# Itemised calls per printed page. Each page gets its own table with its
# column headings, after a page break: wkhtmltopdf builds without
# patched Qt do not repeat a table's heading on the next page. The counts
# fit the shorter Letter page as well as A4, with the company header and
# footer, with or without the report's style sheet (30 and 15 overflowed
# Letter: 18 calls printed on 3 pages, one of 3 rows without headings);
# the first page, below the franchise and the summary, takes 8.
CALLS_PER_PAGE = 24
CALLS_FIRST_PAGE = 8

_CALLS = """
SELECT c.id, l.contract_id, c.line_id, c.connect_time, c.direction, c.ani_e164,
       c.dnis_e164, c.dnis, c.billsec, c.dest_class, c.charge, c.rating_status,
       c.cycle_start, c.bucket_id, c.franchise_seconds, c.excess_seconds,
       l.caller_id_e164, l.billing_plan_id, c.invoice_id
  FROM isp_cdr c
  JOIN isp_sip_line l ON l.id = c.line_id
"""


def _number_formatter(env, lang, digits=2, currency=None):
    """A function formatting numbers as ``formatLang`` does for ``lang``
    (and ``currency``: its decimals and symbol), reading the language and
    the currency once: ``formatLang`` reads them for every value, which
    was most of the time of a 5,000-call statement."""
    data = env["res.lang"]._get_data(code=lang)
    if not data:
        data = env["res.lang"]._get_data(code="en_US")
    grouping = literal_eval(data.grouping)
    thousands_sep = data.thousands_sep or ""
    decimal_point = data.decimal_point
    symbol, after = None, False
    if currency:
        digits = currency.decimal_places
        symbol = currency.symbol or None
        after = currency.position == "after"
    pattern = f"%.{digits}f"
    # A statement repeats the same amounts many times (rates per minute).
    cache = {}

    def format_number(value):
        value = float(value or 0)
        text = cache.get(value)
        if text is None:
            rounded = float_round(
                value, precision_digits=digits, rounding_method="HALF-EVEN"
            )
            whole, _sep, decimals = (pattern % rounded).partition(".")
            text = intersperse(whole, grouping, thousands_sep)[0]
            if decimals:
                text = f"{text}{decimal_point}{decimals}"
            if symbol:
                text = (
                    f"{text}\N{NO-BREAK SPACE}{symbol}"
                    if after
                    else f"{symbol}\N{NO-BREAK SPACE}{text}"
                )
            cache[value] = text
        return text

    return format_number


def _duration(seconds):
    seconds = seconds or 0
    return f"{seconds // 3600:d}:{seconds // 60 % 60:02d}:{seconds % 60:02d}"


class ReportCallStatement(models.AbstractModel):
    _name = "report.isp_telephony.report_call_statement"
    _description = "Telephony Call Statement"

    @api.model
    def _get_report_values(self, docids, data=None):
        data = data or {}
        if data.get("charge_ids"):
            statements = self._charge_statements(data["charge_ids"])
        elif data.get("contract_id"):
            statements = self._contract_statements(
                data["contract_id"], data["billing_month"]
            )
        else:
            statements = self._invoice_statements(docids or [])
        return {
            "doc_ids": docids,
            "doc_model": "account.move",
            "docs": statements,
            "statements": statements,
        }

    def _invoice_statements(self, move_ids):
        self.env.flush_all()
        self.env.cr.execute(
            _CALLS + " WHERE c.invoice_id = ANY(%s) ORDER BY c.connect_time, c.id",
            [list(move_ids)],
        )
        rows = self.env.cr.fetchall()
        by_move = {}
        for row in rows:
            by_move.setdefault(row[18], {}).setdefault((row[1], row[12]), []).append(
                row
            )
        statements = []
        for move in self.env["account.move"].browse(move_ids):
            groups = by_move.get(move.id, {})
            for (contract_id, _cycle), group in sorted(
                groups.items(), key=lambda kv: (kv[0][0], str(kv[0][1]))
            ):
                statements.append(self._statement(contract_id, group, move))
        return statements

    def _charge_statements(self, charge_ids):
        self.env.flush_all()
        self.env.cr.execute(
            _CALLS.replace("c.invoice_id", "c.charge_id")
            + " WHERE c.id IN ("
            + CHARGE_CALLS
            + ") ORDER BY c.connect_time, c.id",
            [list(charge_ids)],
        )
        by_charge = {}
        for row in self.env.cr.fetchall():
            by_charge.setdefault(row[18], []).append(row)
        statements = []
        for charge in self.env["isp.telephony.charge"].browse(charge_ids):
            rows = by_charge.get(charge.id)
            if rows:
                statement = self._statement(
                    charge.contract_id.id, rows, charge.invoice_id or None
                )
                statement["period"] = billing.period_label(
                    charge.cycle_start, charge.cycle_end, charge._date_format()
                )
                statements.append(statement)
        return statements

    def _contract_statements(self, contract_id, billing_month):
        service = self.env["isp.telephony.billing"]
        cycles = service._line_cycles(
            billing.month_start(billing_month), contract_ids=[contract_id]
        )
        if not cycles:
            return []
        self.env.flush_all()
        self.env.cr.execute(
            _CALLS
            + """
              JOIN unnest(%s::int[], %s::timestamp[], %s::timestamp[])
                   AS b(line_id, s, e) ON b.line_id = c.line_id
               AND c.connect_time >= b.s AND c.connect_time < b.e
             ORDER BY c.connect_time, c.id
            """,
            service._arrays(cycles),
        )
        rows = self.env.cr.fetchall()
        return [self._statement(contract_id, rows, None)] if rows else []

    def _statement(self, contract_id, rows, move):
        contract = self.env["contract.contract"].browse(contract_id)
        company = contract.company_id
        currency = (move and move.currency_id) or company.currency_id
        tz_name = contract.partner_id.tz or company.telephony_timezone or "UTC"
        zone = ZoneInfo(tz_name)
        lang = (
            contract.partner_id.lang
            or company.partner_id.lang
            or self.env.lang
            or "en_US"
        )
        env = self.with_context(lang=lang).env
        labels = dict(env["isp.cdr"]._fields["dest_class"]._description_selection(env))
        lang_date = env["res.lang"]._get_data(code=lang).date_format or "%m/%d/%Y"
        datetime_format = f"{lang_date} %H:%M:%S"
        date_format = lang_date

        money = _number_formatter(env, lang, currency=currency)
        decimal = _number_formatter(env, lang, digits=2)

        def minutes(seconds):
            return decimal(billing.minutes(seconds))

        calls = []
        by_class = {}
        used = {}
        lines = {}
        total_seconds = 0
        total_charge = 0
        for row in rows:
            (_id, _k, line_id, connect, direction, ani, dnis_e164, dnis, billsec) = row[
                :9
            ]
            dest_class, charge, status, _cycle = row[9:13]
            bucket_id, franchise = row[13:15]
            lines[line_id] = (row[16], row[17])
            number = ani if direction == "in" else (dnis_e164 or dnis)
            local = (
                connect.replace(tzinfo=timezone.utc).astimezone(zone)
                if connect
                else None
            )
            label = labels.get(dest_class, dest_class or "")
            if status == "no_rate":
                label = env._("%s (no rate)", label)
            calls.append(
                (
                    local.strftime(datetime_format) if local else "",
                    phone_format.format_national(number) if number else "",
                    label,
                    _duration(billsec),
                    money(charge),
                )
            )
            slot = by_class.setdefault(dest_class, [0, 0, 0])
            slot[0] += 1
            slot[1] += billsec or 0
            slot[2] += charge or 0
            total_seconds += billsec or 0
            total_charge += charge or 0
            if bucket_id:
                used[bucket_id] = used.get(bucket_id, 0) + (franchise or 0)
        buckets = []
        plan_lines = {}
        for _caller, plan_id in lines.values():
            plan_lines[plan_id] = plan_lines.get(plan_id, 0) + 1
        plans = env["isp.telephony.plan"].sudo().browse(list(plan_lines))
        for plan in plans:
            for bucket in plan.bucket_ids:
                allowance = bucket.allowance_seconds * plan_lines[plan.id]
                spent = used.get(bucket.id, 0)
                buckets.append(
                    (
                        bucket.name,
                        ", ".join(bucket.dest_class_ids.mapped("name")),
                        minutes(allowance),
                        minutes(spent),
                        minutes(max(0, allowance - spent)),
                    )
                )
        summary = [
            (
                labels.get(dest_class, dest_class or ""),
                count,
                minutes(seconds),
                money(charge),
            )
            for dest_class, (count, seconds, charge) in sorted(
                by_class.items(), key=lambda kv: str(kv[0])
            )
        ]
        cycles = sorted({row[12] for row in rows if row[12]})
        period = ""
        if cycles:
            period = billing.period_label(
                cycles[0], billing.cycle_last_day(cycles[-1]), date_format
            )
        return {
            "lang": lang,
            "contract": contract,
            "company": company,
            "partner": contract.partner_id,
            "invoice": move,
            "period": period,
            "timezone": tz_name,
            "numbers": ", ".join(
                sorted(phone_format.format_national(c) for c, _p in lines.values() if c)
            ),
            "buckets": buckets,
            "summary": summary,
            "calls": calls,
            "call_pages": _pages(calls),
            "total_calls": len(calls),
            "total_minutes": minutes(total_seconds),
            "total_charge": money(total_charge),
            "total_charge_value": float(total_charge),
        }


def _pages(calls):
    """The calls cut into the tables of the printed pages."""
    pages = [calls[:CALLS_FIRST_PAGE]]
    for start in range(CALLS_FIRST_PAGE, len(calls), CALLS_PER_PAGE):
        pages.append(calls[start : start + CALLS_PER_PAGE])
    return pages


class ReportCallStatementCharge(models.AbstractModel):
    """The call statement printed from telephony charges."""

    _name = "report.isp_telephony.report_call_statement_charge"
    _inherit = "report.isp_telephony.report_call_statement"
    _description = "Telephony Call Statement of a Charge"

    @api.model
    def _get_report_values(self, docids, data=None):
        data = dict(data or {}, charge_ids=list(docids or []))
        values = super()._get_report_values(docids, data)
        values["doc_model"] = "isp.telephony.charge"
        return values
