# Copyright 2026 isp_telephony authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from contextlib import closing
from datetime import timedelta

import psycopg2
from freezegun import freeze_time

from odoo import SUPERUSER_ID, api, fields
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import TransactionCase
from odoo.tools import mute_logger

from ..models.isp_phone_number import take_numbers
from .common import TelephonyCase


class TestNumberRange(TelephonyCase):
    def test_range_creates_every_number_available(self):
        rng = self.make_range("35000000", "35000099")
        self.assertEqual(rng.size, 100)
        self.assertEqual(len(rng.number_ids), 100)
        self.assertEqual(rng.count_available, 100)
        first = self.number("+553135000000")
        self.assertEqual(first.name, "(31) 3500-0000")
        self.assertEqual(first.state, "available")
        self.assertEqual(first.company_id, self.company)
        self.assertTrue(self.number("+553135000099"))
        self.assertFalse(self.number("+553135000100"))

    def test_leading_zeros_are_kept(self):
        rng = self.make_range("00000010", "00000012", area="21")
        self.assertEqual(
            sorted(rng.number_ids.mapped("e164")),
            ["+552100000010", "+552100000011", "+552100000012"],
        )

    def test_nine_digit_numbers_display(self):
        self.make_range("912340000", "912340001", area="31")
        self.assertEqual(self.number("+5531912340001").name, "(31) 91234-0001")

    def test_validation_messages(self):
        cases = [
            ({"first_number": "3500A000"}, "digits only"),
            ({"area_code": "1a"}, "digits only"),
            (
                {"first_number": "3500000", "last_number": "35000010"},
                "same number of digits",
            ),
            (
                {"first_number": "35000010", "last_number": "35000000"},
                "must not be greater",
            ),
            ({"first_number": "30000000", "last_number": "39999999"}, "maximum is"),
            (
                {
                    "country_code": "55",
                    "area_code": "11",
                    "first_number": "1234567890123",
                    "last_number": "1234567890124",
                },
                "15 digits",
            ),
        ]
        for vals, message in cases:
            with (
                self.subTest(vals=vals),
                self.assertRaisesRegex(ValidationError, message),
            ):
                self._bad_range(vals)

    def _bad_range(self, vals):
        base = {
            "name": "Bad",
            "country_code": "55",
            "area_code": "11",
            "first_number": "35000000",
            "last_number": "35000009",
        }
        base.update(vals)
        with self.env.cr.savepoint():
            self.env["isp.number.range"].create(base)

    def test_overlap_is_refused_within_company(self):
        self.make_range("35000000", "35000099")
        with self.assertRaisesRegex(ValidationError, "overlaps range"):
            self.make_range("35000050", "35000150")
        # Another area code, or another length, is not an overlap.
        self.make_range("35000050", "35000150", area="21")
        self.make_range("350000500", "350000600", area="31")

    def test_grow_and_shrink(self):
        rng = self.make_range("35000000", "35000009")
        rng.last_number = "35000019"
        self.assertEqual(len(rng.number_ids), 20)
        self.assertEqual(rng.count_available, 20)
        rng.write({"first_number": "35000005", "last_number": "35000014"})
        self.assertEqual(
            sorted(rng.number_ids.mapped("sequence_number")),
            list(range(35000005, 35000015)),
        )
        self.assertFalse(self.number("+553135000000"))
        self.assertFalse(self.number("+553135000019"))

    def test_shrinking_over_used_numbers_is_refused_naming_them(self):
        rng = self.make_range("35000000", "35000009")
        take_numbers(self.number("+553135000009"))
        self.number("+553135000008").action_reserve()
        with self.assertRaisesRegex(UserError, r"\+553135000008, \+553135000009"):
            rng.last_number = "35000005"
        self.assertEqual(len(rng.number_ids), 10)

    def test_delete_refused_when_numbers_in_use(self):
        rng = self.make_range("35000000", "35000009")
        take_numbers(self.number("+553135000003"))
        with self.assertRaisesRegex(UserError, r"\+553135000003"):
            rng.unlink()
        self.number("+553135000003")._put_in_quarantine()
        rng.unlink()
        self.assertFalse(self.number("+553135000003"))

    def test_area_code_change_renames_available_numbers(self):
        rng = self.make_range("35000000", "35000001")
        rng.area_code = "12"
        self.assertEqual(
            sorted(rng.number_ids.mapped("e164")), ["+551235000000", "+551235000001"]
        )

    def test_counts_per_state(self):
        rng = self.make_range("35000000", "35000009")
        take_numbers(self.number("+553135000000"))
        self.number("+553135000001").action_reserve()
        self.number("+553135000002")._put_in_quarantine()
        rng.invalidate_recordset()
        self.assertEqual(
            (
                rng.count_available,
                rng.count_reserved,
                rng.count_in_use,
                rng.count_quarantine,
            ),
            (7, 1, 1, 1),
        )
        action = rng.action_view_in_use()
        self.assertEqual(action["domain"], [("range_id", "=", rng.id)])
        self.assertEqual(action["context"]["search_default_in_use"], 1)


