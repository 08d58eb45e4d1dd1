# Copyright 2026 isp_telephony authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Issue 11 point 5: numbers that are not numbers (a caller ID chosen to be a
spreadsheet formula) are rejected at CDR import with the reason, and dropped
from live call events; they never reach an XLSX export as a formula."""

import io

from odoo.tests import BaseCase

from ..tools import callmyway_cdr, cdr, safe_text
from .call_common import CallSetupMixin
from .cdr_common import CdrCase, master_row
from .test_cdr_parser import ast_line

FORMULA = '=HYPERLINK("http://evil.example/x","Ligar")'


class TestSafeNumbersCore(BaseCase):
    def test_number_problem(self):
        for text in (
            "",
            "1130001234",
            "+55 (11) 3333-4444",
            "0 21 98765-4321",
            "*99#",
            "anonymous",
            "sip:1001@pbx.local",
            "PJSIP/1001",
        ):
            with self.subTest(text=text):
                self.assertEqual(safe_text.number_problem(text), "")
        for text in (
            FORMULA,
            "+HYPERLINK(1)",
            "-cmd|' /C calc'!A0",
            "@SUM(1+1)",
            "11 3333\t4444",
            '"1130001234"',
            "1-" * 40,
        ):
            with self.subTest(text=text):
                problem = safe_text.number_problem(text)
                self.assertTrue(problem)
                self.assertNotIn("HYPERLINK", problem)

    def test_neutralise_number(self):
        self.assertEqual(safe_text.neutralise_number("1130001234"), "1130001234")
        self.assertEqual(
            safe_text.neutralise_number("+55 11 3333-4444"), "+55 11 3333-4444"
        )
        cleaned = safe_text.neutralise_number(FORMULA)
        self.assertFalse(cleaned[:1] in safe_text.FORMULA_START)
        self.assertNotIn('"', cleaned)
        self.assertEqual(safe_text.neutralise_number("=+-@SUM(1)"), "SUM(1)")

    def test_file_rows_with_formula_numbers_are_rejected(self):
        lines = [
            ast_line(src=FORMULA, uniqueid="1.1"),
            ast_line(dst="+cmd(1)", uniqueid="1.2"),
            ast_line(accountcode="=1+2", uniqueid="1.3"),
            ast_line(uniqueid="1.4"),
        ]
        data = ("\n".join(lines) + "\n").encode()
        items = list(cdr.iter_file(io.BytesIO(data), "asterisk_master_csv"))
        rejected = [i for i in items if isinstance(i, cdr.Rejection)]
        self.assertEqual(
            [r.reason for r in rejected],
            [
                (
                    "caller number (ANI) holds characters that are not part of a "
                    "phone number"
                ),
                "called number (DNIS) looks like a spreadsheet formula",
                "account code looks like a spreadsheet formula",
            ],
        )
        records = [i for i in items if isinstance(i, cdr.CdrRecord)]
        self.assertEqual([r.original_call_id for r in records], ["1.4"])

    def test_api_items_with_formula_numbers_are_rejected(self):
        item = {
            "callid": "cmw-f",
            "ani": FORMULA,
            "dnis": "21987654321",
            "detect_time": "2024-01-15 10:00:00",
            "connect_time": "2024-01-15 10:00:10",
            "duration": "90",
            "type": "in",
        }
        result = callmyway_cdr.from_callmyway(item, "America/Sao_Paulo", "BR", "11")
        self.assertIsInstance(result, cdr.Rejection)
        self.assertIn("caller number (ANI)", result.reason)


class TestSafeNumbersImport(CallSetupMixin, CdrCase):
    def test_import_records_the_rejection_and_export_has_no_formula(self):
        row = master_row(
            "=HYPERLINK(0)",
            "3135000001",
            "2024-05-02 10:00:00",
            "2024-05-02 10:00:20",
            20,
            context="from-trunk",
            uniqueid="f.1",
        )
        self.write_file("formula.csv", row)
        run = self.pbx._import_cdrs()
        self.assertEqual((run.count_read, run.count_rejected), (1, 1), run.message)
        self.assertIn("caller number (ANI)", run.rejection_ids.reason)
        self.assertFalse(self.cdrs())
        exported = self.env["isp.cdr"].search([]).export_data(["ani", "dnis"])
        self.assertFalse(
            [v for row in exported["datas"] for v in row if str(v)[:1] == "="]
        )

    def test_call_event_number_is_neutralised(self):
        self.setup_calls(self.env)
        log = (
            self.env["isp.call.log"]
            .sudo()
            ._handle_call_event(
                self.calls_integration, self.event(call_id="f-1", caller=FORMULA)
            )
        )
        for value in (log.caller_number, log.number):
            self.assertFalse(value[:1] in safe_text.FORMULA_START, value)
            self.assertNotIn('"', value)
        data = log.export_data(["caller_number", "number"])["datas"][0]
        self.assertFalse([v for v in data if str(v)[:1] == "="])
