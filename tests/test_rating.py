# Copyright 2026 isp_telephony authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Rating stored on CDRs through the database: the rule of docs/rating.md
with hand-computed results, cycles in the company's time zone, re-rating."""

from datetime import datetime, timedelta
from unittest.mock import patch

from odoo.exceptions import ValidationError
from odoo.tests import new_test_user

from .billing_common import CYCLE_START, LOCAL, MOBILE, NATIONAL, USA, BillingCase


def stored(cdr):
    return (
        cdr.rating_status,
        cdr.dest_class,
        cdr.rounded_seconds,
        cdr.franchise_seconds,
        cdr.excess_seconds,
        round(cdr.charge, 2),
    )


class TestRating(BillingCase):
    def test_franchise_crossed_mid_call(self):
        # Bucket 100 s for fixed; local fixed 60/60 at 0.60/min, fee 0.10.
        first = self.cdr(LOCAL, 50, 0)  # b 60, all franchise, 40 s left
        second = self.cdr(LOCAL, 90, 5)  # b 120: 40 covered, 80 excess
        third = self.cdr(LOCAL, 10, 9)  # b 60: franchise gone
        self.rate()
        self.assertEqual(stored(first), ("rated", "local_fixed", 60, 60, 0, 0.0))
        # 0.10 + 80 * 0.60 / 60 = 0.90
        self.assertEqual(stored(second), ("rated", "local_fixed", 120, 40, 80, 0.90))
        # 0.10 + 60 * 0.01 = 0.70
        self.assertEqual(stored(third), ("rated", "local_fixed", 60, 0, 60, 0.70))
        self.assertEqual(second.bucket_id, self.plan.bucket_ids)
        self.assertEqual(second.rate_id.dest_class, "local_fixed")
        self.assertEqual(second.cycle_start.isoformat(), "2026-02-10")

    def test_chronological_order_not_insertion_order(self):
        late = self.cdr(LOCAL, 90, 30)  # inserted first, happens second
        early = self.cdr(LOCAL, 90, 10)  # b 120 > 100: 100 covered, 20 excess
        self.rate()
        # early: 0.10 + 20 * 0.01 = 0.30; late: 0.10 + 120 * 0.01 = 1.30
        self.assertEqual(stored(early), ("rated", "local_fixed", 120, 100, 20, 0.30))
        self.assertEqual(stored(late), ("rated", "local_fixed", 120, 0, 120, 1.30))

    def test_two_classes_share_a_bucket_and_mobile_has_none(self):
        national = self.cdr(NATIONAL, 40, 0)  # 30/6: 30 + ceil(10/6)*6 = 42
        local = self.cdr(LOCAL, 70, 1)  # 60/60: 120; 58 covered, 62 excess
        mobile = self.cdr(MOBILE, 31, 2)  # 30/6: 36, no bucket: 36*0.03
        self.rate()
        self.assertEqual(stored(national), ("rated", "national_fixed", 42, 42, 0, 0))
        # 0.10 + 62 * 0.01 = 0.72
        self.assertEqual(stored(local), ("rated", "local_fixed", 120, 58, 62, 0.72))
        # 36 * 1.80 / 60 = 1.08
        self.assertEqual(stored(mobile), ("rated", "local_mobile", 36, 0, 36, 1.08))

    def test_free_calls_and_no_rate(self):
        busy = self.cdr(LOCAL, 0, 0, disposition="busy")
        unanswered = self.cdr(LOCAL, 30, 1, disposition="no_answer")
        short = self.cdr(LOCAL, 2, 2)  # below the 3 s minimum
        emergency = self.cdr("190", 120, 3, dnis="190")
        abroad = self.cdr(USA, 60, 4)  # no international rate, no default
        inbound = self.cdr(LOCAL, 300, 5, direction="in")
        self.rate()
        for cdr in (busy, unanswered, short, emergency, inbound):
            self.assertEqual(cdr.rating_status, "free", cdr.call_id)
            self.assertEqual((cdr.charge, cdr.franchise_seconds), (0, 0))
        self.assertEqual(emergency.dest_class, "emergency")
        self.assertEqual(inbound.dest_class, "inbound")
        self.assertEqual(abroad.rating_status, "no_rate")
        self.assertEqual(abroad.dest_class, "international")
        self.assertFalse(abroad.rate_id)
        # The franchise is untouched by all of them.
        later = self.cdr(LOCAL, 100, 10)
        self.rate()
        self.assertEqual(later.franchise_seconds, 100)

    def test_margin_beside_platform_cost(self):
        call = self.cdr(MOBILE, 60, 0, platform_cost=0.25)  # 60 * 0.03 = 1.80
        self.rate()
        self.assertAlmostEqual(call.charge, 1.80)
        self.assertAlmostEqual(call.margin, 1.55)

    def test_cycle_boundary_at_local_midnight_of_the_due_day(self):
        # Due day 10 in São Paulo: 2026-03-10 03:00 UTC opens a new cycle.
        before = self.cdr(LOCAL, 100, datetime(2026, 3, 10, 2, 59, 59))
        after = self.cdr(LOCAL, 100, datetime(2026, 3, 10, 3, 0, 0))
        self.rate()
        # Each call has the full 100 s of its own cycle: b 120, 20 excess.
        self.assertEqual(before.cycle_start.isoformat(), "2026-02-10")
        self.assertEqual(after.cycle_start.isoformat(), "2026-03-10")
        for cdr in (before, after):
            self.assertEqual((cdr.franchise_seconds, cdr.excess_seconds), (100, 20))

    def test_rerated_when_a_rate_changes(self):
        call = self.cdr(MOBILE, 60, 0)
        self.rate()
        self.assertAlmostEqual(call.charge, 1.80)
        mobile_rate = self.plan.rate_ids.filtered(
            lambda r: r.dest_class == "local_mobile"
        )
        mobile_rate.price_per_minute = 0.90
        self.assertAlmostEqual(call.charge, 0.90)

    def test_rerated_when_the_franchise_changes(self):
        call = self.cdr(LOCAL, 100, 0)
        self.rate()
        self.assertEqual(call.franchise_seconds, 100)
        self.plan.bucket_ids.allowance_seconds = 30
        # b 120: 30 covered, 90 excess: 0.10 + 0.90 = 1.00
        self.assertEqual(stored(call), ("rated", "local_fixed", 120, 30, 90, 1.00))

    def test_rerated_when_the_line_changes_plan_and_no_rate_appears(self):
        abroad = self.cdr(USA, 61, 0)
        self.rate()
        self.assertEqual(abroad.rating_status, "no_rate")
        world = self.plan.copy({"name": "World"})
        world.write(
            {
                "rate_ids": [
                    (
                        0,
                        0,
                        {
                            "prefix": "1",
                            "price_per_minute": 0.60,
                            "initial_block": 60,
                            "increment": 1,
                        },
                    )
                ]
            }
        )
        self.line.billing_plan_id = world
        # 60/1: 61 s at 0.01/s = 0.61, rated with the new plan.
        self.assertEqual(stored(abroad), ("rated", "international", 61, 0, 61, 0.61))
        self.assertEqual(abroad.billing_plan_id, world)
        self.line.billing_plan_id = False
        self.assertEqual(abroad.rating_status, "unrated")
        self.assertFalse(abroad.charge)

    def test_ambiguous_rates_are_refused(self):
        with self.assertRaises(ValidationError):
            self.env["isp.telephony.rate"].create(
                {
                    "plan_id": self.plan.id,
                    "dest_class": "local_fixed",
                    "price_per_minute": 1,
                }
            )
        with self.assertRaises(ValidationError):
            self.env["isp.telephony.rate"].create(
                {"plan_id": self.plan.id, "prefix": "55x1", "price_per_minute": 1}
            )

    def rate_since(self, moment):
        """Rate as spend control does after an import whose first call
        connected at ``moment``; returns (changed count, ids fetched)."""
        Rating = self.env["isp.telephony.rating"]
        fetched = []
        original = type(Rating)._fetch_cdrs

        def fetch(rater, chunk, bounds, since=None):
            rows = original(rater, chunk, bounds, since)
            fetched.extend(row[0] for line_rows in rows.values() for row in line_rows)
            return rows

        bounds = {self.line.id: (CYCLE_START, CYCLE_START + timedelta(days=28))}
        with patch.object(type(Rating), "_fetch_cdrs", fetch):
            count = Rating._rate_lines(
                self.line.ids,
                bounds=bounds,
                only_unrated=True,
                since={self.line.id: moment},
            )
        return count, set(fetched)

    def test_new_calls_rated_alone_as_the_whole_cycle_would(self):
        # After an import only its calls are fetched and rated: the earlier
        # calls of the cycle give the franchise they used (60 of 100 s).
        first = self.cdr(LOCAL, 50, 0)
        self.rate()
        second = self.cdr(LOCAL, 90, 5)  # b 120: 40 covered, 80 excess
        third = self.cdr(LOCAL, 10, 9)  # franchise gone
        count, fetched = self.rate_since(second.connect_time)
        self.assertEqual((count, fetched), (2, {second.id, third.id}))
        self.assertEqual(stored(first), ("rated", "local_fixed", 60, 60, 0, 0.0))
        self.assertEqual(stored(second), ("rated", "local_fixed", 120, 40, 80, 0.90))
        self.assertEqual(stored(third), ("rated", "local_fixed", 60, 0, 60, 0.70))
        # Rating the whole cycle again changes nothing.
        self.assertEqual(self.env["isp.telephony.rating"]._rate_lines(self.line.ids), 0)

    def test_late_call_rerates_the_calls_after_it(self):
        # A CDR that arrives late but connected before rated calls takes the
        # franchise first: the calls after it are rated again, not the ones
        # before.
        first = self.cdr(LOCAL, 50, 0)
        later = self.cdr(LOCAL, 90, 5)
        self.rate()
        late = self.cdr(LOCAL, 90, 2)  # b 120: 40 covered, 80 excess
        count, fetched = self.rate_since(late.connect_time)
        self.assertEqual(fetched, {late.id, later.id})
        self.assertEqual(count, 2)
        self.assertEqual(stored(first), ("rated", "local_fixed", 60, 60, 0, 0.0))
        self.assertEqual(stored(late), ("rated", "local_fixed", 120, 40, 80, 0.90))
        self.assertEqual(stored(later), ("rated", "local_fixed", 120, 0, 120, 1.30))
        self.assertEqual(self.env["isp.telephony.rating"]._rate_lines(self.line.ids), 0)

    def test_earlier_unrated_call_rates_the_whole_cycle(self):
        # An earlier call never rated (an import whose check failed): the
        # franchise it takes is unknown, so the whole cycle is rated.
        earlier = self.cdr(LOCAL, 50, 0)
        new = self.cdr(LOCAL, 90, 5)
        count, fetched = self.rate_since(new.connect_time)
        self.assertEqual((count, fetched), (2, {earlier.id, new.id}))
        self.assertEqual(stored(earlier), ("rated", "local_fixed", 60, 60, 0, 0.0))
        self.assertEqual(stored(new), ("rated", "local_fixed", 120, 40, 80, 0.90))

    def test_cron_rates_only_unrated_cycles(self):
        call = self.cdr(LOCAL, 90, 0)
        self.assertEqual(call.rating_status, "unrated")
        count = self.env["isp.telephony.rating"]._cron_rate_unrated()
        self.assertEqual(count, 1)
        self.assertEqual(call.rating_status, "rated")
        # Nothing changed: nothing is written again.
        self.assertEqual(self.env["isp.telephony.rating"]._cron_rate_unrated(), 0)

    def test_rates_and_buckets_stay_in_their_company(self):
        company_b = self.env["res.company"].create({"name": "ISP B"})
        plan_b = self.env["isp.telephony.plan"].create(
            {
                "name": "B plan",
                "company_id": company_b.id,
                "rate_ids": [(0, 0, {"price_per_minute": 1.0})],
                "bucket_ids": [
                    (
                        0,
                        0,
                        {
                            "name": "B",
                            "allowance_seconds": 60,
                            "dest_class_ids": [(6, 0, self.classes["local_fixed"].ids)],
                        },
                    )
                ],
            }
        )
        user_a = new_test_user(
            self.env,
            login="tel_rates_a",
            groups="base.group_user,isp_telephony.group_telephony_manager",
            company_id=self.company.id,
            company_ids=[(6, 0, self.company.ids)],
        )
        env_a = self.env(user=user_a)
        self.assertFalse(
            env_a["isp.telephony.rate"].search([("plan_id", "=", plan_b.id)])
        )
        self.assertFalse(
            env_a["isp.telephony.plan.bucket"].search([("plan_id", "=", plan_b.id)])
        )
        self.assertTrue(
            env_a["isp.telephony.rate"].search([("plan_id", "=", self.plan.id)])
        )
