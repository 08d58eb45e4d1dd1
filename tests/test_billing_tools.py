# Copyright 2026 isp_telephony authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Which cycle a billing month bills (tools/billing.py), database-free."""

from datetime import date, datetime

from odoo.tests import BaseCase

from ..tools import billing, rating

SP = "America/Sao_Paulo"


class TestBillingCycle(BaseCase):
    def test_month_bills_the_cycle_that_resets_in_it(self):
        # Due day 10, March: 10 Feb 00:00 -> 10 Mar 00:00 local (UTC-3).
        self.assertEqual(
            billing.billing_cycle(date(2026, 3, 17), 10, SP),
            (datetime(2026, 2, 10, 3, 0), datetime(2026, 3, 10, 3, 0)),
        )
        # Due day 1, January: the whole of December.
        self.assertEqual(
            billing.billing_cycle("2026-01", 1, SP),
            (datetime(2025, 12, 1, 3, 0), datetime(2026, 1, 1, 3, 0)),
        )
        # Due day 25 in UTC, March: 25 Feb -> 25 Mar.
        self.assertEqual(
            billing.billing_cycle(date(2026, 3, 1), 25, "UTC"),
            (datetime(2026, 2, 25), datetime(2026, 3, 25)),
        )

    def test_agrees_with_the_rating_core(self):
        for due_day in (1, 10, 25):
            for month in range(1, 13):
                start, end = billing.billing_cycle(date(2026, month, 1), due_day, SP)
                self.assertEqual(rating.cycle_bounds(start, due_day, SP), (start, end))
                self.assertEqual(
                    rating.cycle_key(end, due_day, SP),
                    f"2026-{month:02d}-{due_day:02d}",
                )

    def test_dates(self):
        self.assertEqual(
            billing.cycle_dates(date(2026, 3, 1), 10),
            (date(2026, 2, 10), date(2026, 3, 9), date(2026, 3, 10)),
        )
        self.assertEqual(billing.cycle_last_day(date(2026, 12, 25)), date(2027, 1, 24))
        self.assertEqual(billing.cycle_last_day(date(2026, 2, 1)), date(2026, 2, 28))
        self.assertEqual(billing.previous_month(date(2026, 1, 15)), date(2025, 12, 1))
        self.assertEqual(billing.minutes(100), 1.67)

    def test_due_day_out_of_range(self):
        with self.assertRaises(ValueError):
            billing.billing_cycle(date(2026, 3, 1), 26, SP)
