# Copyright 2026 isp_telephony authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Closing a telephony month: the charges, the contract's recurring invoice
carrying them, separate invoices, freeing on cancel or delete, late calls,
the wizard and the call statement."""

import io
from datetime import date, datetime, timedelta
from unittest.mock import patch

from freezegun import freeze_time

from odoo import Command, fields
from odoo.exceptions import AccessError, UserError
from odoo.tools.pdf import PdfFileReader
from odoo.tools.safe_eval import safe_eval
from odoo.tools.safe_eval import time as safe_time

from ..models import isp_telephony_billing_jobs
from ..report import call_statement
from .billing_common import LOCAL, MARCH, MOBILE, NATIONAL, USA, BillingCase
from .jobs_common import trap_jobs


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


class BillingFlowCase(BillingCase):
    def _calls(self):
        # Franchise 100 s: 60 covered; then 40 covered + 80 excess (0.90);
        # then 60 excess (0.70). Mobile 36 s (1.08). Total 2.68.
        self.cdr(LOCAL, 50, 0)
        self.cdr(LOCAL, 90, 5)
        self.cdr(LOCAL, 10, 9)
        self.cdr(MOBILE, 31, 20)
        # Outside the cycle closed in March: left for April.
        self.cdr(LOCAL, 600, datetime(2026, 3, 10, 3, 0, 0))

    def charge_of(self, contract=None):
        return self.env["isp.telephony.charge"].search(
            [("contract_id", "=", (contract or self.contract).id)], order="sequence"
        )

    @staticmethod
    def telephony_lines(move):
        return move.invoice_line_ids.filtered("telephony_charge_id")


class TestCloseMonth(BillingFlowCase):
    def test_close_records_one_charge_with_its_calls(self):
        self._calls()
        result = self.close()
        charge = result["charges"]
        self.assertEqual(len(charge), 1)
        self.assertEqual(
            (charge.contract_id, charge.partner_id, charge.billing_plan_id),
            (self.contract, self.partner, self.plan),
        )
        self.assertEqual(charge.billing_month, date(2026, 3, 1))
        self.assertEqual(charge.state, "to_invoice")
        self.assertEqual((charge.calls, charge.billsec), (4, 181))
        self.assertEqual((charge.franchise_seconds, charge.excess_seconds), (100, 176))
        self.assertAlmostEqual(charge.amount, 2.68)
        self.assertEqual(charge.franchise_detail, "Fixed: 1.67 / 1.67 min")
        # In the customer's date format (en_US), as on the statement.
        self.assertEqual(charge.cycle_label, "02/10/2026 - 03/09/2026")
        self.assertEqual(charge.line_count, 1)
        self.assertEqual(len(charge.cdr_ids), 4)
        self.assertEqual(charge.cdr_ids.charge_id, charge)
        # The charge's Calls button (found through line and connect time,
        # charge_id being unindexed) lists exactly those calls.
        action = charge.action_view_calls()
        self.assertEqual(self.env["isp.cdr"].search(action["domain"]), charge.cdr_ids)
        self.assertEqual(result["cdrs"], 4)
        # The contract's invoice carries it: no invoice made by the close.
        self.assertFalse(result["invoices"])
        self.assertEqual(self.contract.telephony_charge_count, 1)

    def test_a_second_close_adds_nothing(self):
        self._calls()
        charge = self.close()["charges"]
        again = self.close()
        self.assertFalse(again["charges"])
        self.assertEqual(again["cdrs"], 0)
        self.assertEqual(self.charge_of(), charge)
        self.assertAlmostEqual(charge.amount, 2.68)

    def test_the_close_writes_each_call_once_and_the_charge_is_their_sum(self):
        """Rating and charging in one write per call: calls rated earlier
        (the hourly cron) and calls never rated, on two lines of the
        contract, end on the charge, whose totals are the sums of its calls."""
        second = self.make_line(self.contract, "+553135000004")
        self._calls()
        self.rate()
        self.cdr(NATIONAL, 45, 100, line=second)
        self.cdr(MOBILE, 70, 110, line=second)
        self.cdr(LOCAL, 0, 120, line=second, disposition="no_answer")
        self.env.flush_all()
        cr = self.env.cr
        stats = (
            "SELECT COALESCE(sum(n_tup_upd), 0) FROM pg_stat_xact_user_tables"
            " WHERE relname = 'isp_cdr'"
        )
        cr.execute(stats)
        updated_before = cr.fetchone()[0]
        result = self.close()
        cr.execute(stats)
        updated = cr.fetchone()[0] - updated_before
        charge = result["charges"]
        calls = charge.cdr_ids
        self.assertEqual(len(calls), 7)
        self.assertEqual(result["cdrs"], 7)
        # One row version per charged call, rating and link together.
        self.assertEqual(updated, 7)
        self.assertEqual(set(calls.mapped("rating_status")), {"rated", "free"})
        self.assertEqual(charge.calls, len(calls))
        self.assertEqual(charge.billsec, sum(calls.mapped("billsec")))
        self.assertEqual(
            charge.franchise_seconds, sum(calls.mapped("franchise_seconds"))
        )
        self.assertEqual(charge.excess_seconds, sum(calls.mapped("excess_seconds")))
        self.assertAlmostEqual(charge.amount, sum(calls.mapped("charge")))
        self.assertEqual(charge.line_count, 2)
        # The franchise is per line: the second line's national call is
        # within its own 100 s (200 s for the contract's two lines).
        used = sum(calls.mapped("franchise_seconds"))
        self.assertGreater(used, 100)
        self.assertEqual(charge.franchise_detail, f"Fixed: {used / 60:.2f} / 3.33 min")
        self.assertEqual(self.close()["cdrs"], 0)

    def test_calls_within_the_franchise_make_a_charge_with_nothing_to_invoice(self):
        self.cdr(LOCAL, 50, 0)
        charge = self.close()["charges"]
        self.assertEqual(
            (charge.state, charge.amount, charge.calls), ("included", 0, 1)
        )
        move = self.contract.recurring_create_invoice()
        self.assertFalse(self.telephony_lines(move))

    def test_no_rate_blocks_the_contract(self):
        self._calls()
        self.cdr(USA, 60, 30)
        result = self.close()
        self.assertFalse(result["charges"])
        self.assertIn("no rate", result["skipped"][self.contract.id])
        self.assertFalse(self.env["isp.cdr"].search([("charge_id", "!=", False)]))

    def test_only_selected_contracts(self):
        self._calls()
        other = self.make_contract(self.env["res.partner"].create({"name": "Other"}))
        other_line = self.make_line(other, "+553135000002")
        self.cdr(MOBILE, 60, 0, line=other_line)
        charge = self.close(contracts=other)["charges"]
        self.assertEqual(charge.contract_id, other)
        self.assertAlmostEqual(charge.amount, 1.80)
        self.assertFalse(self.charge_of())

    def test_charged_calls_are_frozen_and_late_calls_use_what_is_left(self):
        self._calls()
        charge = self.close()["charges"]
        before = [(c.charge, c.franchise_seconds) for c in charge.cdr_ids]
        # A price change re-rates calls not yet charged only.
        self.plan.rate_ids.filtered(
            lambda r: r.dest_class == "local_fixed"
        ).price_per_minute = 6.0
        self.assertEqual(
            [(c.charge, c.franchise_seconds) for c in charge.cdr_ids], before
        )
        # A late call before the invoice: added to the month's open charge.
        # The franchise is used up, so its 60 s are excess: 0.10 + 6.00.
        late = self.cdr(LOCAL, 30, 60)
        result = self.close()
        self.assertEqual(result["charges"], charge)
        self.assertEqual((late.franchise_seconds, late.excess_seconds), (0, 60))
        self.assertAlmostEqual(late.charge, 6.10)
        self.assertEqual(late.charge_id, charge)
        self.assertAlmostEqual(charge.amount, 2.68 + 6.10)
        self.assertEqual(charge.calls, 5)

    def test_late_calls_after_the_invoice_make_an_additional_charge(self):
        self._calls()
        charge = self.close()["charges"]
        move = self.contract.recurring_create_invoice()
        self.assertEqual(charge.state, "invoiced")
        late = self.cdr(LOCAL, 30, 60)
        additional = self.close()["charges"]
        self.assertNotEqual(additional, charge)
        self.assertEqual((additional.sequence, additional.calls), (1, 1))
        self.assertEqual(late.charge_id, additional)
        # The invoiced charge and its invoice never change.
        self.assertAlmostEqual(charge.amount, 2.68)
        self.assertEqual(charge.calls, 4)
        self.assertAlmostEqual(self.telephony_lines(move).price_unit, 2.68)
        # The next invoice carries the additional charge.
        self.contract.contract_line_ids.recurring_next_date = "2026-04-05"
        following = self.contract.recurring_create_invoice()
        self.assertEqual(
            self.telephony_lines(following).telephony_charge_id, additional
        )

    def test_calls_invoiced_before_charges_existed_stay_billed(self):
        """Calls an invoice billed directly (before charges, issue 5) are
        neither re-rated nor charged again; cancelling that invoice frees
        them for the next close."""
        self._calls()
        self.rate()
        legacy = self.contract.recurring_create_invoice()
        calls = self.env["isp.cdr"].search([("line_id", "=", self.line.id)])
        first = calls.sorted("connect_time")[0]
        self.env.cr.execute(
            "UPDATE isp_cdr SET invoice_id = %s WHERE id = %s",
            [legacy.id, first.id],
        )
        first.invalidate_recordset()
        charge = self.close()["charges"]
        self.assertNotIn(first, charge.cdr_ids)
        self.assertEqual(charge.calls, 3)
        legacy.button_cancel()
        self.assertFalse(first.invoice_id)
        self.close()
        self.assertEqual(first.charge_id, charge)

    def test_cron_closes_the_month_whose_cycles_are_closed(self):
        self._calls()
        service = self.env["isp.telephony.billing"]
        # Before the 26th the previous month (February) is closed: our calls
        # belong to the cycle that resets in March.
        # The cron queues the close (one job per chunk of contracts).
        with freeze_time("2026-03-20"), trap_jobs() as trap:
            service._cron_monthly_billing()
            trap.perform_enqueued_jobs()
        self.assertFalse(self.charge_of())
        # From the 26th every due day (1-25) of March has passed.
        with freeze_time("2026-03-26"), trap_jobs() as trap:
            service._cron_monthly_billing()
            trap.perform_enqueued_jobs()
        self.assertAlmostEqual(self.charge_of().amount, 2.68)

    def test_scheduled_close_in_chunks(self):
        """The scheduled close works a chunk of contracts at a time (each
        committed outside tests): every contract is charged once."""
        other = self.make_contract(self.env["res.partner"].create({"name": "Two"}))
        line = self.make_line(other, "+553135000009")
        self.cdr(LOCAL, 400, 60, line=line)
        self.cdr(LOCAL, 400, 60)
        service = self.env["isp.telephony.billing"]
        with patch.object(isp_telephony_billing_jobs, "CRON_CHUNK_CONTRACTS", 1):
            totals = service._close_in_chunks(date(2026, 3, 1), self.company)
            again = service._close_in_chunks(date(2026, 3, 1), self.company)
        self.assertEqual((totals["charges"], totals["cdrs"]), (2, 2))
        self.assertEqual((again["charges"], again["cdrs"]), (0, 0))
        self.assertEqual(
            self.env["isp.telephony.charge"]
            .search([("company_id", "=", self.company.id)])
            .contract_id,
            self.contract | other,
        )


class TestContractInvoice(BillingFlowCase):
    def test_the_contracts_recurring_invoice_carries_the_charge(self):
        self._calls()
        charge = self.close()["charges"]
        move = self.contract.recurring_create_invoice()
        self.assertEqual(len(move), 1)
        self.assertEqual(move.invoice_date, date(2026, 3, 5))
        # Internet and telephony on one invoice.
        self.assertAlmostEqual(move.amount_untaxed, 99 + 2.68)
        line = self.telephony_lines(move)
        self.assertEqual(len(line), 1)
        self.assertEqual(line.telephony_charge_id, charge)
        self.assertEqual(line.product_id, self.product)
        # The cycle as the statement prints it (the customer's date format).
        self.assertIn("02/10/2026 - 03/09/2026", line.name)
        self.assertIn("4 calls", line.name)
        self.assertEqual(line.contract_line_id, self.contract.contract_line_ids)
        self.assertEqual((charge.state, charge.invoice_id), ("invoiced", move))
        self.assertEqual(charge.invoice_line_id, line)
        self.assertEqual(charge.cdr_ids.invoice_id, move)
        self.assertEqual(charge.cdr_ids.invoice_line_id, line)
        self.assertEqual(move.telephony_cdr_count, 4)
        self.assertIn(move, self.contract._get_related_invoices())
        # The next invoice does not carry it again.
        self.contract.contract_line_ids.recurring_next_date = "2026-04-05"
        following = self.contract.recurring_create_invoice()
        self.assertFalse(self.telephony_lines(following))

    def test_the_contract_cron_carries_the_charge(self):
        self._calls()
        charge = self.close()["charges"]
        self.env["contract.contract"].cron_recurring_create_invoice(date(2026, 3, 5))
        self.assertEqual(charge.state, "invoiced")
        self.assertEqual(charge.invoice_id.invoice_origin, self.contract.name)

    def test_a_posted_invoice_is_never_touched(self):
        move = self.contract.recurring_create_invoice()
        move.action_post()
        total = move.amount_total
        self._calls()
        charge = self.close()["charges"]
        self.assertEqual(charge.state, "to_invoice")
        self.assertEqual(move.amount_total, total)
        self.assertFalse(self.telephony_lines(move))

    def test_cancelling_or_deleting_frees_the_charge_for_the_next_invoice(self):
        self._calls()
        charge = self.close()["charges"]
        move = self.contract.recurring_create_invoice()
        move.button_cancel()
        self.assertEqual((charge.state, charge.invoice_id.id), ("to_invoice", False))
        self.assertFalse(charge.cdr_ids.invoice_id)
        self.contract.contract_line_ids.recurring_next_date = "2026-04-05"
        second = self.contract.recurring_create_invoice()
        self.assertEqual(self.telephony_lines(second).telephony_charge_id, charge)
        # The cancelled invoice reset to draft loses its stale line.
        move.button_draft()
        self.assertFalse(self.telephony_lines(move))
        self.assertEqual(charge.invoice_id, second)
        # Deleting the invoice frees it again; the next carries it once.
        second.unlink()
        self.assertEqual(charge.state, "to_invoice")
        self.contract.contract_line_ids.recurring_next_date = "2026-05-05"
        third = self.contract.recurring_create_invoice()
        self.assertEqual(len(self.telephony_lines(third)), 1)
        self.assertEqual(charge.invoice_id, third)

    def test_deleting_the_telephony_line_frees_the_charge(self):
        self._calls()
        charge = self.close()["charges"]
        move = self.contract.recurring_create_invoice()
        move.write(
            {"invoice_line_ids": [Command.unlink(self.telephony_lines(move).id)]}
        )
        self.assertEqual(charge.state, "to_invoice")
        self.assertAlmostEqual(move.amount_untaxed, 99)
        self.assertFalse(charge.cdr_ids.invoice_id)

    def test_a_charge_goes_on_one_invoice_only(self):
        self._calls()
        charge = self.close()["charges"]
        self.contract.recurring_create_invoice()
        with self.assertRaises(UserError):
            self.env["account.move"].create(
                {
                    "move_type": "out_invoice",
                    "partner_id": self.partner.id,
                    "invoice_line_ids": [
                        Command.create(v) for v in charge._invoice_line_vals()
                    ],
                }
            )


class TestSeparateInvoice(BillingFlowCase):
    def assert_separate(self, result, charge_amount=2.68):
        move = result["invoices"]
        charge = result["charges"]
        self.assertEqual(len(move), 1)
        self.assertEqual(charge.invoice_id, move)
        self.assertAlmostEqual(move.amount_untaxed, charge_amount)
        self.assertEqual(move.telephony_contract_id, charge.contract_id)
        self.assertEqual(move.invoice_origin, charge.contract_id.name)
        # Found by OCA's Invoices button, with the contract's origin message.
        self.assertIn(move, charge.contract_id._get_related_invoices())
        self.assertEqual(charge.contract_id.invoice_count, 1)
        self.assertTrue(
            move.message_ids.filtered(lambda m: "by contract" in (m.body or ""))
        )
        return move

    def test_company_wants_telephony_apart(self):
        self.company.telephony_separate_invoice = True
        self._calls()
        self.assert_separate(self.close())

    def test_terminated_contract(self):
        self._calls()
        self.contract.is_terminated = True
        self.assert_separate(self.close())

    def test_contract_without_recurring_invoice(self):
        contract = self.make_contract(
            self.env["res.partner"].create({"name": "No lines"}), next_date=None
        )
        line = self.make_line(contract, "+553135000003")
        self.cdr(MOBILE, 60, 0, line=line)
        move = self.assert_separate(self.close(contracts=contract), 1.80)
        self.assertFalse(self.telephony_lines(move).contract_line_id)

    def test_next_invoice_too_far_away(self):
        self._calls()
        today = fields.Date.context_today(self.contract)
        far = today + timedelta(days=60)
        self.contract.contract_line_ids.write(
            {"date_start": far, "recurring_next_date": far}
        )
        self.company.telephony_invoice_wait_days = 35
        self.assert_separate(self.close())

    def test_next_invoice_near_enough_waits(self):
        self._calls()
        soon = fields.Date.context_today(self.contract) + timedelta(days=10)
        self.contract.contract_line_ids.write(
            {"date_start": soon, "recurring_next_date": soon}
        )
        result = self.close()
        self.assertFalse(result["invoices"])
        self.assertEqual(result["charges"].state, "to_invoice")

    def test_invoice_now_by_a_manager(self):
        self._calls()
        charge = self.close()["charges"]
        with self.assertRaises(UserError):
            charge.with_user(self.user).action_invoice_now()
        self.manager.groups_id |= self.env.ref("account.group_account_invoice")
        action = charge.with_user(self.manager).action_invoice_now()
        self.assertEqual(charge.state, "invoiced")
        self.assertEqual(action["res_id"], charge.invoice_id.id)
        self.assertEqual(charge.invoice_id.telephony_contract_id, self.contract)

    def test_overdue_separate_invoice_blocks_and_payment_releases(self):
        self.company.write(
            {"telephony_partial_block_days": 15, "telephony_full_block_days": 30}
        )
        self.company.telephony_separate_invoice = True
        self._calls()
        move = self.close()["invoices"]
        move.write({"invoice_date": "2026-03-10", "invoice_date_due": "2026-03-10"})
        move.action_post()
        Contract = self.env["contract.contract"]
        with freeze_time("2026-03-30"):
            Contract._cron_evaluate_service_status()
            self.assertEqual(self.contract.service_status, "partial_block")
            wizard = (
                self.env["account.payment.register"]
                .with_context(active_model="account.move", active_ids=move.ids)
                .create({"payment_date": "2026-03-30"})
            )
            wizard._create_payments()
        self.assertEqual(self.contract.service_status, "active")


class TestCloseWizard(BillingFlowCase):
    def test_preview_then_close(self):
        self._calls()
        wizard = self.env["isp.telephony.billing.wizard"].create(
            {
                "billing_month": "2026-03-17",
                "contract_ids": [Command.set(self.contract.ids)],
            }
        )
        action = wizard.action_preview()
        self.assertEqual(action["target"], "current")
        self.assertEqual(wizard.billing_month, date(2026, 3, 1))
        row = wizard.line_ids
        self.assertEqual(
            (row.contract_id, row.calls, row.status), (self.contract, 4, "bill")
        )
        # 50 + 90 + 10 + 31 s talked; 80 + 60 + 36 s beyond the franchise.
        self.assertAlmostEqual(row.minutes, round(181 / 60, 2))
        self.assertAlmostEqual(row.excess_minutes, round(176 / 60, 2))
        self.assertAlmostEqual(row.amount, 2.68)
        self.assertEqual(row.franchise, "Fixed: 1.67 / 1.67 min")
        self.assertFalse(self.env["isp.cdr"].search([("charge_id", "!=", False)]))
        wizard.action_generate()
        self.assertEqual(wizard.state, "done")
        self.assertEqual(row.status, "charged")
        self.assertEqual(wizard.charge_ids, self.charge_of())
        self.assertIn("4 calls charged", wizard.result)
        self.assertEqual(
            wizard.action_view_charges()["domain"][0][2], wizard.charge_ids.ids
        )

    def test_an_empty_preview_says_why(self):
        wizard = self.env["isp.telephony.billing.wizard"].create(
            {"billing_month": MARCH, "contract_ids": [Command.set(self.contract.ids)]}
        )
        wizard.action_preview()
        self.assertFalse(wizard.line_ids)
        self.assertIn("No calls", wizard.empty_reason)
        self.line.billing_plan_id = False
        wizard.action_preview()
        self.assertIn("billing plan", wizard.empty_reason)
        self.line.billing_plan_id = self.plan
        self._calls()
        self.close()
        wizard.action_preview()
        self.assertIn("already closed", wizard.empty_reason)


class TestCallStatement(BillingFlowCase):
    def render(self, report, ids, data=None):
        return (
            self.env["ir.actions.report"]
            ._render_qweb_html(report, ids, data=data)[0]
            .decode()
        )

    def test_statement_totals_equal_the_charge_and_the_invoice_line(self):
        self._calls()
        charge = self.close()["charges"]
        move = self.contract.recurring_create_invoice()
        html = self.render("isp_telephony.action_report_call_statement", move.ids)
        self.assertIn("Call statement", html)
        # An English-speaking customer: the en_US date format.
        self.assertIn("02/10/2026 - 03/09/2026", html)
        self.assertIn("(31) 3333-4444", html)
        # Local midnight: the first call at 03:00 UTC is 00:00 in São Paulo.
        self.assertIn("02/10/2026 00:00:00", html)
        report = self.env["report.isp_telephony.report_call_statement"]
        (statement,) = report._get_report_values(move.ids)["statements"]
        line = self.telephony_lines(move)
        self.assertEqual(statement["total_calls"], charge.calls)
        self.assertAlmostEqual(statement["total_charge_value"], charge.amount)
        self.assertAlmostEqual(statement["total_charge_value"], line.price_subtotal)
        self.assertEqual(statement["buckets"][0][2:], ("1.67", "1.67", "0.00"))
        summary = {row[0]: row[1:3] for row in statement["summary"]}
        self.assertEqual(summary["Local fixed"], (3, "2.50"))
        self.assertEqual(summary["Local mobile"], (1, "0.52"))
        self.assertIn(statement["total_charge"], html)
        # From the charge, and from the contract and month.
        by_charge = self.env[
            "report.isp_telephony.report_call_statement_charge"
        ]._get_report_values(charge.ids)["statements"]
        self.assertEqual(by_charge[0]["total_charge_value"], charge.amount)
        self.assertEqual(by_charge[0]["period"], charge.cycle_label)
        html = self.render(
            "isp_telephony.action_report_call_statement_charge", charge.ids
        )
        self.assertIn(statement["total_charge"], html)
        by_contract = report._get_report_values(
            None, {"contract_id": self.contract.id, "billing_month": MARCH}
        )
        self.assertEqual(by_contract["statements"][0]["total_calls"], 4)

    def test_statement_of_the_cycle_so_far(self):
        with freeze_time("2026-03-01"):
            self._calls()
            action = self.contract.with_context(
                discard_logo_check=True
            ).action_print_call_statement()
        self.assertEqual(action["data"]["billing_month"], MARCH)
        values = self.env[
            "report.isp_telephony.report_call_statement"
        ]._get_report_values(None, action["data"])
        self.assertEqual(values["statements"][0]["total_calls"], 4)

    def test_draft_invoice_statement_file_name(self):
        self._calls()
        self.close()
        move = self.contract.recurring_create_invoice()
        report = self.env.ref("isp_telephony.action_report_call_statement")
        name = safe_eval(report.print_report_name, {"object": move, "time": safe_time})
        self.assertNotIn(" - .", name + ".")
        self.assertIn(self.partner.name, name)

    def test_statement_of_5000_calls(self):
        insert_calls(self, 5000)
        charge = self.close()["charges"]
        values = self.env[
            "report.isp_telephony.report_call_statement_charge"
        ]._get_report_values(charge.ids)
        self.assertEqual(values["statements"][0]["total_calls"], 5000)
        html = self.render(
            "isp_telephony.action_report_call_statement_charge", charge.ids
        )
        self.assertEqual(html.count('<tr style="page-break-inside: avoid;">'), 5000)
        # First page below the summary, then a full page each, each headed.
        pages = 1 + -(
            -(5000 - call_statement.CALLS_FIRST_PAGE) // call_statement.CALLS_PER_PAGE
        )
        self.assertEqual(html.count("<th>Date and time</th>"), pages)


class TestCallStatementPdf(BillingFlowCase):
    """The statement as finance prints it, through wkhtmltopdf. The test
    server does not serve the report's style sheets to wkhtmltopdf within a
    test transaction (the page renders with the browser's defaults, and
    Odoo logs the refused connection as a warning): pagination, headings
    and content are what is checked here."""

    def pdf_pages(self, report, ids):
        pdf, kind = (
            self.env["ir.actions.report"]
            .with_context(force_report_rendering=True)
            ._render_qweb_pdf(report, ids)
        )
        self.assertEqual(kind, "pdf")
        pages = PdfFileReader(io.BytesIO(pdf)).pages
        return [" ".join(page.extract_text().split()) for page in pages]

    def test_5000_calls_print_on_pages_with_headings(self):
        insert_calls(self, 5000)
        charge = self.close()["charges"]
        values = self.env[
            "report.isp_telephony.report_call_statement_charge"
        ]._get_report_values(charge.ids)
        (statement,) = values["statements"]
        texts = self.pdf_pages(
            "isp_telephony.action_report_call_statement_charge", charge.ids
        )
        self.assertEqual(len(texts), len(statement["call_pages"]))
        # Totals on the first page, the calls' headings on every page, the
        # last call on the last page; the text is selectable.
        self.assertIn("Call statement", texts[0])
        total = " ".join(statement["total_charge"].split())  # no-break space
        # Minutes in the customer's (en_US) number format.
        self.assertIn(f"Total 5000 14,795.00 {total}", texts[0])
        for number, page_text in enumerate(texts[1:], start=2):
            self.assertIn("Date and time", page_text, f"page {number}")
        self.assertIn(statement["calls"][-1][0], texts[-1])

    def test_18_calls_on_letter_paper_print_on_two_headed_pages(self):
        insert_calls(self, 18)
        charge = self.close()["charges"]
        letter = self.env["report.paperformat"].create(
            {"name": "Letter test", "format": "Letter", "dpi": 90}
        )
        self.env.ref(
            "isp_telephony.action_report_call_statement_charge"
        ).paperformat_id = letter
        texts = self.pdf_pages(
            "isp_telephony.action_report_call_statement_charge", charge.ids
        )
        self.assertLessEqual(len(texts), 2)
        for page_text in texts:
            self.assertIn("Date and time", page_text)


class TestChargeCompanies(BillingFlowCase):
    def test_charges_stay_in_their_company(self):
        self._calls()
        charge = self.close()["charges"]
        other = self.env["res.company"].create({"name": "Other ISP"})
        outsider = self.env["res.users"].create(
            {
                "name": "Other ISP user",
                "login": "other_isp_billing",
                "company_id": other.id,
                "company_ids": [Command.set(other.ids)],
                "groups_id": [
                    Command.set(
                        [
                            self.env.ref("base.group_user").id,
                            self.env.ref("isp_telephony.group_telephony_manager").id,
                        ]
                    )
                ],
            }
        )
        Charge = self.env["isp.telephony.charge"].with_user(outsider)
        self.assertFalse(Charge.search([]))
        self.assertEqual(self.env["isp.telephony.charge"].search([]), charge)
        with self.assertRaises(AccessError):
            charge.with_user(outsider).action_invoice_now()
        # Closing the other company's month leaves ours alone.
        service = self.env["isp.telephony.billing"].with_company(other)
        self.assertFalse(service._close_month(MARCH, company=other)["charges"])
        self.assertEqual(charge.company_id, self.company)
