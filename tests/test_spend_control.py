# Copyright 2026 isp_telephony authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Spend control through the database, a frozen clock and the loopback
Summit platform: the credit limit crossed by one import, its releases (new
cycle, higher limit, manager), the fraud guard and its release, several
reasons at once, and a platform failure while blocking."""

from contextlib import closing

from freezegun import freeze_time

from odoo import sql_db
from odoo.exceptions import AccessError, UserError

from ..tools import locks
from .spend_common import ABROAD, MOBILE, NOW, SpendCase


@freeze_time(NOW)
class TestCreditLimit(SpendCase):
    def cross_the_limit(self, line):
        # 3 minutes abroad (9.00 = 90 %) then 2 more (6.00): 15.00 > 10.00.
        return self.import_rows(
            self.row(line, ABROAD, 3, self.at("2026-03-20 12:00")),
            self.row(line, ABROAD, 2, self.at("2026-03-20 12:30")),
        )

    def test_warning_and_limit_crossed_by_one_import(self):
        line = self.make_line()
        self.assertEqual(line.credit_limit, 10.0)  # from the plan
        run = self.cross_the_limit(line)
        calls = self.env["isp.cdr"].search([("import_id", "=", run.id)])
        # The call that crosses the limit is still rated (and so billed).
        self.assertEqual(sorted(calls.mapped("charge")), [6.0, 9.0])
        self.assertEqual(set(calls.mapped("rating_status")), {"rated"})
        self.assertEqual(line.cycle_start.isoformat(), "2026-03-10")
        self.assertEqual(line.cycle_spend, 15.0)
        self.assertEqual(line.credit_state, "limit")
        self.assertTrue(line.credit_blocked)
        self.assertIn(run.name, line.credit_block_origin)
        self.assertEqual(line.line_status, "partial_credit")
        self.assertEqual(self.contract.service_status, "active")
        # Receive-only on the platform at once.
        self.assertEqual(self.patches(), ["BLP"])
        self.assertEqual(self.on_platform(line), "BLP")
        # Notices are queued, not sent within the import.
        queued = self.env["isp.telephony.notice"].search(
            [("contract_id", "=", self.contract.id)]
        )
        self.assertEqual(queued.mapped("state"), ["pending", "pending"])
        self.assertFalse(self.contract.activity_ids)
        self.send_notices()
        self.assertEqual(queued.mapped("state"), ["sent", "sent"])
        # The contract's responsible has an activity; the customer both
        # notices, logged on the contract.
        activity = self.contract.activity_ids
        self.assertEqual(activity.user_id, self.user)
        self.assertIn("credit", activity.summary.lower())
        notices = self.notices()
        self.assertEqual(len(notices), 2, notices)
        self.assertIn("credit limit", notices[0])
        self.assertIn("reached its credit limit", notices[1])
        message = self.contract.message_ids.filtered(lambda m: m.subject)[:1]
        self.assertIn(self.partner, message.partner_ids)
        self.assertIn("+55 31 3000-0000", str(message.body))
        # The contract shows the spend of its lines.
        self.assertEqual(self.contract.telephony_cycle_spend, 15.0)
        self.assertEqual(self.contract.telephony_spend_blocked_count, 1)
        # A second import in the same cycle warns and blocks no more.
        self.import_rows(self.row(line, MOBILE, 1, self.at("2026-03-20 13:00")))
        self.assertEqual(len(self.notices()), 2)
        self.assertEqual(line.cycle_spend, 16.8)

    def test_below_the_warning_nothing_happens(self):
        line = self.make_line()
        self.import_rows(self.row(line, ABROAD, 2, self.at("2026-03-20 12:00")))
        self.assertEqual((line.cycle_spend, line.credit_state), (6.0, "ok"))
        self.assertEqual(line.credit_share, 60.0)
        self.assertEqual(self.notices(), [])
        self.assertFalse(self.contract.activity_ids)

    def test_released_when_the_next_cycle_starts(self):
        line = self.make_line()
        self.cross_the_limit(line)
        with freeze_time("2026-04-10 02:59:00"):  # 23:59 on 9 April local
            self.env["isp.telephony.rating"]._cron_rate_unrated()
        self.assertTrue(line.credit_blocked)
        with freeze_time("2026-04-10 03:30:00"):
            self.env["isp.telephony.rating"]._cron_rate_unrated()
        self.assertFalse(line.credit_blocked)
        self.assertEqual(line.cycle_start.isoformat(), "2026-04-10")
        self.assertEqual((line.cycle_spend, line.credit_state), (0.0, "ok"))
        self.assertEqual(line.line_status, "active")
        self.assertEqual(self.patches(), ["BLP", "DEF"])
        self.assertIn("restored", self.notices()[-1])

    def test_released_when_the_limit_is_raised(self):
        line = self.make_line()
        self.cross_the_limit(line)
        line.with_user(self.manager).credit_limit = 50.0
        self.assertFalse(line.credit_blocked)
        self.assertEqual((line.credit_state, line.credit_share), ("ok", 30.0))
        self.assertEqual(self.on_platform(line), "DEF")

    def test_only_managers_change_the_limit_or_the_figures(self):
        line = self.make_line()
        with self.assertRaises(AccessError):
            line.with_user(self.user).credit_limit = 50.0
        with self.assertRaises(AccessError):
            line.with_user(self.manager).write({"credit_blocked": True})
        with self.assertRaises(AccessError):
            line.with_user(self.manager).write({"cycle_spend": 0})

    def test_manager_lifts_for_the_rest_of_the_cycle(self):
        line = self.make_line()
        self.cross_the_limit(line)
        with self.assertRaises(AccessError):
            line.with_user(self.user).action_lift_credit_block()
        line.with_user(self.manager).action_lift_credit_block()
        self.assertFalse(line.credit_blocked)
        self.assertEqual(self.on_platform(line), "DEF")
        logged = line.message_ids.filtered(lambda m: "lifted" in str(m.body))
        self.assertIn(self.manager.name, str(logged.body))
        # More calls in the same cycle: not blocked again.
        self.import_rows(self.row(line, ABROAD, 1, self.at("2026-03-20 14:00")))
        self.assertEqual(line.credit_state, "limit")
        self.assertFalse(line.credit_blocked)
        self.assertEqual(self.patches(), ["BLP", "DEF"])

    def test_platform_failure_while_blocking_is_visible_and_retried(self):
        line = self.make_line()
        self.server.fail_next(422, method="PATCH")
        self.cross_the_limit(line)
        self.assertTrue(line.credit_blocked)
        self.run_jobs()  # the update job the block queued: refused (422)
        self.assertEqual(line.state, "error")
        self.assertIn("Injected failure 422", line.platform_error)
        self.assertEqual(line.category_id, self.cat["BLP"])
        self.assertTrue(line.category_pending)
        self.assertEqual(self.on_platform(line), "DEF")
        line.with_user(self.manager).action_retry()
        self.run_jobs()
        self.assertEqual(line.state, "active")
        self.assertFalse(line.category_pending)
        self.assertEqual(self.on_platform(line), "BLP")

    def test_lines_without_a_limit_are_never_limited(self):
        line = self.make_line()
        line.with_user(self.manager).credit_limit = 0.0
        self.cross_the_limit(line)
        self.assertEqual((line.credit_state, line.cycle_spend), ("none", 15.0))
        self.assertFalse(line.credit_blocked)

    def test_a_line_being_rated_elsewhere_is_left_to_that_worker(self):
        """One worker rates and checks a line at a time (the line's rating
        lock): an import whose line is busy imports its calls and leaves
        them unrated, the hourly rating skips the line while it is busy and
        rates it when it is free; a user's check of a busy line is refused
        in plain words, a change of the plan's limit is saved and leaves the
        busy line to the next check."""
        line = self.make_line()
        with closing(sql_db.db_connect(self.cr.dbname).cursor()) as other:
            self.assertTrue(locks.try_lock(other, locks.LINE_RATING, line.id))
            run = self.cross_the_limit(line)
            calls = self.env["isp.cdr"].search([("import_id", "=", run.id)])
            self.assertEqual(run.count_imported, 2)
            self.assertNotIn("rated", calls.mapped("rating_status"))
            self.assertFalse(line.credit_blocked)
            self.env["isp.telephony.rating"]._cron_rate_unrated()
            self.assertNotIn("rated", calls.mapped("rating_status"))
            with self.assertRaisesRegex(UserError, "being rated right now"):
                line.with_user(self.user).action_check_spend()
            # A manager changing the plan's limit is not refused: the busy
            # line is checked by the worker holding it or the next run.
            self.plan.write({"credit_limit": self.plan.credit_limit})
            self.assertFalse(line.credit_blocked)
            other.rollback()
        self.env["isp.telephony.rating"]._cron_rate_unrated()
        self.assertEqual(set(calls.mapped("rating_status")), {"rated"})
        self.assertEqual((line.cycle_spend, line.credit_state), (15.0, "limit"))
        self.assertTrue(line.credit_blocked)
        self.assertIn("Hourly rating", line.credit_block_origin)


@freeze_time(NOW)
class TestFraudGuard(SpendCase):
    def setUp(self):
        super().setUp()
        self.plan.write({"credit_limit": 0.0, "fraud_hour_limit": 20.0})

    def test_trip_blocks_at_once_and_only_a_manager_releases(self):
        line = self.make_line()
        # 02:40 to 03:20: 27.00 abroad within one rolling hour (> 20.00),
        # across two clock hours; a mobile call is not watched.
        self.import_rows(
            self.row(line, ABROAD, 3, self.at("2026-03-20 02:40")),
            self.row(line, MOBILE, 30, self.at("2026-03-20 02:45")),
            self.row(line, ABROAD, 3, self.at("2026-03-20 03:00")),
            self.row(line, ABROAD, 3, self.at("2026-03-20 03:20")),
        )
        self.assertTrue(line.fraud_blocked)
        self.assertEqual(line.line_status, "blocked_fraud")
        self.assertIn("27", line.fraud_block_origin)
        self.assertEqual(self.on_platform(line), "BLQ")
        # The managers are alerted: an activity each, a note on the line and
        # a message addressed to them listing the line.
        self.assertIn(self.manager, line.activity_ids.user_id)
        note = line.message_ids.filtered(lambda m: "fraud guard" in str(m.body))
        self.assertEqual(len(note), 1)
        alert = self.integration.message_ids.filtered(
            lambda m: m.subject == "Fraud guard: lines blocked"
        )
        self.assertIn(self.manager.partner_id, alert.partner_ids)
        self.assertIn(line.display_name, str(alert.body))
        # Neither a user nor a new cycle releases it.
        with self.assertRaises(AccessError):
            line.with_user(self.user).action_release_fraud_block()
        with freeze_time("2026-04-11 12:00:00"):
            self.env["isp.telephony.rating"]._cron_rate_unrated()
        self.assertTrue(line.fraud_blocked)
        line.with_user(self.manager).action_release_fraud_block()
        self.assertFalse(line.fraud_blocked)
        self.assertFalse(line.activity_ids)
        self.assertEqual(self.on_platform(line), "DEF")
        self.assertEqual(self.patches(), ["BLQ", "DEF"])

    def test_spread_out_calls_do_not_trip(self):
        line = self.make_line()
        self.import_rows(
            self.row(line, ABROAD, 3, self.at("2026-03-20 01:00")),
            self.row(line, ABROAD, 3, self.at("2026-03-20 02:00")),
            self.row(line, ABROAD, 3, self.at("2026-03-20 03:00")),
        )
        self.assertFalse(line.fraud_blocked)
        self.assertEqual(self.patches(), [])

    def test_simultaneous_costly_calls(self):
        self.plan.write({"fraud_hour_limit": 0.0, "fraud_max_simultaneous": 2})
        line = self.make_line()
        self.import_rows(
            self.row(line, ABROAD, 10, self.at("2026-03-20 02:00")),
            self.row(line, ABROAD, 10, self.at("2026-03-20 02:01")),
        )
        self.assertFalse(line.fraud_blocked)
        self.import_rows(self.row(line, ABROAD, 1, self.at("2026-03-20 02:05")))
        self.assertTrue(line.fraud_blocked)
        self.assertIn("simultaneous", line.fraud_block_origin)


@freeze_time(NOW)
class TestReasons(SpendCase):
    def test_fraud_and_credit_lifting_one_leaves_the_other(self):
        self.plan.write({"fraud_hour_limit": 20.0})
        line = self.make_line()
        self.import_rows(
            *(
                self.row(line, ABROAD, 3, self.at(f"2026-03-20 10:{m:02d}"))
                for m in (0, 10, 20)
            )
        )
        self.assertTrue(line.credit_blocked and line.fraud_blocked)
        self.assertEqual(line.line_status, "blocked_fraud")
        self.assertEqual(self.on_platform(line), "BLQ")
        reasons = line.block_reasons
        self.assertIn("fraud guard", reasons)
        self.assertIn("credit limit", reasons)
        line.with_user(self.manager).action_release_fraud_block()
        # The credit limit still holds: partial block, not released.
        self.assertEqual(line.line_status, "partial_credit")
        self.assertEqual(self.on_platform(line), "BLP")
        blocked = self.env["isp.sip.line"].search(
            [("id", "=", line.id), ("line_status", "not in", ("active", False))]
        )
        self.assertEqual(blocked, line)

    def test_payment_never_lifts_a_fraud_block(self):
        self.plan.write({"credit_limit": 0.0, "fraud_hour_limit": 5.0})
        line = self.make_line()
        invoice = self.make_invoice(self.contract, due="2026-03-01")
        self.company.telephony_notice_days = 0
        self.evaluate()
        self.assertEqual(self.contract.service_status, "partial_block")
        self.assertEqual(self.on_platform(line), "BLP")
        self.import_rows(self.row(line, ABROAD, 3, self.at("2026-03-20 12:00")))
        self.assertEqual(line.line_status, "blocked_fraud")
        self.assertEqual(self.on_platform(line), "BLQ")
        self.pay(invoice)
        self.assertEqual(self.contract.service_status, "active")
        self.assertEqual(line.line_status, "blocked_fraud")
        self.assertEqual(self.on_platform(line), "BLQ")
        self.assertEqual(self.patches(), ["BLP", "BLQ"])

    def test_new_cycle_never_lifts_an_overdue_block(self):
        line = self.make_line()
        self.make_invoice(self.contract, due="2026-03-01")
        self.company.telephony_notice_days = 0
        self.import_rows(
            self.row(line, ABROAD, 5, self.at("2026-03-20 12:00")),
        )
        self.assertEqual(line.line_status, "partial_credit")
        with freeze_time("2026-04-01 12:00:00"):
            self.evaluate()  # overdue 31 days: full block
        self.assertEqual(line.line_status, "blocked_auto")
        with freeze_time("2026-04-10 12:00:00"):
            self.env["isp.telephony.rating"]._cron_rate_unrated()
        self.assertFalse(line.credit_blocked)
        self.assertEqual(line.line_status, "blocked_auto")
        self.assertEqual(self.on_platform(line), "BLQ")
