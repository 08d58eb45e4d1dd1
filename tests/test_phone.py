# Copyright 2026 isp_telephony authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The phone number core: what people and platforms write, read as E.164."""

import random
from unittest import mock

from odoo.tests import BaseCase as TestCase

from ..tools import phone, phone_format

# (raw, default area code, expected kind, expected E.164)
BRAZIL = [
    # Local numbers take the default DDD.
    ("3456-7890", "11", phone.FIXED, "+551134567890"),
    ("34567890", "21", phone.FIXED, "+552134567890"),
    ("98765-4321", "11", phone.MOBILE, "+5511987654321"),
    # Old 8-digit mobiles get their ninth digit.
    ("8765-4321", "11", phone.MOBILE, "+5511987654321"),
    ("(11) 8765-4321", None, phone.MOBILE, "+5511987654321"),
    # Area code written by people, with all the usual separators.
    ("(11) 3456-7890", None, phone.FIXED, "+551134567890"),
    ("11 3456.7890", None, phone.FIXED, "+551134567890"),
    ("(11)98765-4321", None, phone.MOBILE, "+5511987654321"),
    # National trunk prefix 0 + DDD.
    ("011 3456 7890", None, phone.FIXED, "+551134567890"),
    ("0xx11 3456-7890", None, phone.FIXED, "+551134567890"),
    # 0 + carrier selection code (CSP) + DDD + number.
    ("0 21 11 3456-7890", None, phone.FIXED, "+551134567890"),
    ("0 15 21 98765-4321", None, phone.MOBILE, "+5521987654321"),
    ("01511987654321", "19", phone.MOBILE, "+5511987654321"),
    # With country code.
    ("+55 11 3456-7890", None, phone.FIXED, "+551134567890"),
    ("55 11 98765 4321", None, phone.MOBILE, "+5511987654321"),
    ("+55 (11) 3456-7890 ramal 22", None, phone.FIXED, "+551134567890"),
    ("sip:+551134567890@pbx.example.com", None, phone.FIXED, "+551134567890"),
    ("tel:+55-11-3456-7890", None, phone.FIXED, "+551134567890"),
    # Non-geographic numbers.
    ("0800 123 4567", "11", phone.TOLL_FREE, "+558001234567"),
    ("0800-7271234", None, phone.TOLL_FREE, "+558007271234"),
    ("0300 123 4567", None, phone.NON_GEOGRAPHIC, "+553001234567"),
    ("0500 123 4567", None, phone.NON_GEOGRAPHIC, "+555001234567"),
    ("0900 123 4567", None, phone.NON_GEOGRAPHIC, "+559001234567"),
    ("4004-0001", "11", phone.NON_GEOGRAPHIC, "+5540040001"),
    ("3003 1234", "11", phone.NON_GEOGRAPHIC, "+5530031234"),
    # International: + or 00 (+ CSP in Brazil).
    ("+1 212 555 1234", None, phone.INTERNATIONAL, "+12125551234"),
    ("00 1 212 555 1234", "11", phone.INTERNATIONAL, "+12125551234"),
    ("00 21 1 212 555 1234", "11", phone.INTERNATIONAL, "+12125551234"),
    ("0021 351 21 123 4567", None, phone.INTERNATIONAL, "+351211234567"),
    ("+44 20 7946 0958", None, phone.INTERNATIONAL, "+442079460958"),
]

SHORT_CODES = ["190", "192", "193", "100", "180", "199", "197", "10315"]

WITHHELD = [
    "",
    "   ",
    None,
    "anonymous",
    "Anonymous",
    "private",
    "restricted",
    "unknown",
]

INVALID = [
    ("abc", "no digits or not a number"),
    ("12", None),
    ("1234567", "11"),
    ("+99 1234", None),
    ("0000000000", None),
    ("9" * 30, None),
    ("+55 11 1234", None),
]


