# Copyright 2026 isp_telephony authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The spend-control core without a database: credit states and what they
call for, the fraud guard's rolling hour and overlapping calls, the
strictest reason in force on a line, and the notice period before a
suspension."""

from datetime import date, datetime, timedelta
from decimal import Decimal

from odoo.tests import BaseCase as TestCase

from ..tools import blocking as b
from ..tools import spend as s

T0 = datetime(2026, 3, 10, 2, 0)


def call(minutes, seconds, charge):
    return s.CostlyCall(T0 + timedelta(minutes=minutes), seconds, Decimal(charge))


class TestCredit(TestCase):
    def test_states(self):
        cases = [
            (0, 0, s.NONE),
            (500, 0, s.NONE),
            (0, 100, s.OK),
            ("79.99", 100, s.OK),
            (80, 100, s.WARNING),
            ("99.99", 100, s.WARNING),
            (100, 100, s.LIMIT),
            (150, 100, s.LIMIT),
        ]
        for spend, limit, expected in cases:
            with self.subTest(spend=spend, limit=limit):
                self.assertEqual(s.credit_state(Decimal(spend), limit, 80), expected)

    def test_warning_share_is_a_setting(self):
        self.assertEqual(s.credit_state(60, 100, 50), s.WARNING)
        self.assertEqual(s.credit_state(60, 100, 90), s.OK)
        with self.assertRaises(ValueError):
            s.credit_state(60, 100, 0)
        with self.assertRaises(ValueError):
            s.credit_state(60, 100, 120)

    def test_share(self):
        self.assertEqual(s.credit_share(Decimal(25), 100), 25.0)
        self.assertEqual(s.credit_share(Decimal(25), 0), 0.0)

    def test_one_import_crosses_warning_and_limit(self):
        self.assertEqual(
            s.credit_actions(s.LIMIT, "2026-03-10", False, None, None),
            (s.WARN, s.BLOCK),
        )

    def test_warned_once_per_cycle(self):
        self.assertEqual(
            s.credit_actions(s.WARNING, "2026-03-10", False, None, None), (s.WARN,)
        )
        self.assertEqual(
            s.credit_actions(s.WARNING, "2026-03-10", False, "2026-03-10", None), ()
        )
        self.assertEqual(
            s.credit_actions(s.WARNING, "2026-04-10", False, "2026-03-10", None),
            (s.WARN,),
        )

    def test_lifted_by_a_manager_not_blocked_again_in_that_cycle(self):
        self.assertEqual(
            s.credit_actions(s.LIMIT, "2026-03-10", False, "2026-03-10", "2026-03-10"),
            (),
        )
        self.assertEqual(
            s.credit_actions(s.LIMIT, "2026-04-10", False, "2026-03-10", "2026-03-10"),
            (s.WARN, s.BLOCK),
        )

    def test_released_below_the_limit(self):
        for state in (s.NONE, s.OK, s.WARNING):
            with self.subTest(state=state):
                self.assertIn(
                    s.RELEASE,
                    s.credit_actions(state, "2026-04-10", True, "2026-03-10", None),
                )
        self.assertEqual(
            s.credit_actions(s.LIMIT, "2026-03-10", True, "2026-03-10", None), ()
        )


class TestFraud(TestCase):
    def test_rolling_hour_not_clock_hour(self):
        # 02:40 to 03:30: across two clock hours, within one rolling hour.
        calls = [call(40, 60, "30"), call(70, 60, "30"), call(90, 60, "30")]
        amount, start = s.hour_peak(calls)
        self.assertEqual(amount, Decimal(90))
        self.assertEqual(start, T0 + timedelta(minutes=40))

    def test_hour_is_half_open(self):
        calls = [call(0, 60, "50"), call(60, 60, "50")]
        self.assertEqual(s.hour_peak(calls)[0], Decimal(50))
        self.assertEqual(s.hour_peak([]), (Decimal(0), None))

    def test_hour_limit_trips_above_not_at(self):
        calls = [call(0, 60, "50"), call(10, 60, "50")]
        self.assertIsNone(s.fraud_check(calls, hour_limit=100))
        trip = s.fraud_check(calls, hour_limit="99.99")
        self.assertEqual(trip.kind, "hour")
        self.assertEqual(trip.value, Decimal(100))
        self.assertIsNone(s.fraud_check(calls, hour_limit=0))

    def test_overlap(self):
        calls = [call(0, 600, "1"), call(5, 600, "1"), call(8, 60, "1")]
        self.assertEqual(s.max_overlap(calls), (3, T0 + timedelta(minutes=8)))
        # One ends when the next connects: never two at once.
        chained = [call(0, 60, "1"), call(1, 60, "1")]
        self.assertEqual(s.max_overlap(chained)[0], 1)

    def test_simultaneous_rule_optional(self):
        calls = [call(0, 600, "1"), call(1, 600, "1"), call(2, 600, "1")]
        self.assertIsNone(s.fraud_check(calls, hour_limit=1000))
        trip = s.fraud_check(calls, hour_limit=1000, max_simultaneous=2)
        self.assertEqual((trip.kind, trip.value, trip.limit), ("simultaneous", 3, 2))


class TestReasons(TestCase):
    def test_strictest_in_force(self):
        cases = [
            ((b.ACTIVE, False, False), b.ACTIVE),
            ((b.ACTIVE, True, False), b.PARTIAL_CREDIT),
            ((b.ACTIVE, True, True), b.BLOCKED_FRAUD),
            ((b.PARTIAL, True, False), b.PARTIAL),
            ((b.PARTIAL, False, True), b.BLOCKED_FRAUD),
            ((b.BLOCKED_MANUAL, True, True), b.BLOCKED_MANUAL),
            ((b.CANCELLED, True, True), b.CANCELLED),
        ]
        for args, expected in cases:
            with self.subTest(args=args):
                self.assertEqual(b.line_status(*args), expected)

    def test_lifting_one_leaves_the_others(self):
        self.assertEqual(
            b.line_reasons(b.PARTIAL, True, True),
            [b.BLOCKED_FRAUD, b.PARTIAL, b.PARTIAL_CREDIT],
        )
        # The payment lifts the overdue block: fraud and credit remain.
        self.assertEqual(
            b.line_reasons(b.ACTIVE, True, True), [b.BLOCKED_FRAUD, b.PARTIAL_CREDIT]
        )
        self.assertEqual(b.line_status(b.ACTIVE, True, False), b.PARTIAL_CREDIT)
        self.assertEqual(b.line_reasons(b.ACTIVE), [b.ACTIVE])

    def test_categories_of_line_reasons(self):
        cats = {"current": "OWN", "default": "DEF", "partial": "BLP", "block": "BLQ"}
        self.assertEqual(
            b.expected_category(b.PARTIAL_CREDIT, True, cancel="CAN", **cats), "BLP"
        )
        self.assertEqual(
            b.expected_category(b.BLOCKED_FRAUD, True, cancel="CAN", **cats), "BLQ"
        )
        self.assertEqual(
            b.expected_category(b.BLOCKED_FRAUD, False, cancel="CAN", **cats), "OWN"
        )


class TestNotice(TestCase):
    def test_no_suspension_before_the_notice_period(self):
        self.assertEqual(b.target_status(b.ACTIVE, False, 20, 15, 30, False), b.ACTIVE)
        self.assertEqual(b.target_status(b.ACTIVE, False, 20, 15, 30, True), b.PARTIAL)
        # Already suspended: stays while the debt lasts.
        self.assertEqual(
            b.target_status(b.PARTIAL, False, 31, 15, 30, False), b.BLOCKED_AUTO
        )
        self.assertEqual(b.target_status(b.PARTIAL, False, 0, 15, 30, False), b.ACTIVE)

    def test_period_over(self):
        notice = date(2026, 3, 5)
        self.assertFalse(b.notice_period_over(None, 15, date(2026, 5, 1)))
        self.assertFalse(b.notice_period_over(notice, 15, date(2026, 3, 19)))
        self.assertTrue(b.notice_period_over(notice, 15, date(2026, 3, 20)))
        self.assertTrue(b.notice_period_over(notice, 0, notice))

    def test_dates_announced(self):
        due = date(2026, 3, 1)
        # Notified the day after the due date: partial 15 days after the
        # notice (not 15 days after the due date), full 30 days after it.
        self.assertEqual(
            b.suspension_dates(due, date(2026, 3, 2), 15, 30, 15),
            (date(2026, 3, 17), date(2026, 3, 31)),
        )
        # Notified late: the full suspension never comes before the partial.
        self.assertEqual(
            b.suspension_dates(due, date(2026, 3, 25), 15, 30, 15),
            (date(2026, 4, 9), date(2026, 4, 9)),
        )
        self.assertEqual(b.suspension_dates(None, None, 15, 30, 15), (None, None))
