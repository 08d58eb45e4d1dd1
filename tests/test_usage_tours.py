# Copyright 2026 isp_telephony authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Browser tours of issue 15 (static/tests/tours/isp_telephony_usage_tours.js):
finance finds the No-rate calls and the margin by class, a manager copies the
webhook data and tests the connection, a customer sees their past charges
and downloads a statement in the portal and cannot open another customer's."""

from datetime import datetime, timedelta

from odoo.tests import HttpCase, new_test_user, tagged

from ..gateways.callmyway import LIMITER
from .billing_common import LOCAL, MOBILE, USA, BillingCase
from .loopback.callmyway_server import CallMyWayServer

# Shared with static/tests/tours/isp_telephony_usage_tours.js.
TOUR_SECRET = "tour-usage-secret-42"


@tagged("post_install", "-at_install")
class TestUsageTours(HttpCase, BillingCase):
    def _rated_calls(self, when):
        self.cdr(LOCAL, 150, when, detect_time=when)
        self.cdr(
            MOBILE,
            60,
            when + timedelta(minutes=5),
            detect_time=when + timedelta(minutes=5),
            platform_cost=0.20,
        )
        self.cdr(
            USA,
            60,
            when + timedelta(minutes=10),
            detect_time=when + timedelta(minutes=10),
        )
        self.rate()

    def test_finance_finds_no_rate_calls_and_margin_by_class(self):
        self._rated_calls(datetime.now().replace(microsecond=0) - timedelta(hours=1))
        self.start_tour(
            "/odoo/action-isp_telephony.action_isp_cdr",
            "isp_telephony_finance_no_rate_margin",
            login=self.manager.login,
        )

    def test_overview_cards_open_what_they_count(self):
        # Only this test's calls: the demo's would change the counts.
        self.env["isp.cdr"].search([]).unlink()
        self._rated_calls(datetime.now().replace(microsecond=0) - timedelta(hours=1))
        self.start_tour(
            "/odoo/action-isp_telephony.action_isp_telephony_overview_dashboard",
            "isp_telephony_overview_cards",
            login=self.manager.login,
        )

    def test_manager_copies_webhook_data_and_tests_the_connection(self):
        LIMITER.reset()
        server = CallMyWayServer(username="8000001", password="cmw-pass").start()
        self.addCleanup(server.stop)
        integration = self.env["isp.telephony.integration"].create(
            {
                "name": "CallMyWay tour",
                "gateway": "callmyway",
                "api_user": "8000001",
                "api_password": "cmw-pass",
                "access_host": server.url,
                "webhook_secret": TOUR_SECRET,
            }
        )
        self.start_tour(
            f"/odoo/action-isp_telephony.action_isp_telephony_integration/{integration.id}",
            "isp_telephony_manager_webhook_test",
            login=self.manager.login,
        )
        self.assertEqual(integration.connection_state, "ok")
        self.assertEqual(len(server.requests), 1)

    def test_customer_downloads_a_statement_not_another_customers(self):
        partner_b = self.env["res.partner"].create({"name": "Outro Cliente"})
        contract_b = self.make_contract(partner_b)
        line_b = self.make_line(contract_b, "+553135000002")
        new_test_user(
            self.env,
            login="portal_tour",
            groups="base.group_portal",
            partner_id=self.partner.id,
        )
        self._rated_calls(datetime.now().replace(microsecond=0) - timedelta(hours=1))
        # A closed month for both customers: each has a past charge.
        self.cdr(LOCAL, 300, 30)
        self.cdr(MOBILE, 120, 45, line=line_b)
        self.rate(self.line | line_b)
        self.close(contracts=self.contract | contract_b)
        Charge = self.env["isp.telephony.charge"]
        mine = Charge.search([("contract_id", "=", self.contract.id)])
        theirs = Charge.search([("contract_id", "=", contract_b.id)])
        self.assertEqual(len(mine), 1)
        self.assertEqual(len(theirs), 1)
        self.start_tour(
            f"/my/telephony?other={contract_b.id}&other_charge={theirs.id}",
            "isp_telephony_portal_statement",
            login="portal_tour",
        )
