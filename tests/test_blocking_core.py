# Copyright 2026 isp_telephony authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The blocking core: statuses from debts, categories from statuses."""

from datetime import date

from odoo.tests import BaseCase as TestCase

from ..tools import blocking as b


class TestStatus(TestCase):
    def test_thresholds_inclusive(self):
        cases = [
            (0, b.ACTIVE),
            (14, b.ACTIVE),
            (15, b.PARTIAL),
            (29, b.PARTIAL),
            (30, b.BLOCKED_AUTO),
            (400, b.BLOCKED_AUTO),
        ]
        for days, expected in cases:
            with self.subTest(days=days):
                self.assertEqual(b.status_from_debt(days, 15, 30), expected)

    def test_same_thresholds_skip_partial(self):
        self.assertEqual(b.status_from_debt(9, 10, 10), b.ACTIVE)
        self.assertEqual(b.status_from_debt(10, 10, 10), b.BLOCKED_AUTO)

    def test_terminated_wins(self):
        for current in b.STATUSES:
            with self.subTest(current=current):
                self.assertEqual(b.target_status(current, True, 0, 15, 30), b.CANCELLED)

    def test_manual_block_ignores_debt(self):
        for days in (0, 20, 90):
            self.assertEqual(
                b.target_status(b.BLOCKED_MANUAL, False, days, 15, 30),
                b.BLOCKED_MANUAL,
            )

    def test_automatic_statuses_follow_debt(self):
        for current in (b.ACTIVE, b.PARTIAL, b.BLOCKED_AUTO, b.CANCELLED):
            with self.subTest(current=current):
                self.assertEqual(b.target_status(current, False, 0, 15, 30), b.ACTIVE)
                self.assertEqual(b.target_status(current, False, 16, 15, 30), b.PARTIAL)
                self.assertEqual(
                    b.target_status(current, False, 31, 15, 30), b.BLOCKED_AUTO
                )

    def test_unknown_status_refused(self):
        with self.assertRaises(ValueError):
            b.target_status("suspended", False, 0, 15, 30)
        with self.assertRaises(ValueError):
            b.expected_category("frozen", True, 1, 1, 2, 3, 4)

    def test_overdue_days(self):
        self.assertEqual(b.overdue_days(None, date(2026, 3, 1)), 0)
        self.assertEqual(b.overdue_days(date(2026, 3, 1), date(2026, 3, 31)), 30)
        self.assertEqual(b.overdue_days(date(2026, 4, 1), date(2026, 3, 31)), 0)
        with self.assertRaises(TypeError):
            b.overdue_days("2026-03-01", date(2026, 3, 31))

    def test_check_thresholds(self):
        b.check_thresholds(15, 30)
        b.check_thresholds(10, 10)
        for partial, full in ((0, 30), (31, 30), (-1, 5)):
            with (
                self.subTest(partial=partial, full=full),
                self.assertRaises(ValueError),
            ):
                b.check_thresholds(partial, full)
        with self.assertRaises(TypeError):
            b.check_thresholds(1.5, 3)


class TestCategory(TestCase):
    # current, default, partial, block, cancel
    CATS = ("CUR", "DEF", "BLP", "BLQ", "CAN")

    def expected(self, status, enabled=True, **override):
        names = ("current", "default", "partial", "block", "cancel")
        values = dict(zip(names, self.CATS, strict=True))
        values.update(override)
        return b.expected_category(status, enabled, *(values[n] for n in names))

    def test_each_status(self):
        self.assertEqual(self.expected(b.ACTIVE), "DEF")
        self.assertEqual(self.expected(b.PARTIAL), "BLP")
        self.assertEqual(self.expected(b.BLOCKED_MANUAL), "BLQ")
        self.assertEqual(self.expected(b.BLOCKED_AUTO), "BLQ")
        self.assertEqual(self.expected(b.CANCELLED), "CAN")

    def test_partial_without_category_keeps_default(self):
        self.assertEqual(self.expected(b.PARTIAL, partial=None), "DEF")

    def test_blocking_disabled_keeps_current(self):
        for status in b.STATUSES:
            with self.subTest(status=status):
                self.assertEqual(self.expected(status, enabled=False), "CUR")
