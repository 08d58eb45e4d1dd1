# Copyright 2026 isp_telephony authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The customer's telephony in the Odoo portal (/my/telephony): their SIP
lines with the current cycle's use of the franchise and of the credit
limit, the call statement of each cycle, and the past telephony charges
with their statements, as PDF. Lines, calls and charges are read as the
customer (record rules of security/isp_telephony_portal_security.xml); a
statement is rendered only for a contract one of those lines belongs to,
or for a charge the customer may read."""

import re

from odoo import http
from odoo.http import request

from odoo.addons.portal.controllers.portal import CustomerPortal

from ..tools import phone_format

# Statements listed per contract, newest first.
MAX_STATEMENTS = 24
# Past charges listed, newest first (two years of monthly closes).
MAX_CHARGES = 24
_MONTH = re.compile(r"^(\d{4})-(\d{2})$")


class TelephonyPortal(CustomerPortal):
    def _prepare_home_portal_values(self, counters):
        values = super()._prepare_home_portal_values(counters)
        if "telephony_line_count" in counters:
            Line = request.env["isp.sip.line"]
            values["telephony_line_count"] = (
                Line.search_count([]) if Line.has_access("read") else 0
            )
        return values

    @http.route(["/my/telephony"], type="http", auth="user", website=True)
    def portal_my_telephony(self, **kw):
        Line = request.env["isp.sip.line"]
        if not Line.has_access("read"):
            return request.redirect("/my")
        lines = Line.search([], order="contract_id, id")
        usage = lines._current_cycle_usage()
        shown = lines.sudo()
        values = self._prepare_portal_layout_values()
        values.update(
            {
                "page_name": "telephony",
                "lines": shown,
                "usage": usage,
                "numbers": {
                    line.id: phone_format.format_display(
                        line.caller_id_e164, line.integration_id._country_code()
                    )
                    for line in shown
                },
                "contracts": shown.contract_id,
                "cycles": lines._statement_cycles(MAX_STATEMENTS),
                "currency": request.env.company.currency_id,
                "charges": self._telephony_charges(),
            }
        )
        return request.render("isp_telephony.portal_my_telephony", values)

    def _telephony_charges(self):
        """The customer's past telephony charges, newest first (record
        rules applied by the search; read as superuser once found)."""
        Charge = request.env["isp.telephony.charge"]
        if not Charge.has_access("read"):
            return Charge
        return Charge.search(
            [("state", "!=", "cancelled")],
            order="billing_month desc, contract_id, sequence",
            limit=MAX_CHARGES,
        ).sudo()

    @http.route(
        ["/my/telephony/charge/<int:charge_id>/statement"],
        type="http",
        auth="user",
        website=True,
    )
    def portal_telephony_charge_statement(self, charge_id, **kw):
        """The call statement of one of the customer's charges (PDF)."""
        Charge = request.env["isp.telephony.charge"]
        charge = Charge.browse()
        if Charge.has_access("read"):
            # The search applies the record rules: another customer's
            # charge is not found, whatever its id.
            charge = Charge.search([("id", "=", charge_id)], limit=1)
        if not charge:
            return request.not_found()
        pdf, _type = (
            request.env["ir.actions.report"]
            .sudo()
            ._render_qweb_pdf(
                "isp_telephony.action_report_call_statement_charge",
                res_ids=charge.ids,
            )
        )
        month = charge.sudo().billing_month.strftime("%Y-%m")
        filename = f"call-statement-{charge.id}-{month}.pdf"
        return self._telephony_pdf_response(pdf, filename)

    def _telephony_pdf_response(self, pdf, filename):
        return request.make_response(
            pdf,
            headers=[
                ("Content-Type", "application/pdf"),
                ("Content-Length", len(pdf)),
                ("Content-Disposition", f'attachment; filename="{filename}"'),
            ],
        )

    @http.route(
        ["/my/telephony/statement/<int:contract_id>/<string:month>"],
        type="http",
        auth="user",
        website=True,
    )
    def portal_telephony_statement(self, contract_id, month, **kw):
        match = _MONTH.match(month or "")
        # The contract must hold one of the lines this user may read.
        lines = request.env["isp.sip.line"].search(
            [("contract_id", "=", contract_id)], limit=1
        )
        if not match or not lines:
            return request.not_found()
        billing_month = f"{month}-01"
        report = request.env["ir.actions.report"].sudo()
        # (Under tests Odoo renders reports as HTML: wkhtmltopdf would wait
        # for the test server, busy with this very request.)
        pdf, _type = report._render_qweb_pdf(
            "isp_telephony.action_report_call_statement",
            res_ids=[],
            data={"contract_id": contract_id, "billing_month": billing_month},
        )
        filename = f"call-statement-{contract_id}-{month}.pdf"
        return self._telephony_pdf_response(pdf, filename)
