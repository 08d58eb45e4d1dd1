# Copyright 2026 isp_telephony authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Monthly telephony billing: invoice lines per class, idempotence, the
contract's draft invoice, separate invoices, freeing CDRs, the wizard and
the call statement."""

import io
from datetime import date, datetime
from unittest.mock import patch

from freezegun import freeze_time

from odoo import Command
from odoo.tools.pdf import PdfFileReader

from ..models import isp_telephony_billing
from .billing_common import LOCAL, MARCH, MOBILE, USA, BillingCase


def insert_calls(case, count):
    """``count`` answered local calls on the case's line, 5 minutes apart
    from the start of the cycle billed in March."""
    case.env.cr.execute(
        """
        INSERT INTO isp_cdr (integration_id, company_id, call_id, direction,
               dnis_e164, connect_time, billsec, disposition, line_id,
               contract_id)
        SELECT %s, %s, 'bulk-' || g, 'out', '+5531333' || lpad(g::text, 5, '0'),
               %s::timestamp + g * interval '5 minutes', 30 + g %% 300,
               'answered', %s, %s
          FROM generate_series(1, %s) g
        """,
        [
            case.integration.id,
            case.company.id,
            datetime(2026, 2, 10, 3, 0, 0),
            case.line.id,
            case.contract.id,
            count,
        ],
    )


class TestBilling(BillingCase):
    def _calls(self):
        # Franchise 100 s: 60 covered; then 40 covered + 80 excess (0.90);
        # then 60 excess (0.70). Mobile 36 s (1.08). Total 2.68.
        self.cdr(LOCAL, 50, 0)
        self.cdr(LOCAL, 90, 5)
        self.cdr(LOCAL, 10, 9)
        self.cdr(MOBILE, 31, 20)
        # Outside the cycle billed in March: ignored by this run.
        self.cdr(LOCAL, 600, datetime(2026, 3, 10, 3, 0, 0))

    def _telephony_lines(self, move):
        return move.invoice_line_ids.filtered("telephony_plan_id").sorted(
            "telephony_dest_class"
        )

    def test_generate_creates_invoice_with_lines_per_class(self):
        self._calls()
        result = self.generate()
        move = result["moves"]
        self.assertEqual(len(move), 1)
        self.assertEqual(move.state, "draft")
        self.assertEqual(move.partner_id, self.partner)
        self.assertEqual(move.telephony_contract_id, self.contract)
        # Reset day of the cycle (due day 10 of March) is the invoice date.
        self.assertEqual(move.invoice_date, date(2026, 3, 10))
        lines = self._telephony_lines(move)
        self.assertEqual(
            lines.mapped("telephony_dest_class"), ["local_fixed", "local_mobile"]
        )
        self.assertEqual(lines.mapped("product_id"), self.product)
        self.assertAlmostEqual(lines[0].price_subtotal, 1.60)
        self.assertAlmostEqual(lines[1].price_subtotal, 1.08)
        # Every CDR of the cycle is billed, those of the class on its line.
        billed = self.env["isp.cdr"].search([("invoice_id", "=", move.id)])
        self.assertEqual(len(billed), 4)
        self.assertTrue(all(billed.mapped("billed")))
        self.assertEqual(len(lines[0].telephony_cdr_ids), 3)
        self.assertEqual(len(lines[1].telephony_cdr_ids), 1)
        self.assertEqual(result["cdrs"], 4)
        self.assertEqual(move.telephony_cdr_count, 4)

    def test_running_again_adds_nothing(self):
        self._calls()
        move = self.generate()["moves"]
        amount = move.amount_untaxed
        again = self.generate()
        self.assertFalse(again["moves"])
        self.assertEqual(again["cdrs"], 0)
        self.assertEqual(move.amount_untaxed, amount)
        self.assertEqual(len(self._telephony_lines(move)), 2)

    def test_billed_cdrs_are_frozen_and_late_calls_use_what_is_left(self):
        self._calls()
        move = self.generate()["moves"]
        first = self.env["isp.cdr"].search([("invoice_id", "=", move.id)])
        before = [(c.charge, c.franchise_seconds) for c in first]
        # A price change re-rates unbilled calls only.
        self.plan.rate_ids.filtered(
            lambda r: r.dest_class == "local_fixed"
        ).price_per_minute = 6.0
        self.assertEqual([(c.charge, c.franchise_seconds) for c in first], before)
        # A late call of the same cycle: the franchise is used up by billed
        # calls, so its 60 s are excess: 0.10 + 60 * 0.10 = 6.10.
        late = self.cdr(LOCAL, 30, 60)
        result = self.generate()
        self.assertEqual(result["moves"], move)
        self.assertEqual((late.franchise_seconds, late.excess_seconds), (0, 60))
        self.assertAlmostEqual(late.charge, 6.10)
        self.assertEqual(late.invoice_id, move)
        self.assertEqual(len(self._telephony_lines(move)), 3)

    def test_contract_draft_invoice_of_the_month_gets_the_lines(self):
        self._calls()
        service = self.env["product.product"].create(
            {"name": "Internet 500M", "type": "service", "list_price": 99}
        )
        self.contract.write(
            {
                "line_recurrence": True,
                "contract_line_ids": [
                    Command.create(
                        {
                            "product_id": service.id,
                            "name": "Internet",
                            "quantity": 1,
                            "price_unit": 99,
                            "recurring_rule_type": "monthly",
                            "recurring_interval": 1,
                            "date_start": "2026-03-05",
                            "recurring_next_date": "2026-03-05",
                        }
                    )
                ],
            }
        )
        recurring = self.contract.recurring_create_invoice()
        self.assertEqual(recurring.invoice_date, date(2026, 3, 5))
        result = self.generate()
        self.assertEqual(result["moves"], recurring)
        self.assertEqual(len(self._telephony_lines(recurring)), 2)
        self.assertAlmostEqual(recurring.amount_untaxed, 99 + 2.68)
        # A company that wants a separate invoice gets one.
        self.company.telephony_separate_invoice = True
        recurring.button_cancel()
        separate = self.generate()["moves"]
        self.assertNotEqual(separate, recurring)
        self.assertEqual(separate.telephony_contract_id, self.contract)
        self.assertAlmostEqual(separate.amount_untaxed, 2.68)

    def test_cancelling_or_deleting_the_invoice_frees_the_cdrs(self):
        self._calls()
        move = self.generate()["moves"]
        move.button_cancel()
        freed = self.env["isp.cdr"].search([("line_id", "=", self.line.id)])
        self.assertFalse(freed.filtered("billed"))
        self.assertFalse(freed.mapped("invoice_line_id"))
        second = self.generate()["moves"]
        self.assertNotEqual(second, move)
        self.assertAlmostEqual(second.amount_untaxed, 2.68)
        # The cancelled invoice reset to draft loses its stale overage lines.
        move.button_draft()
        self.assertFalse(self._telephony_lines(move))
        second.unlink()
        self.assertFalse(freed.filtered("billed"))
        third = self.generate()["moves"]
        self.assertAlmostEqual(third.amount_untaxed, 2.68)

    def test_deleting_an_overage_line_frees_its_calls(self):
        self._calls()
        move = self.generate()["moves"]
        mobile = self._telephony_lines(move).filtered(
            lambda line: line.telephony_dest_class == "local_mobile"
        )
        calls = mobile.telephony_cdr_ids
        move.write({"invoice_line_ids": [Command.unlink(mobile.id)]})
        self.assertFalse(calls.billed)
        self.generate()
        self.assertTrue(calls.billed)
        self.assertAlmostEqual(move.amount_untaxed, 2.68)

    def test_no_rate_blocks_the_contract(self):
        self._calls()
        self.cdr(USA, 60, 30)
        result = self.generate()
        self.assertFalse(result["moves"])
        self.assertIn("no rate", result["skipped"][self.contract.id])
        self.assertFalse(self.env["isp.cdr"].search([("billed", "=", True)]))

    def test_only_selected_contracts(self):
        self._calls()
        other = self.make_contract(self.env["res.partner"].create({"name": "Other"}))
        other_line = self.make_line(other, "+553135000002")
        self.cdr(MOBILE, 60, 0, line=other_line)
        result = self.generate(contracts=other)
        self.assertEqual(result["moves"].telephony_contract_id, other)
        self.assertEqual(self.plan.line_count, 2)
        self.assertAlmostEqual(result["moves"].amount_untaxed, 1.80)

    def test_wizard_preview_then_generate(self):
        self._calls()
        wizard = self.env["isp.telephony.billing.wizard"].create(
            {
                "billing_month": "2026-03-17",
                "contract_ids": [Command.set(self.contract.ids)],
            }
        )
        wizard.action_preview()
        self.assertEqual(wizard.billing_month, date(2026, 3, 1))
        row = wizard.line_ids
        self.assertEqual(len(row), 1)
        self.assertEqual(
            (row.contract_id, row.calls, row.status), (self.contract, 4, "bill")
        )
        # 50 + 90 + 10 + 31 s talked; 80 + 60 + 36 s beyond the franchise.
        self.assertAlmostEqual(row.minutes, round(181 / 60, 2))
        self.assertAlmostEqual(row.excess_minutes, round(176 / 60, 2))
        self.assertAlmostEqual(row.amount, 2.68)
        self.assertEqual(row.franchise, "Fixed: 1.67 / 1.67 min")
        self.assertFalse(self.env["isp.cdr"].search([("billed", "=", True)]))
        wizard.action_generate()
        self.assertEqual(wizard.state, "done")
        self.assertEqual(len(wizard.invoice_ids), 1)
        self.assertIn("4 calls billed", wizard.result)
        self.assertEqual(
            wizard.action_view_invoices()["domain"][0][2], wizard.invoice_ids.ids
        )

    def test_statement_renders_with_the_right_totals(self):
        self._calls()
        move = self.generate()["moves"]
        html = (
            self.env["ir.actions.report"]
            ._render_qweb_html("isp_telephony.action_report_call_statement", move.ids)[
                0
            ]
            .decode()
        )
        self.assertIn("Call statement", html)
        # An English-speaking customer: the en_US date format.
        self.assertIn("02/10/2026 - 03/09/2026", html)
        self.assertIn("(31) 3333-4444", html)
        # Local midnight: the first call at 03:00 UTC is 00:00 in São Paulo.
        self.assertIn("02/10/2026 00:00:00", html)
        values = self.env[
            "report.isp_telephony.report_call_statement"
        ]._get_report_values(move.ids)
        (statement,) = values["statements"]
        self.assertEqual(statement["total_calls"], 4)
        self.assertAlmostEqual(statement["total_charge_value"], 2.68)
        self.assertEqual(statement["buckets"][0][2:], ("1.67", "1.67", "0.00"))
        summary = {row[0]: row[1:3] for row in statement["summary"]}
        self.assertEqual(summary["Local fixed"], (3, "2.50"))
        self.assertEqual(summary["Local mobile"], (1, "0.52"))
        self.assertIn(statement["total_charge"], html)
        # The same statement from the contract and month (wizard button).
        by_contract = self.env[
            "report.isp_telephony.report_call_statement"
        ]._get_report_values(
            None, {"contract_id": self.contract.id, "billing_month": MARCH}
        )
        self.assertEqual(by_contract["statements"][0]["total_calls"], 4)

    def test_statement_of_5000_calls(self):
        insert_calls(self, 5000)
        move = self.generate()["moves"]
        values = self.env[
            "report.isp_telephony.report_call_statement"
        ]._get_report_values(move.ids)
        self.assertEqual(values["statements"][0]["total_calls"], 5000)
        html = (
            self.env["ir.actions.report"]
            ._render_qweb_html("isp_telephony.action_report_call_statement", move.ids)[
                0
            ]
            .decode()
        )
        self.assertEqual(html.count('<tr style="page-break-inside: avoid;">'), 5000)
        # 15 calls below the summary, then 30 a page, each table headed.
        self.assertEqual(html.count("<th>Date and time</th>"), 1 + 167)

    def test_cron_bills_the_month_whose_cycles_are_closed(self):
        self._calls()
        service = self.env["isp.telephony.billing"]
        moves = self.env["account.move"]
        domain = [("telephony_contract_id", "=", self.contract.id)]
        # Before the 26th the previous month (February) is billed: our calls
        # belong to the cycle that resets in March.
        with freeze_time("2026-03-20"):
            service._cron_monthly_billing()
        self.assertFalse(moves.search(domain))
        # From the 26th every due day (1-25) of March has passed.
        with freeze_time("2026-03-26"):
            service._cron_monthly_billing()
        self.assertAlmostEqual(moves.search(domain).amount_untaxed, 2.68)

    def test_scheduled_run_bills_in_chunks(self):
        """The scheduled run bills a chunk of contracts at a time (committed
        one by one outside tests): every contract is billed once."""
        other = self.env["contract.contract"].create(
            {"name": "Second contract", "partner_id": self.partner.id}
        )
        line = self.make_line(other, "+553135000009")
        self.cdr(LOCAL, 400, 60, line=line)
        self.cdr(LOCAL, 400, 60)
        service = self.env["isp.telephony.billing"]
        with patch.object(isp_telephony_billing, "CRON_CHUNK_CONTRACTS", 1):
            totals = service._generate_in_chunks(date(2026, 3, 1), self.company)
            again = service._generate_in_chunks(date(2026, 3, 1), self.company)
        self.assertEqual((totals["moves"], totals["cdrs"]), (2, 2))
        self.assertEqual((again["moves"], again["cdrs"]), (0, 0))
        billed = self.env["isp.cdr"].search(
            [("billed", "=", True), ("integration_id", "=", self.integration.id)]
        )
        self.assertEqual(billed.contract_id, self.contract | other)


class TestCallStatementPdf(BillingCase):
    """The statement as finance prints it, through wkhtmltopdf. The test
    server does not serve the report's style sheets to wkhtmltopdf within a
    test transaction (the page renders with the browser's defaults, and
    Odoo logs the refused connection as a warning): pagination, headings
    and content are what is checked here."""

    def test_5000_calls_print_on_pages_with_headings(self):
        insert_calls(self, 5000)
        move = self.generate()["moves"]
        values = self.env[
            "report.isp_telephony.report_call_statement"
        ]._get_report_values(move.ids)
        (statement,) = values["statements"]
        pdf, kind = (
            self.env["ir.actions.report"]
            .with_context(force_report_rendering=True)
            ._render_qweb_pdf("isp_telephony.action_report_call_statement", move.ids)
        )
        self.assertEqual(kind, "pdf")
        pages = PdfFileReader(io.BytesIO(pdf)).pages
        self.assertEqual(len(pages), 168)
        texts = [" ".join(page.extract_text().split()) for page in pages]
        # Totals on the first page, the calls' headings on every page, the
        # last call on the last page.
        self.assertIn("Call statement", texts[0])
        total = " ".join(statement["total_charge"].split())  # no-break space
        self.assertIn(f"Total 5000 14795.00 {total}", texts[0])
        for number, page_text in enumerate(texts[1:], start=2):
            self.assertIn("Date and time", page_text, f"page {number}")
        self.assertIn(statement["calls"][-1][0], texts[-1])
