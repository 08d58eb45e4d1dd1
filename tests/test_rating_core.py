# Copyright 2026 isp_telephony authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The database-free rating core (tools/rating.py), with hand-computed
expectations: every number below is worked out in the comment beside it."""

from datetime import datetime, timedelta
from decimal import Decimal

from odoo.tests import BaseCase

from ..tools import destination as dest
from ..tools import rating
from ..tools.rating import Bucket, Call, Plan, Rate, RateTable

LINE_DDD = "11"
LF = "+551134567890"  # local fixed (same DDD 11)
NF = "+552134567890"  # national fixed (DDD 21)
LM = "+5511987654321"  # local mobile
NM = "+5521987654321"  # national mobile
TF = "+558001234567"  # 0800
NG = "+553001234567"  # 0300
US = "+12025550123"  # international, USA
LONDON = "+442071234567"  # international, UK, London (44 20)
MANCHESTER = "+441612345678"  # international, UK, not London
ON_NET = "+551132000000"  # another line of the company
T0 = datetime(2026, 3, 12, 15, 0, 0)  # naive UTC


def make_plan(rates=(), default=None, buckets=(), minimum=0, digits=2):
    return Plan("P", minimum, list(buckets), RateTable(rates, default), digits)


def make_call(call_id, dialled, billsec, minute=0, answered=True, direction=None):
    return Call(
        call_id,
        direction or "out",
        dialled,
        T0 + timedelta(minutes=minute),
        billsec,
        answered,
    )


def summary(results):
    """(call id, rounded, franchise, excess, charge as str, status) per call."""
    return [
        (
            r.call_id,
            r.rounded_seconds,
            r.franchise_seconds,
            r.excess_seconds,
            str(r.charge),
            r.status,
        )
        for r in results
    ]


class TestIncrements(BaseCase):
    # Price 0.60/min = 0.01/s, no fee, no franchise: charge = b * 0.01.
    CASES = (
        # (initial block, increment, billsec, rounded b, charge)
        (60, 60, 1, 60, "0.60"),  # b = initial block
        (60, 60, 60, 60, "0.60"),  # no longer than the block
        (60, 60, 61, 120, "1.20"),  # 60 + ceil(1/60)*60 = 120
        (60, 60, 125, 180, "1.80"),  # 60 + ceil(65/60)*60 = 60 + 120
        (30, 6, 1, 30, "0.30"),
        (30, 6, 30, 30, "0.30"),
        (30, 6, 31, 36, "0.36"),  # 30 + ceil(1/6)*6 = 36
        (30, 6, 65, 66, "0.66"),  # 30 + ceil(35/6)*6 = 30 + 36
        (30, 6, 66, 66, "0.66"),  # 30 + ceil(36/6)*6 = 30 + 36
        (60, 1, 1, 60, "0.60"),
        (60, 1, 61, 61, "0.61"),  # 60 + 1
        (60, 1, 119, 119, "1.19"),  # 60 + 59
        (0, 6, 7, 12, "0.12"),  # no initial block: ceil(7/6)*6 = 12
    )

    def test_increment_schemes(self):
        for initial, increment, billsec, rounded, charge in self.CASES:
            with self.subTest(scheme=f"{initial}/{increment}", billsec=billsec):
                plan = make_plan(
                    [Rate("lf", None, dest.LOCAL_FIXED, "0.60", 0, initial, increment)]
                )
                (result,) = rating.rate_calls(
                    plan, [make_call(1, LF, billsec)], LINE_DDD
                )
                self.assertEqual(result.rounded_seconds, rounded)
                self.assertEqual(result.excess_seconds, rounded)
                self.assertEqual(result.charge, Decimal(charge))
                self.assertEqual(result.status, rating.RATED)
                self.assertEqual(result.rate_id, "lf")
                self.assertEqual(
                    rating.rounded_seconds(billsec, initial, increment), rounded
                )

    def test_rounded_seconds_helper(self):
        # Same rule, straight: 30/6 on 37 s = 30 + ceil(7/6)*6 = 42.
        self.assertEqual(rating.rounded_seconds(37, 30, 6), 42)
        self.assertEqual(rating.rounded_seconds(30, 30, 6), 30)


class TestConnectionFeeAndMinimum(BaseCase):
    def test_fee_only_when_excess(self):
        # 60/60 at 0.60/min with a 0.10 connection fee; 120 s franchise.
        plan = make_plan(
            [Rate("lf", None, dest.LOCAL_FIXED, "0.60", "0.10")],
            buckets=[Bucket("B", 120, {dest.LOCAL_FIXED})],
        )
        calls = [
            make_call(1, LF, 60, minute=0),  # b 60, covered 60, left 60: 0
            make_call(2, LF, 45, minute=5),  # b 60, covered 60, left 0: 0
            make_call(3, LF, 30, minute=9),  # b 60, excess 60: 0.10 + 0.60
        ]
        self.assertEqual(
            summary(rating.rate_calls(plan, calls, LINE_DDD)),
            [
                (1, 60, 60, 0, "0.00", rating.RATED),
                (2, 60, 60, 0, "0.00", rating.RATED),
                (3, 60, 0, 60, "0.70", rating.RATED),
            ],
        )

    def test_fee_on_a_split_call(self):
        # Franchise 100 s; one 90 s call at 60/60: b 120, covered 100,
        # excess 20 -> 0.10 + 20 * 0.60 / 60 = 0.10 + 0.20 = 0.30.
        plan = make_plan(
            [Rate("lf", None, dest.LOCAL_FIXED, "0.60", "0.10")],
            buckets=[Bucket("B", 100, {dest.LOCAL_FIXED})],
        )
        (result,) = rating.rate_calls(plan, [make_call(1, LF, 90)], LINE_DDD)
        self.assertEqual(summary([result]), [(1, 120, 100, 20, "0.30", rating.RATED)])

    def test_minimum_billable(self):
        # Minimum 5 s. 4 s: free, consumes nothing. 5 s: b 60 (60/60),
        # covered by the 60 s franchise. 6 s: b 60, excess 60 -> 0.60.
        plan = make_plan(
            [Rate("lf", None, dest.LOCAL_FIXED, "0.60")],
            buckets=[Bucket("B", 60, {dest.LOCAL_FIXED})],
            minimum=5,
        )
        calls = [
            make_call(1, LF, 4, minute=0),
            make_call(2, LF, 5, minute=1),
            make_call(3, LF, 6, minute=2),
        ]
        self.assertEqual(
            summary(rating.rate_calls(plan, calls, LINE_DDD)),
            [
                (1, 0, 0, 0, "0.00", rating.FREE),
                (2, 60, 60, 0, "0.00", rating.RATED),
                (3, 60, 0, 60, "0.60", rating.RATED),
            ],
        )


class TestFranchise(BaseCase):
    def test_split_in_chronological_order(self):
        # Franchise 100 s, 60/60 at 0.60/min. Given out of order on purpose.
        #   call 1 at +0:  50 s -> b 60,  covered 60, left 40, charge 0
        #   call 2 at +5:  90 s -> b 120, covered 40, left 0, excess 80
        #                  -> 80 * 0.60 / 60 = 0.80
        #   call 3 at +9:  10 s -> b 60, excess 60 -> 0.60
        plan = make_plan(
            [Rate("lf", None, dest.LOCAL_FIXED, "0.60")],
            buckets=[Bucket("B", 100, {dest.LOCAL_FIXED})],
        )
        calls = [
            make_call(3, LF, 10, minute=9),
            make_call(1, LF, 50, minute=0),
            make_call(2, LF, 90, minute=5),
        ]
        results = rating.rate_calls(plan, calls, LINE_DDD)
        self.assertEqual(
            summary(results),
            [
                (1, 60, 60, 0, "0.00", rating.RATED),
                (2, 120, 40, 80, "0.80", rating.RATED),
                (3, 60, 0, 60, "0.60", rating.RATED),
            ],
        )
        self.assertEqual([r.bucket_id for r in results], ["B", "B", "B"])

    def test_docs_example_split_with_fee(self):
        # docs/rating.md: bucket 100 s, 60/60 at 0.60/min, fee 0.10.
        #   50 s -> b 60, covered 60, left 40: 0.00
        #   90 s -> b 120, covered 40, excess 80: 0.10 + 80 * 0.01 = 0.90
        #   10 s -> b 60, excess 60: 0.10 + 0.60 = 0.70
        plan = make_plan(
            [Rate("lf", None, dest.LOCAL_FIXED, "0.60", "0.10")],
            buckets=[Bucket("B", 100, {dest.LOCAL_FIXED})],
            minimum=3,
        )
        calls = [
            make_call(1, LF, 50, minute=0),
            make_call(2, LF, 90, minute=5),
            make_call(3, LF, 10, minute=9),
        ]
        self.assertEqual(
            summary(rating.rate_calls(plan, calls, LINE_DDD)),
            [
                (1, 60, 60, 0, "0.00", rating.RATED),
                (2, 120, 40, 80, "0.90", rating.RATED),
                (3, 60, 0, 60, "0.70", rating.RATED),
            ],
        )

    def test_ties_broken_by_call_id(self):
        # Same connect time: id 1 goes first and takes the whole 60 s.
        plan = make_plan(
            [Rate("lf", None, dest.LOCAL_FIXED, "0.60")],
            buckets=[Bucket("B", 60, {dest.LOCAL_FIXED})],
        )
        calls = [make_call(2, LF, 60), make_call(1, LF, 60)]
        self.assertEqual(
            summary(rating.rate_calls(plan, calls, LINE_DDD)),
            [
                (1, 60, 60, 0, "0.00", rating.RATED),
                (2, 60, 0, 60, "0.60", rating.RATED),
            ],
        )

    def test_two_buckets_and_a_class_without_bucket(self):
        # fixed bucket (local+national fixed) 120 s; mobile bucket 60 s.
        plan = make_plan(
            [
                Rate("lf", None, dest.LOCAL_FIXED, "0.60", 0, 60, 60),
                Rate("nf", None, dest.NATIONAL_FIXED, "1.20", 0, 30, 6),
                Rate("lm", None, dest.LOCAL_MOBILE, "1.80", 0, 30, 6),
                Rate("nm", None, dest.NATIONAL_MOBILE, "2.40", 0, 30, 6),
                Rate("us", "1", None, "0.90", 0, 60, 1),
            ],
            buckets=[
                Bucket("fixed", 120, {dest.LOCAL_FIXED, dest.NATIONAL_FIXED}),
                Bucket("mobile", 60, {dest.LOCAL_MOBILE, dest.NATIONAL_MOBILE}),
            ],
        )
        calls = [
            # LF 100 s: b = 60 + ceil(40/60)*60 = 120; fixed 120 -> 0
            make_call(1, LF, 100, minute=0),
            # LM 50 s: b = 30 + ceil(20/6)*6 = 54; mobile 60 -> 6 left
            make_call(2, LM, 50, minute=10),
            # NF 40 s: b = 30 + ceil(10/6)*6 = 42; fixed empty
            #          -> 42 * 1.20 / 60 = 0.84
            make_call(3, NF, 40, minute=20),
            # NM 20 s: b = 30; mobile covers 6, excess 24
            #          -> 24 * 2.40 / 60 = 0.96
            make_call(4, NM, 20, minute=30),
            # US 45 s: no bucket for international; b = 60 (60/1)
            #          -> 60 * 0.90 / 60 = 0.90
            make_call(5, US, 45, minute=40),
        ]
        results = rating.rate_calls(plan, calls, LINE_DDD)
        self.assertEqual(
            summary(results),
            [
                (1, 120, 120, 0, "0.00", rating.RATED),
                (2, 54, 54, 0, "0.00", rating.RATED),
                (3, 42, 0, 42, "0.84", rating.RATED),
                (4, 30, 6, 24, "0.96", rating.RATED),
                (5, 60, 0, 60, "0.90", rating.RATED),
            ],
        )
        self.assertEqual(
            [(r.dest_class, r.bucket_id, r.rate_id) for r in results],
            [
                (dest.LOCAL_FIXED, "fixed", "lf"),
                (dest.LOCAL_MOBILE, "mobile", "lm"),
                (dest.NATIONAL_FIXED, "fixed", "nf"),
                (dest.NATIONAL_MOBILE, "mobile", "nm"),
                (dest.INTERNATIONAL, None, "us"),
            ],
        )

    def test_each_run_starts_with_full_buckets(self):
        plan = make_plan(
            [Rate("lf", None, dest.LOCAL_FIXED, "0.60")],
            buckets=[Bucket("B", 60, {dest.LOCAL_FIXED})],
        )
        for _ in range(2):
            (result,) = rating.rate_calls(plan, [make_call(1, LF, 60)], LINE_DDD)
            self.assertEqual(result.franchise_seconds, 60)


class TestFreeAndNoRate(BaseCase):
    def test_unanswered_and_busy(self):
        # None of the first three consumes the 60 s franchise: call 4 gets it.
        plan = make_plan(
            [Rate("lf", None, dest.LOCAL_FIXED, "0.60", "0.10")],
            buckets=[Bucket("B", 60, {dest.LOCAL_FIXED})],
        )
        calls = [
            make_call(1, LF, 0, minute=0, answered=False),  # no answer
            make_call(2, LF, 30, minute=1, answered=False),  # busy, billsec noise
            make_call(3, LF, 0, minute=2, answered=True),  # answered, 0 s
            make_call(4, LF, 60, minute=3),
            Call(5, "out", LF, None, 0, False),  # never connected
        ]
        self.assertEqual(
            summary(rating.rate_calls(plan, calls, LINE_DDD)),
            [
                (5, 0, 0, 0, "0.00", rating.FREE),  # no connect time: first
                (1, 0, 0, 0, "0.00", rating.FREE),
                (2, 0, 0, 0, "0.00", rating.FREE),
                (3, 0, 0, 0, "0.00", rating.FREE),
                (4, 60, 60, 0, "0.00", rating.RATED),
            ],
        )

    def test_no_rate_is_flagged_and_consumes_nothing(self):
        # Only local fixed is priced and there is no default: the national
        # call is no_rate (rate_id None) and leaves the 60 s for call 2.
        plan = make_plan(
            [Rate("lf", None, dest.LOCAL_FIXED, "0.60")],
            buckets=[Bucket("B", 60, {dest.LOCAL_FIXED, dest.NATIONAL_FIXED})],
        )
        calls = [make_call(1, NF, 30, minute=0), make_call(2, LF, 60, minute=1)]
        results = rating.rate_calls(plan, calls, LINE_DDD)
        self.assertEqual(
            summary(results),
            [
                (1, 30, 0, 0, "0.00", rating.NO_RATE),
                (2, 60, 60, 0, "0.00", rating.RATED),
            ],
        )
        self.assertIsNone(results[0].rate_id)
        self.assertEqual(results[0].dest_class, dest.NATIONAL_FIXED)

    def test_inbound(self):
        # No inbound rate: free, even with a default. With a class rate
        # 0.06/min 60/60: 120 s -> 120 * 0.06 / 60 = 0.12.
        call = make_call(1, "+5521987654321", 120, direction="in")
        free = make_plan([], default=Rate("def", None, None, "1.50"))
        (result,) = rating.rate_calls(free, [call], LINE_DDD)
        self.assertEqual(summary([result]), [(1, 0, 0, 0, "0.00", rating.FREE)])
        self.assertEqual(result.dest_class, dest.INBOUND)
        priced = make_plan([Rate("in", None, dest.INBOUND, "0.06")])
        (result,) = rating.rate_calls(priced, [call], LINE_DDD)
        self.assertEqual(summary([result]), [(1, 120, 0, 120, "0.12", rating.RATED)])

    def test_on_net_free_unless_priced(self):
        # A prefix rate for all of Brazil and a default exist; on-net ignores
        # both. With an on_net class rate 0.30/min: 60 s -> 0.30.
        call = make_call(1, ON_NET, 60)
        rates = [Rate("br", "55", None, "0.90")]
        default = Rate("def", None, None, "1.50")
        plan = make_plan(rates, default)
        (result,) = rating.rate_calls(
            plan, [call], LINE_DDD, on_net=frozenset({ON_NET})
        )
        self.assertEqual(
            (result.dest_class, result.status, result.charge),
            (dest.ON_NET, rating.FREE, Decimal("0.00")),
        )
        plan = make_plan([*rates, Rate("on", None, dest.ON_NET, "0.30")], default)
        (result,) = rating.rate_calls(
            plan, [call], LINE_DDD, on_net=frozenset({ON_NET})
        )
        self.assertEqual((result.rate_id, result.charge), ("on", Decimal("0.30")))

    def test_emergency_always_free(self):
        # Even with an emergency rate, a default and a bucket covering it.
        plan = make_plan(
            [Rate("em", None, dest.EMERGENCY, "9.00")],
            default=Rate("def", None, None, "1.50"),
            buckets=[Bucket("B", 600, {dest.EMERGENCY})],
        )
        calls = [
            make_call(i, code, 300, minute=i)
            for i, code in enumerate(("190", "192", "193"))
        ]
        self.assertEqual(
            summary(rating.rate_calls(plan, calls, LINE_DDD)),
            [(i, 0, 0, 0, "0.00", rating.FREE) for i in range(3)],
        )

    def test_unknown_direction_is_an_error(self):
        plan = make_plan([Rate("lf", None, dest.LOCAL_FIXED, "0.60")])
        with self.assertRaises(ValueError):
            rating.rate_calls(plan, [make_call(1, LF, 60, direction="x")], "11")


class TestLookup(BaseCase):
    def setUp(self):
        super().setUp()
        self.table = RateTable(
            [
                Rate("uk", "44", None, "0.30"),
                Rate("london", "4420", None, "0.20"),
                Rate("intl", None, dest.INTERNATIONAL, "0.90"),
                Rate("br_mobile", "55", dest.NATIONAL_MOBILE, "0.70"),
                Rate("nm", None, dest.NATIONAL_MOBILE, "0.80"),
            ],
            default=Rate("def", None, None, "1.50"),
        )

    def test_longest_prefix_beats_class_beats_default(self):
        cases = (
            ("442071234567", dest.INTERNATIONAL, "london"),  # 4420 > 44
            ("441612345678", dest.INTERNATIONAL, "uk"),  # only 44
            ("12025550123", dest.INTERNATIONAL, "intl"),  # no prefix: class
            ("5521987654321", dest.NATIONAL_MOBILE, "br_mobile"),  # 55 + class
            ("552134567890", dest.NATIONAL_FIXED, "def"),  # 55 is mobile-only
            ("", dest.UNKNOWN, "def"),
        )
        for digits, dest_class, expected in cases:
            with self.subTest(digits=digits):
                self.assertEqual(self.table.lookup(digits, dest_class).id, expected)
                # Cached answer is the same.
                self.assertEqual(self.table.lookup(digits, dest_class).id, expected)

    def test_no_default_gives_none(self):
        table = RateTable([Rate("uk", "44", None, "0.30")])
        self.assertIsNone(table.lookup("12025550123", dest.INTERNATIONAL))
        self.assertEqual(table.lookup("+4420".lstrip("+"), dest.INTERNATIONAL).id, "uk")

    def test_through_rate_calls(self):
        plan = Plan("P", 0, [], self.table)
        calls = [
            make_call(1, LONDON, 60, minute=0),  # 60 * 0.20 / 60 = 0.20
            make_call(2, MANCHESTER, 60, minute=1),  # 0.30
            make_call(3, US, 60, minute=2),  # class rate 0.90
            make_call(4, NF, 60, minute=3),  # default 1.50
        ]
        results = rating.rate_calls(plan, calls, LINE_DDD)
        self.assertEqual(
            [(r.rate_id, str(r.charge)) for r in results],
            [("london", "0.20"), ("uk", "0.30"), ("intl", "0.90"), ("def", "1.50")],
        )

    def test_table_rejects_ambiguity(self):
        with self.assertRaises(ValueError):
            RateTable([Rate("a", "44", None, "1"), Rate("b", "+44", None, "2")])
        with self.assertRaises(ValueError):
            RateTable(
                [Rate("a", None, "toll_free", "1"), Rate("b", None, "toll_free", "2")]
            )
        with self.assertRaises(ValueError):
            RateTable([Rate("a", None, None, "1")], default=Rate("b", None, None, "2"))
        with self.assertRaises(ValueError):
            Plan(
                "P",
                0,
                [Bucket("x", 60, {"local_fixed"}), Bucket("y", 60, {"local_fixed"})],
                RateTable([]),
            )

    def test_rate_validation(self):
        rate = Rate("a", "+55", None, "0.123456", "0.5")
        # Prefix without "+"; 0.123456 -> 123456 micro; 0.5 -> 500000 micro.
        self.assertEqual(
            (rate.prefix, rate.price_micro, rate.fee_micro), ("55", 123456, 500000)
        )
        self.assertEqual(
            Rate("f", None, None, 0.1).price_micro, 100000
        )  # float via str
        for bad in ("0.1234567", "-1", "abc", "NaN"):
            with self.subTest(price=bad), self.assertRaises(ValueError):
                Rate("a", None, None, bad)
        with self.assertRaises(ValueError):
            Rate("a", "44x", None, "1")
        with self.assertRaises(ValueError):
            Rate("a", None, "galactic", "1")
        with self.assertRaises(ValueError):
            Rate("a", None, None, "1", 0, 60, 0)  # increment 0


class TestRounding(BaseCase):
    # Rounded half-up per call, in exact integers.
    CASES = (
        # (price/min, fee, excess s, currency digits, expected charge)
        ("0.25", "0", 30, 2, "0.13"),  # 30 * 0.25 / 60 = 0.125 -> 0.13
        ("0.2498", "0", 30, 2, "0.12"),  # 30 * 0.2498 / 60 = 0.1249 -> 0.12
        ("0.27", "0", 30, 2, "0.14"),  # 0.135 -> 0.14 (half-up, not even)
        ("0.01", "0", 30, 2, "0.01"),  # 0.005 -> 0.01
        ("0.0099", "0", 30, 2, "0.00"),  # 0.00495 -> 0.00
        ("0.10", "0.005", 30, 2, "0.06"),  # 0.005 + 0.05 = 0.055 -> 0.06
        ("1", "0", 30, 0, "1"),  # 0.5 -> 1 (no minor unit)
        ("0.25", "0", 30, 3, "0.125"),  # exact at three digits
        ("0.333333", "0", 7, 2, "0.04"),  # 7 * 0.333333 / 60 = 0.03888885
    )

    def test_half_up(self):
        for price, fee, excess, digits, expected in self.CASES:
            with self.subTest(price=price, excess=excess, digits=digits):
                rate = Rate("r", None, None, price, fee)
                minor = rating.charge_minor(
                    excess, rate.price_micro, rate.fee_micro, digits
                )
                self.assertEqual(Decimal(minor).scaleb(-digits), Decimal(expected))

    def test_through_rate_calls_and_decimal_accessor(self):
        # 30/6 at 0.25/min: 30 s -> b 30 -> 0.125 -> 0.13 (13 cents).
        plan = make_plan([Rate("r", None, dest.LOCAL_FIXED, "0.25", 0, 30, 6)])
        (result,) = rating.rate_calls(plan, [make_call(1, LF, 30)], LINE_DDD)
        self.assertEqual(result.charge_minor, 13)
        self.assertEqual(result.charge, Decimal("0.13"))
        self.assertEqual(str(result.charge), "0.13")


class TestCycle(BaseCase):
    SP = "America/Sao_Paulo"  # UTC-3 (no DST since 2019)

    def test_bounds(self):
        cases = (
            # (moment UTC, due day, tz, start UTC, end UTC)
            # Local midnight of Mar 10 = 03:00 UTC: first instant of the cycle.
            (
                datetime(2026, 3, 10, 3, 0, 0),
                10,
                self.SP,
                datetime(2026, 3, 10, 3, 0),
                datetime(2026, 4, 10, 3, 0),
            ),
            # One second earlier is Mar 9 23:59:59 local: previous cycle.
            (
                datetime(2026, 3, 10, 2, 59, 59),
                10,
                self.SP,
                datetime(2026, 2, 10, 3, 0),
                datetime(2026, 3, 10, 3, 0),
            ),
            # Due day 25 in February: Feb 25 -> Mar 25.
            (
                datetime(2026, 2, 28, 12, 0),
                25,
                self.SP,
                datetime(2026, 2, 25, 3, 0),
                datetime(2026, 3, 25, 3, 0),
            ),
            # Feb 24 is still in the cycle that began Jan 25.
            (
                datetime(2026, 2, 25, 2, 59, 59),
                25,
                self.SP,
                datetime(2026, 1, 25, 3, 0),
                datetime(2026, 2, 25, 3, 0),
            ),
            # Across new year.
            (
                datetime(2026, 1, 5, 12, 0),
                10,
                self.SP,
                datetime(2025, 12, 10, 3, 0),
                datetime(2026, 1, 10, 3, 0),
            ),
            # UTC company, due day 1.
            (
                datetime(2026, 12, 31, 23, 59, 59),
                1,
                "UTC",
                datetime(2026, 12, 1),
                datetime(2027, 1, 1),
            ),
            # 2018: Brazilian DST began at local midnight Nov 4 (no 00:00);
            # the day begins 00:00-03 = 03:00 UTC; Dec 4 midnight is -02.
            (
                datetime(2018, 11, 20),
                4,
                self.SP,
                datetime(2018, 11, 4, 3, 0),
                datetime(2018, 12, 4, 2, 0),
            ),
        )
        for moment, due_day, tz_name, start, end in cases:
            with self.subTest(moment=moment, due_day=due_day):
                self.assertEqual(
                    rating.cycle_bounds(moment, due_day, tz_name), (start, end)
                )
                self.assertEqual(
                    rating.cycle_key(moment, due_day, tz_name),
                    rating.cycle_key(start, due_day, tz_name),
                )

    def test_key(self):
        self.assertEqual(
            rating.cycle_key(datetime(2026, 2, 28, 12, 0), 25, self.SP), "2026-02-25"
        )
        self.assertEqual(
            rating.cycle_key(datetime(2026, 2, 25, 2, 59, 59), 25, self.SP),
            "2026-01-25",
        )

    def test_due_day_range(self):
        for bad in (0, 26, 31):
            with self.subTest(due_day=bad), self.assertRaises(ValueError):
                rating.cycle_bounds(datetime(2026, 1, 1), bad, self.SP)

    def test_group_by_cycle(self):
        calls = [
            make_call(1, LF, 60),  # 2026-03-12 15:00 UTC: cycle Mar 10
            Call(2, "out", LF, datetime(2026, 3, 10, 2, 59), 60, True),  # Feb 10
            Call(3, "out", LF, datetime(2026, 3, 10, 3, 0), 60, True),  # Mar 10
            Call(4, "out", LF, None, 0, False),
        ]
        groups = rating.group_by_cycle(calls, 10, self.SP)
        self.assertEqual(
            {key: [c.id for c in group] for key, group in groups.items()},
            {"2026-03-10": [1, 3], "2026-02-10": [2], None: [4]},
        )
