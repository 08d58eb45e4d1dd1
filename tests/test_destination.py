# Copyright 2026 isp_telephony authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Destination classes of calls, from tools/destination.py (no database)."""

from unittest import mock

from odoo.tests import BaseCase

from ..tools import destination as dest
from ..tools import phone

LINE_DDD = "11"
COMPANY_LINES = frozenset({"+551132000000", "+551132000001"})

# (direction, dialled as stored by the CDR importer, expected class)
CASES = (
    ("out", "+551134567890", dest.LOCAL_FIXED),  # DDD 11 = line's DDD
    ("out", "+551156781234", dest.LOCAL_FIXED),
    ("out", "+552134567890", dest.NATIONAL_FIXED),  # DDD 21
    ("out", "+554833334444", dest.NATIONAL_FIXED),  # DDD 48
    ("out", "+5511987654321", dest.LOCAL_MOBILE),
    ("out", "+5521987654321", dest.NATIONAL_MOBILE),
    ("out", "+5585999998888", dest.NATIONAL_MOBILE),
    ("out", "+558001234567", dest.TOLL_FREE),  # 0800 123 4567
    ("out", "+55800123456", dest.TOLL_FREE),  # 0800 12 3456 (short form)
    ("out", "+553001234567", dest.NON_GEOGRAPHIC),  # 0300
    ("out", "+555001234567", dest.NON_GEOGRAPHIC),  # 0500
    ("out", "+559001234567", dest.NON_GEOGRAPHIC),  # 0900
    ("out", "+5540041234", dest.NON_GEOGRAPHIC),  # 4004-1234
    ("out", "+5530031234", dest.NON_GEOGRAPHIC),  # 3003-1234
    ("out", "+12025550123", dest.INTERNATIONAL),
    ("out", "+442071234567", dest.INTERNATIONAL),
    ("out", "+541143211234", dest.INTERNATIONAL),
    ("out", "190", dest.EMERGENCY),  # police
    ("out", "192", dest.EMERGENCY),  # ambulance (SAMU)
    ("out", "193", dest.EMERGENCY),  # fire brigade
    ("out", "199", dest.EMERGENCY),  # civil defence
    ("out", "100", dest.EMERGENCY),  # human rights
    ("out", "180", dest.EMERGENCY),  # women's helpline
    ("out", "+551132000000", dest.ON_NET),  # another line of the company
    ("out", "+551132000002", dest.LOCAL_FIXED),  # not a company line
    ("in", "+5521987654321", dest.INBOUND),
    ("in", "+551132000000", dest.INBOUND),  # on-net caller: still inbound
    ("in", "anonymous", dest.INBOUND),
    # Not a number: priced by prefix/default like A2Billing, never dropped.
    ("out", "+551187654321", dest.UNKNOWN),  # 8-digit mobile w/o ninth digit
    ("out", "1234", dest.UNKNOWN),
    ("out", "", dest.UNKNOWN),
    # National forms, should an importer store them unnormalised.
    ("out", "34567890", dest.LOCAL_FIXED),
    ("out", "021987654321", dest.NATIONAL_MOBILE),
    ("out", "08001234567", dest.TOLL_FREE),
)


def reference_class(dialled, line_ddd):
    """The class from phonenumbers alone: what the fast path must agree with."""
    number = phone.parse_with_phonenumbers(dialled, "BR", line_ddd)
    if number.kind == phone.SHORT_CODE:
        return dest.EMERGENCY
    if not number.valid:
        return dest.UNKNOWN
    local = number.area_code == line_ddd
    return {
        phone.FIXED: dest.LOCAL_FIXED if local else dest.NATIONAL_FIXED,
        phone.MOBILE: dest.LOCAL_MOBILE if local else dest.NATIONAL_MOBILE,
        phone.TOLL_FREE: dest.TOLL_FREE,
        phone.NON_GEOGRAPHIC: dest.NON_GEOGRAPHIC,
        phone.INTERNATIONAL: dest.INTERNATIONAL,
    }[number.kind]