class TestPhoneParse(TestCase):
    def test_brazilian_table(self):
        for raw, area, kind, e164 in BRAZIL:
            with self.subTest(raw=raw, area=area):
                number = phone.parse(raw, "BR", area)
                self.assertEqual((number.kind, number.e164), (kind, e164))
                self.assertTrue(number.valid)

    def test_short_codes_have_no_e164(self):
        for raw in SHORT_CODES:
            with self.subTest(raw=raw):
                number = phone.parse(raw, "BR", "11")
                self.assertEqual(number.kind, phone.SHORT_CODE)
                self.assertIsNone(number.e164)
                self.assertEqual(number.digits, raw)

    def test_withheld(self):
        for raw in WITHHELD:
            with self.subTest(raw=raw):
                number = phone.parse(raw, "BR", "11")
                self.assertEqual(number.kind, phone.WITHHELD)
                self.assertFalse(number.valid)

    def test_invalid_input_never_raises(self):
        for raw, area in INVALID:
            with self.subTest(raw=raw):
                number = phone.parse(raw, "BR", area)
                self.assertEqual(number.kind, phone.INVALID)
                self.assertIsNone(number.e164)
                self.assertTrue(number.reason)

    def test_area_code_and_national_number(self):
        number = phone.parse("(19) 3232-1000")
        self.assertEqual(number.area_code, "19")
        self.assertEqual(number.national_number, "1932321000")
        self.assertEqual(number.e164_digits, "551932321000")
        self.assertEqual(number.country_code, 55)

    def test_other_default_country(self):
        number = phone.parse("020 7946 0958", "GB")
        self.assertEqual(number.e164, "+442079460958")
        self.assertEqual(number.kind, phone.FIXED)
        self.assertEqual(
            phone.parse("+55 11 3456-7890", "PT").kind, phone.INTERNATIONAL
        )

    def test_local_number_without_area_code_is_invalid(self):
        self.assertFalse(phone.parse("3456-7890", "BR", None).valid)


def _random_brazilian_inputs(seed, count):
    """Dialled strings of every shape a Brazilian CDR or person writes:
    all DDDs and some that are none, with and without trunk prefix, carrier
    code, country code, ninth digit; short codes and non-geographic ranges."""
    rnd = random.Random(seed)
    ddds = sorted(phone.BR_AREA_CODES) + ["10", "20", "30", "50", "80", "90", "23"]
    for _ in range(count):
        ddd = rnd.choice(ddds)
        sub = str(rnd.randint(0, 9)) + "".join(
            str(rnd.randint(0, 9)) for _ in range(rnd.choice((6, 7, 8, 9)))
        )
        raw = rnd.choice(
            (
                ddd + sub,
                "0" + ddd + sub,
                "0" + rnd.choice(("12", "21", "41", "30", "80")) + ddd + sub,
                "55" + ddd + sub,
                "+55" + ddd + sub,
                sub,
                sub[: rnd.choice((3, 4, 5))],
                "0" + rnd.choice(("800", "300", "500", "900")) + sub[:7],
                "+55"
                + rnd.choice(("800", "300", "500", "900", "3003", "4004"))
                + sub[: rnd.choice((4, 6, 7))],
            )
        )
        yield raw, rnd.choice(("11", "21", "", None, "10"))