class TestNumberStates(TelephonyCase):
    def test_reserve_only_available(self):
        self.make_range("35000000", "35000001")
        number = self.number("+553135000000")
        take_numbers(number)
        with self.assertRaisesRegex(UserError, "Only available numbers"):
            number.action_reserve()
        with self.assertRaisesRegex(UserError, "not free"):
            take_numbers(number)

    def test_quarantine_lasts_the_company_setting_then_releases(self):
        self.company.telephony_quarantine_days = 30
        self.make_range("35000000", "35000001")
        number = self.number("+553135000000")
        with freeze_time("2026-03-01"):
            number._put_in_quarantine()
            self.assertEqual(number.state, "quarantine")
            self.assertEqual(number.quarantine_until, fields.Date.to_date("2026-03-31"))
        with freeze_time("2026-03-30"):
            self.env["isp.phone.number"]._cron_release_quarantine()
            self.assertEqual(number.state, "quarantine")
        with freeze_time("2026-03-31"):
            released = self.env["isp.phone.number"]._cron_release_quarantine()
            self.assertEqual(released, 1)
            self.assertEqual(number.state, "available")
            self.assertFalse(number.quarantine_until)

    def test_zero_quarantine_makes_available_at_once(self):
        self.company.telephony_quarantine_days = 0
        self.make_range("35000000", "35000001")
        number = self.number("+553135000000")
        take_numbers(number)
        number._put_in_quarantine()
        self.assertEqual(number.state, "available")

    def test_default_quarantine_is_90_days(self):
        company = self.env["res.company"].create({"name": "New ISP"})
        self.assertEqual(company.telephony_quarantine_days, 90)
        self.make_range("35000000", "35000001")
        number = self.number("+553135000001")
        number._put_in_quarantine()
        self.assertEqual(
            number.quarantine_until,
            fields.Date.context_today(number)
            + timedelta(days=self.company.telephony_quarantine_days),
        )

    def test_search_by_any_format(self):
        self.make_range("35000000", "35000009")
        Number = self.env["isp.phone.number"]
        for text in ("(31) 3500-0007", "+55 31 3500 0007", "031 3500-0007", "35000007"):
            with self.subTest(text=text):
                found = Number.name_search(text)
                self.assertIn(self.number("+553135000007").id, [r[0] for r in found])

    def test_user_cannot_create_or_delete_numbers(self):
        self.make_range("35000000", "35000001")
        number = self.number("+553135000000").with_user(self.user)
        number.action_reserve()
        self.assertEqual(number.state, "reserved")
        with self.assertRaises(AccessError):
            number.unlink()


class TestNumberRangeConcurrency(TransactionCase):
    """Two overlapping ranges saved at the same moment need no lock: the
    numbers' unique key (company, E.164) makes the later one fail, and run
    again (as Odoo retries a request) it is refused as an overlap
    (docs/architecture.md, Locking)."""

    def test_overlapping_ranges_saved_at_once(self):
        def vals(first, last):
            return {
                "name": f"Concurrent {first}",
                "country_code": "55",
                "area_code": "98",
                "first_number": first,
                "last_number": last,
            }

        with (
            closing(self.registry.cursor()) as cr_a,
            closing(self.registry.cursor()) as cr_b,
        ):
            env_a = api.Environment(cr_a, SUPERUSER_ID, {})
            env_b = api.Environment(cr_b, SUPERUSER_ID, {})
            # B's transaction starts (its snapshot) before A saves its range.
            cr_b.execute("SELECT count(*) FROM isp_number_range")
            first = env_a["isp.number.range"].create(vals("47000000", "47000009"))
            cr_a.commit()  # pylint: disable=invalid-commit
            try:
                with (
                    mute_logger("odoo.sql_db"),
                    self.assertRaises(psycopg2.errors.SerializationFailure),
                ):
                    env_b["isp.number.range"].create(vals("47000005", "47000014"))
                cr_b.rollback()
                env_b.invalidate_all()
                with self.assertRaisesRegex(ValidationError, "overlaps range"):
                    env_b["isp.number.range"].create(vals("47000005", "47000014"))
                cr_b.rollback()
                self.assertEqual(
                    env_b["isp.phone.number"].search_count(
                        [("e164", "=like", "+559847%")]
                    ),
                    10,
                )
            finally:
                cr_b.rollback()
                env_a.invalidate_all()
                env_a["isp.number.range"].browse(first.id).unlink()
                cr_a.commit()  # pylint: disable=invalid-commit