class TestClassify(BaseCase):
    def setUp(self):
        super().setUp()
        dest.cache_clear()

    def test_classification_table(self):
        for direction, dialled, expected in CASES:
            with self.subTest(direction=direction, dialled=dialled):
                self.assertEqual(
                    dest.classify(
                        direction, dialled, LINE_DDD, "BR", on_net=COMPANY_LINES
                    ),
                    expected,
                )

    def test_same_number_depends_on_line_area_code(self):
        # The cache is shared between DDDs for E.164 input; the local/national
        # answer must still follow the line asking.
        number = "+552134567890"
        self.assertEqual(dest.classify("out", number, "11"), dest.NATIONAL_FIXED)
        self.assertEqual(dest.classify("out", number, "21"), dest.LOCAL_FIXED)
        self.assertEqual(dest.classify("out", number, None), dest.NATIONAL_FIXED)
        mobile = "+5521987654321"
        self.assertEqual(dest.classify("out", mobile, "21"), dest.LOCAL_MOBILE)
        self.assertEqual(dest.classify("out", mobile, "11"), dest.NATIONAL_MOBILE)

    def test_prefix_digits_and_e164(self):
        self.assertEqual(
            dest.destination("+442071234567", "11"),
            (dest.INTERNATIONAL, "+442071234567", "442071234567"),
        )
        self.assertEqual(dest.destination("190", "11"), (dest.EMERGENCY, None, ""))
        # Unknown range after a "+": its digits still reach the prefix table.
        self.assertEqual(
            dest.destination("+551187654321", "11"),
            (dest.UNKNOWN, None, "551187654321"),
        )
        self.assertEqual(
            dest.destination("08001234567", "11"),
            (dest.TOLL_FREE, "+558001234567", "558001234567"),
        )

    def test_unknown_direction_is_an_error(self):
        with self.assertRaises(ValueError):
            dest.classify("sideways", "+551134567890", "11")

    def test_cache_hits(self):
        dest.classify("out", "+551134567890", "11")
        before = dest.destination.cache_info().hits
        for _ in range(10):
            dest.classify("out", "+551134567890", "11")
        self.assertEqual(dest.destination.cache_info().hits, before + 10)

    def test_brazilian_e164_does_not_parse(self):
        # Brazilian E.164 numbers are answered by the fast path of
        # tools/phone.py without phonenumbers parsing them (its ~150 us per
        # number is what made cold-cache rating slow).
        with mock.patch.object(phone.phonenumbers, "parse", side_effect=AssertionError):
            self.assertEqual(
                dest.classify("out", "+5521987654321", "21"), dest.LOCAL_MOBILE
            )
            self.assertEqual(
                dest.classify("out", "+558001234567", "21"), dest.TOLL_FREE
            )
            self.assertEqual(
                dest.classify("out", "021987654321", "11"),
                dest.NATIONAL_MOBILE,
            )
            with self.assertRaises(AssertionError):
                dest.classify("out", "+12025550123", "21")

    def test_fast_path_agrees_with_phone_parse(self):
        # The Brazilian E.164 fast path reads phonenumbers' metadata patterns
        # instead of parsing; it must give phone.parse's answer on every
        # shape: all DDDs 10-99, fixed/mobile/old mobile/8-9-10 digit forms.
        checked = 0
        for ddd in range(10, 100):
            for subscriber in (
                "34567890",
                "23456789",
                "987654321",
                "887654321",
                "77654321",
                "67654321",
                "1234567",
                "12345678",
                "0345678",
            ):
                dialled = f"+55{ddd}{subscriber}"
                for line_ddd in ("11", str(ddd)):
                    with self.subTest(dialled=dialled, line=line_ddd):
                        self.assertEqual(
                            dest.classify("out", dialled, line_ddd),
                            reference_class(dialled, line_ddd),
                        )
                        checked += 1
        for dialled in (
            "+558001234567",
            "+55800123456",
            "+553001234567",
            "+553003123456",
            "+5530031234",
            "+5540041234",
            "+5540201234",
            "+555001234567",
            "+559001234567",
            "+55900123456",
            "+5540001234",
            "+55400012345",
            "+5599",
            "+55",
            "+55119876543210",
        ):
            with self.subTest(dialled=dialled):
                self.assertEqual(
                    dest.classify("out", dialled, "11"),
                    reference_class(dialled, "11"),
                )
                checked += 1
        self.assertEqual(checked, 90 * 9 * 2 + 15)