class TestBrazilianFastPath(TestCase):
    """The one fast path for Brazilian numbers (CDR parsing, destination
    classes, the rater's area code) gives phonenumbers' answers."""

    def test_parse_agrees_with_phonenumbers(self):
        fast = 0
        for raw, area in _random_brazilian_inputs(11, 8000):
            with self.subTest(raw=raw, area=area):
                self.assertEqual(
                    phone.parse(raw, "BR", area),
                    phone.parse_with_phonenumbers(raw, "BR", area),
                )
            if phone._br_fast_number(raw, raw, area) is not None:
                fast += 1
        # Most clean input is decided without phonenumbers.
        self.assertGreater(fast, 2000)

    def test_fast_e164_agrees_with_phonenumbers(self):
        checked = 0
        for raw, area in _random_brazilian_inputs(12, 6000):
            found = phone.fast_e164(raw, area or None)
            if found is None:
                continue
            checked += 1
            number = phone.parse_with_phonenumbers(raw, "BR", area or None)
            expected = number.e164 or (
                number.digits if number.kind == phone.SHORT_CODE else ""
            )
            self.assertEqual(found, expected, (raw, area))
        self.assertGreater(checked, 1000)

    def test_kind_shortcut_agrees_with_metadata(self):
        # The prefix tables answer fixed/mobile by one lookup; phonenumbers'
        # metadata patterns must say the same for every DDD.
        for ddd in sorted(phone.BR_AREA_CODES):
            for nsn in (ddd + "34567890", ddd + "23456789", ddd + "987654321"):
                with self.subTest(nsn=nsn):
                    expected = phone.parse_with_phonenumbers("+55" + nsn).kind
                    self.assertEqual(phone.br_kind(nsn), expected)
        self.assertIsNone(phone.br_kind("1012345678"))  # DDD 10 does not exist
        self.assertIsNone(phone.br_kind("1187654321"))  # mobile without its 9
        self.assertEqual(phone.br_kind("8001234567"), phone.TOLL_FREE)
        self.assertEqual(phone.br_kind("40041234"), phone.NON_GEOGRAPHIC)

    def test_clean_brazilian_input_does_not_parse(self):
        with mock.patch.object(phone.phonenumbers, "parse", side_effect=AssertionError):
            self.assertEqual(phone.parse("31987654321").area_code, "31")
            self.assertEqual(
                phone.parse("0800 1234567".replace(" ", "")).kind, phone.TOLL_FREE
            )
            self.assertEqual(phone.parse("34567890", "BR", "11").e164, "+551134567890")
            self.assertEqual(phone.parse("193").kind, phone.SHORT_CODE)
            with self.assertRaises(AssertionError):
                phone.parse("(11) 3456-7890")

    def test_area_code_of_a_line(self):
        phone.area_code.cache_clear()
        with mock.patch.object(phone.phonenumbers, "parse", side_effect=AssertionError):
            self.assertEqual(phone.area_code("+553130001234"), "31")
            self.assertEqual(phone.area_code("+5521987654321"), "21")
            self.assertIsNone(phone.area_code("+558001234567"))
            self.assertIsNone(phone.area_code(""))
            self.assertIsNone(phone.area_code(None))
        # Anything else as phonenumbers reads it.
        for e164 in ("+442079460958", "+551187654321", "+12025550123"):
            with self.subTest(e164=e164):
                self.assertEqual(
                    phone.area_code(e164),
                    phone.parse_with_phonenumbers(e164).area_code,
                )
        self.assertEqual(phone.area_code("+442079460958", "GB"), "20")


class TestPhoneFormat(TestCase):
    def test_national_and_international_display(self):
        self.assertEqual(
            phone_format.format_national("+551134567890"), "(11) 3456-7890"
        )
        self.assertEqual(
            phone_format.format_national("+5511987654321"), "(11) 98765-4321"
        )
        self.assertEqual(
            phone_format.format_international("+551134567890"), "+55 11 3456-7890"
        )
        self.assertEqual(phone_format.format_national(""), "")

    def test_national_display_without_parsing_is_phonenumbers_own(self):
        """The fast path for Brazilian fixed and mobile numbers writes what
        phonenumbers writes, for every area code in use and at the edges
        (non-geographic 3003/4004, all-nines); other numbers go through
        phonenumbers."""
        import phonenumbers

        samples = []
        for area in range(11, 100):
            for subscriber in (
                "20000000",
                "30031234",
                "40041234",
                "59999999",
                "912345678",
                "999999999",
                "99999999",
                "12345678",
                "812345678",
            ):
                samples.append(f"+55{area}{subscriber}")
        samples += ["+5508001234567", "+558001234567", "+12025550123", "+55190"]
        for e164 in samples:
            try:
                number = phonenumbers.parse(e164, None)
            except phonenumbers.NumberParseException:
                expected = e164
            else:
                expected = phonenumbers.format_number(
                    number, phonenumbers.PhoneNumberFormat.NATIONAL
                )
            self.assertEqual(phone_format.format_national(e164), expected, e164)
        self.assertEqual(len(phone.BR_AREA_CODES), 67)

    def test_dial_string(self):
        cases = [
            # (raw, area, outside prefix, csp, expected)
            ("+551134567890", "11", "", "", "34567890"),
            ("+551134567890", "11", "0", "", "034567890"),
            ("+552134567890", "11", "", "21", "0212134567890"),
            ("+552134567890", "11", "", "", "02134567890"),
            ("+5511987654321", "11", "", "", "987654321"),
            ("+12125551234", "11", "", "", "0012125551234"),
            ("+12125551234", "11", "9", "21", "9002112125551234"),
            ("0800 123 4567", "11", "", "", "08001234567"),
            ("190", "11", "0", "", "0190"),
        ]
        for raw, area, prefix, csp, expected in cases:
            with self.subTest(raw=raw, prefix=prefix, csp=csp):
                self.assertEqual(
                    phone_format.dial_string(raw, "BR", area, prefix, csp), expected
                )
        with self.assertRaises(ValueError):
            phone_format.dial_string("abc", "BR", "11")
