# Copyright 2026 isp_telephony authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Customer notices with a frozen clock: the overdue notice with its amount
and the dates of the suspensions that follow, the notice period holding
back the partial block, the partial, full and restored notices, a customer
without an email address, and spend control per company."""

from ast import literal_eval

from freezegun import freeze_time

from odoo.exceptions import AccessError
from odoo.tests import new_test_user

from .spend_common import ABROAD, SpendCase


class TestNotices(SpendCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company.telephony_notice_days = 15

    def evaluate_on(self, day):
        with freeze_time(day):
            self.evaluate()

    def test_notice_sequence_with_its_dates(self):
        line = self.make_line()
        invoice = self.make_invoice(self.contract, due="2026-03-01", amount=123.45)
        self.evaluate_on("2026-03-02")
        self.send_notices()
        self.assertEqual(self.contract.overdue_notice_date.isoformat(), "2026-03-02")
        # Partial 15 days after the notice, full 30 days after the due date.
        self.assertEqual(
            self.contract.suspension_partial_date.isoformat(), "2026-03-17"
        )
        self.assertEqual(self.contract.suspension_full_date.isoformat(), "2026-03-31")
        notice = self.contract.message_ids.filtered(lambda m: m.subject)
        self.assertEqual(len(notice), 1)
        self.assertIn("overdue invoice", notice.subject)
        self.assertIn(self.partner, notice.partner_ids)
        body = str(notice.body)
        self.assertIn("123.45", body)
        self.assertIn("03/17/2026", body)
        self.assertIn("03/31/2026", body)
        # 15 days overdue, but the notice period runs until the 17th.
        self.evaluate_on("2026-03-16")
        self.assertEqual(self.contract.service_status, "active")
        self.assertEqual(self.patches(), [])
        self.evaluate_on("2026-03-17")
        self.assertEqual(self.contract.service_status, "partial_block")
        self.assertEqual(self.on_platform(line), "BLP")
        self.evaluate_on("2026-03-31")
        self.assertEqual(self.contract.service_status, "blocked_auto")
        with freeze_time("2026-04-02"):
            self.pay(invoice)
        self.assertEqual(self.contract.service_status, "active")
        self.assertFalse(self.contract.overdue_notice_date)
        subjects = self.notices()
        self.assertEqual(len(subjects), 4, subjects)
        self.assertIn("overdue invoice", subjects[0])
        self.assertIn("partially suspended", subjects[1])
        self.assertIn("suspended", subjects[2])
        self.assertIn("restored", subjects[3])
        self.assertEqual(self.patches(), ["BLP", "BLQ", "DEF"])

    def test_notice_period_holds_back_a_late_first_evaluation(self):
        self.make_line()
        self.make_invoice(self.contract, due="2026-03-01")
        # First seen 19 days overdue: notified now, suspended 15 days later.
        self.evaluate_on("2026-03-20")
        self.assertEqual(self.contract.service_status, "active")
        self.assertEqual(
            self.contract.suspension_partial_date.isoformat(), "2026-04-04"
        )
        self.assertEqual(self.contract.suspension_full_date.isoformat(), "2026-04-04")
        self.evaluate_on("2026-04-03")
        self.assertEqual(self.contract.service_status, "active")
        self.evaluate_on("2026-04-04")
        self.assertEqual(self.contract.service_status, "blocked_auto")
        self.assertEqual(len(self.notices()), 2)

    def test_customer_without_email_is_listed(self):
        self.partner.email = False
        self.make_line()
        self.make_invoice(self.contract, due="2026-03-01")
        self.evaluate_on("2026-03-02")
        self.assertEqual(self.notices(), [])
        self.assertTrue(self.contract.telephony_notice_no_email)
        notice = self.env["isp.telephony.notice"].search(
            [("contract_id", "=", self.contract.id)]
        )
        self.assertEqual(notice.state, "no_email")
        note = self.contract.message_ids.filtered(
            lambda m: "no email address" in str(m.body)
        )
        self.assertEqual(len(note), 1)
        action = self.env.ref("isp_telephony.action_contract_notice_no_email")
        listed = self.env["contract.contract"].search(
            [*literal_eval(action.domain), ("telephony_notice_no_email", "=", True)]
        )
        self.assertIn(self.contract, listed)
        # Once the customer has an email, the next notice reaches them.
        self.partner.email = "padaria@example.com"
        self.evaluate_on("2026-03-17")
        self.assertEqual(len(self.notices()), 1)
        self.assertFalse(self.contract.telephony_notice_no_email)

    def test_notices_are_read_only_but_retry(self):
        """Issue 11 point 3: a notice and the contract's *Notice Not
        Emailed* flag, shown read-only, are refused over RPC even to a
        manager; *Retry* still queues a failed notice again."""
        self.partner.email = False
        self.make_line()
        self.make_invoice(self.contract, due="2026-03-01")
        self.evaluate_on("2026-03-02")
        self.assertEqual(self.notices(), [])
        notice = self.env["isp.telephony.notice"].search(
            [("contract_id", "=", self.contract.id)]
        )
        self.assertEqual(notice.state, "no_email")
        for vals in (
            {"state": "sent"},
            {"error": False},
            {"date_sent": "2026-03-02 10:00:00"},
            {"partner_id": self.env.user.partner_id.id},
        ):
            with self.assertRaises(AccessError):
                notice.with_user(self.manager).write(vals)
        accountant = new_test_user(
            self.env,
            login="notice_accountant",
            groups="base.group_user,account.group_account_manager,"
            "isp_telephony.group_telephony_manager",
        )
        # The accountant edits the contract, not what the notices record.
        self.contract.with_user(accountant).write({"name": self.contract.name})
        for vals in (
            {"telephony_notice_no_email": False},
            {"telephony_notice_no_email_date": False},
        ):
            with self.assertRaises(AccessError):
                self.contract.with_user(accountant).write(vals)
        self.assertTrue(self.contract.telephony_notice_no_email)
        with self.assertRaises(AccessError):
            notice.with_user(self.user).action_retry()
        notice.with_user(self.manager).action_retry()
        self.assertEqual(notice.state, "pending")


@freeze_time("2026-03-20 15:00:00")
class TestMultiCompany(SpendCase):
    def test_settings_and_access_per_company(self):
        line = self.make_line()
        other = self.env["res.company"].create(
            {"name": "ISP Sul", "telephony_credit_warning_percent": 50.0}
        )
        self.assertEqual(other.telephony_notice_days, 15)
        # Company A warns at 80 %: 6.00 of 10.00 is fine.
        self.import_rows(self.row(line, ABROAD, 2, self.at("2026-03-20 12:00")))
        self.assertEqual(line.credit_state, "ok")
        self.company.telephony_credit_warning_percent = 50.0
        line.with_user(self.manager).action_check_spend()
        self.assertEqual(line.credit_state, "warning")
        # A manager of another company neither sees nor lifts the line.
        outsider = new_test_user(
            self.env,
            login="tel_manager_sul",
            groups="base.group_user,isp_telephony.group_telephony_manager",
            company_id=other.id,
            company_ids=[other.id],
        )
        self.import_rows(self.row(line, ABROAD, 2, self.at("2026-03-20 13:00")))
        self.assertTrue(line.credit_blocked)
        with self.assertRaises(AccessError):
            line.with_user(outsider).action_lift_credit_block()
        self.assertTrue(line.credit_blocked)
