# Copyright 2026 isp_telephony authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The customer portal (/my/telephony): the current cycle's figures of a
line (franchise and credit limit), and two customers who each see their own
lines, calls, charges and statements only, over HTTP."""

from datetime import timedelta

from odoo.tests import HttpCase, new_test_user, tagged

from .billing_common import CYCLE_START, LOCAL, MOBILE, BillingCase


@tagged("post_install", "-at_install")
class TestPortalTelephony(HttpCase, BillingCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.partner_b = cls.env["res.partner"].create({"name": "Outra Empresa"})
        cls.contract_b = cls.make_contract(cls.partner_b)
        cls.line_b = cls.make_line(cls.contract_b, "+553135000002")
        cls.portal_a = new_test_user(
            cls.env,
            login="portal_a",
            groups="base.group_portal",
            partner_id=cls.partner.id,
        )
        cls.portal_b = new_test_user(
            cls.env,
            login="portal_b",
            groups="base.group_portal",
            partner_id=cls.partner_b.id,
        )

    def _calls(self):
        calls = self.cdr(LOCAL, 150, 5) | self.cdr(MOBILE, 60, 10)
        calls |= self.cdr(LOCAL, 30, 15, line=self.line_b)
        # The previous cycle: not in the current figures.
        calls |= self.cdr(LOCAL, 600, CYCLE_START - timedelta(days=2))
        self.rate(self.line | self.line_b)
        return calls

    def test_current_cycle_usage_per_bucket(self):
        self._calls()
        now = CYCLE_START + timedelta(days=5)
        usage = self.line._current_cycle_usage(now=now)[self.line.id]
        self.assertEqual(str(usage["cycle_start"]), "2026-02-10")
        self.assertEqual(str(usage["cycle_end"]), "2026-03-09")
        self.assertEqual(usage["calls"], 2)
        self.assertAlmostEqual(usage["minutes"], 3.5)
        cycle_calls = self.env["isp.cdr"].search(
            [("line_id", "=", self.line.id), ("connect_time", ">=", CYCLE_START)]
        )
        self.assertAlmostEqual(usage["charge"], sum(cycle_calls.mapped("charge")))
        self.assertGreater(usage["charge"], 0)
        (bucket,) = usage["buckets"]
        self.assertEqual(bucket["name"], "Fixed")
        self.assertEqual(bucket["allowance_seconds"], 100)
        self.assertEqual(bucket["used_seconds"], 100)
        self.assertEqual(bucket["used_percent"], 100)
        self.assertEqual(usage["unrated"], 0)
        self.cdr(LOCAL, 20, 60)
        usage = self.line._current_cycle_usage(now=now)[self.line.id]
        self.assertEqual(usage["unrated"], 1)

    def test_current_cycle_against_the_credit_limit(self):
        self._calls()
        now = CYCLE_START + timedelta(days=5)
        usage = self.line._current_cycle_usage(now=now)[self.line.id]
        self.assertEqual(usage["credit_limit"], 0)
        self.assertEqual(usage["credit_percent"], 0)
        self.assertFalse(usage["credit_blocked"])
        charge = usage["charge"]
        self.line.credit_limit = charge * 4
        usage = self.line._current_cycle_usage(now=now)[self.line.id]
        self.assertEqual(usage["credit_limit"], charge * 4)
        self.assertEqual(usage["credit_percent"], 25)
        self.assertAlmostEqual(usage["credit_left"], charge * 3)
        # Beyond the limit: capped at 100 %, nothing left.
        self.line.credit_limit = charge / 2
        usage = self.line._current_cycle_usage(now=now)[self.line.id]
        self.assertEqual(usage["credit_percent"], 100)
        self.assertEqual(usage["credit_left"], 0)

    def test_page_shows_the_credit_limit(self):
        self._calls()
        self.line.credit_limit = 50
        self.line_b.credit_limit = 0
        self.authenticate("portal_a", "portal_a")
        page = self.url_open("/my/telephony")
        self.assertIn("o_isp_portal_credit_used", page.text)
        self.assertNotIn("o_isp_portal_credit_none", page.text)
        self.authenticate("portal_b", "portal_b")
        page = self.url_open("/my/telephony")
        self.assertIn("o_isp_portal_credit_none", page.text)

    def _closed_charges(self):
        self._calls()
        self.close(contracts=self.contract | self.contract_b)
        Charge = self.env["isp.telephony.charge"]
        mine = Charge.search([("contract_id", "=", self.contract.id)])
        theirs = Charge.search([("contract_id", "=", self.contract_b.id)])
        self.assertTrue(mine)
        self.assertTrue(theirs)
        return mine, theirs

    def test_each_customer_sees_only_their_own_charges(self):
        mine, theirs = self._closed_charges()
        Charge = self.env["isp.telephony.charge"]
        self.assertEqual(Charge.with_user(self.portal_a).search([]), mine)
        self.assertEqual(Charge.with_user(self.portal_b).search([]), theirs)
        self.authenticate("portal_a", "portal_a")
        page = self.url_open("/my/telephony")
        self.assertEqual(page.status_code, 200)
        for charge in mine:
            self.assertIn(f"/my/telephony/charge/{charge.id}/statement", page.text)
        for charge in theirs:
            self.assertNotIn(f"/my/telephony/charge/{charge.id}/", page.text)
        self.assertIn("03/2026", page.text)
        statement = self.url_open(f"/my/telephony/charge/{mine[0].id}/statement")
        self.assertEqual(statement.status_code, 200)
        self.assertEqual(statement.headers["Content-Type"], "application/pdf")
        self.assertIn("attachment", statement.headers["Content-Disposition"])
        self.assertIn("3333-4444", statement.text)
        self.assertIn("98765-4321", statement.text)
        refused = self.url_open(f"/my/telephony/charge/{theirs[0].id}/statement")
        self.assertEqual(refused.status_code, 404)
        self.assertNotIn("(31) 3500-0002", refused.text)
        self.authenticate("portal_b", "portal_b")
        refused = self.url_open(f"/my/telephony/charge/{mine[0].id}/statement")
        self.assertEqual(refused.status_code, 404)
        own = self.url_open(f"/my/telephony/charge/{theirs[0].id}/statement")
        self.assertEqual(own.status_code, 200)

    def test_charge_statement_refused_to_visitors_and_plain_employees(self):
        mine, _theirs = self._closed_charges()
        response = self.url_open(
            f"/my/telephony/charge/{mine[0].id}/statement", allow_redirects=False
        )
        self.assertIn(response.status_code, (302, 303))
        self.assertIn("/web/login", response.headers["Location"])
        new_test_user(self.env, login="plain_employee", groups="base.group_user")
        self.authenticate("plain_employee", "plain_employee")
        refused = self.url_open(f"/my/telephony/charge/{mine[0].id}/statement")
        self.assertEqual(refused.status_code, 404)

    def test_each_customer_sees_only_their_own(self):
        calls = self._calls()
        own = calls.filtered(lambda c: c.line_id == self.line)
        Cdr = self.env["isp.cdr"]
        self.assertEqual(Cdr.with_user(self.portal_a).search([]), own)
        self.assertEqual(
            self.env["isp.sip.line"].with_user(self.portal_b).search([]), self.line_b
        )
        self.authenticate("portal_a", "portal_a")
        page = self.url_open("/my/telephony")
        self.assertEqual(page.status_code, 200)
        self.assertIn("(31) 3500-0001", page.text)
        self.assertNotIn("(31) 3500-0002", page.text)
        self.assertIn(f"/my/telephony/statement/{self.contract.id}/2026-03", page.text)
        mine = self.url_open(f"/my/telephony/statement/{self.contract.id}/2026-03")
        self.assertEqual(mine.status_code, 200)
        self.assertEqual(mine.headers["Content-Type"], "application/pdf")
        self.assertIn("attachment", mine.headers["Content-Disposition"])
        # Tests render reports as HTML (no wkhtmltopdf): the statement's
        # own calls are in it, the other customer's are not.
        self.assertIn("3333-4444", mine.text)
        self.assertIn("98765-4321", mine.text)
        theirs = self.url_open(f"/my/telephony/statement/{self.contract_b.id}/2026-03")
        self.assertEqual(theirs.status_code, 404)
        self.assertNotIn("3333-4444", theirs.text)
        self.authenticate("portal_b", "portal_b")
        page = self.url_open("/my/telephony")
        self.assertIn("(31) 3500-0002", page.text)
        self.assertNotIn("(31) 3500-0001", page.text)
        theirs = self.url_open(f"/my/telephony/statement/{self.contract.id}/2026-03")
        self.assertEqual(theirs.status_code, 404)

    def test_a_visitor_is_sent_to_log_in(self):
        response = self.url_open(
            f"/my/telephony/statement/{self.contract.id}/2026-03",
            allow_redirects=False,
        )
        self.assertIn(response.status_code, (302, 303))
        self.assertIn("/web/login", response.headers["Location"])
