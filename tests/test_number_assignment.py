# Copyright 2026 isp_telephony authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from psycopg2 import IntegrityError

from odoo import Command
from odoo.exceptions import ValidationError
from odoo.tools import mute_logger

from .provisioning_common import SummitLoopbackCase


class TestNumberAssignment(SummitLoopbackCase):
    def assignment(self, number):
        self.env.flush_all()
        return self.env["isp.number.assignment"].search(
            [("number_id", "=", self.number(number).id)]
        )

    # Number states -----------------------------------------------------------
    def test_assigning_marks_in_use_and_changing_quarantines(self):
        line = self.make_line("+553135000040")
        self.assertEqual(self.number("+553135000040").state, "in_use")
        self.assertEqual(self.assignment("+553135000040").line_id, line)

        line.caller_id_number_id = self.number("+553135000041")
        self.assertEqual(self.number("+553135000040").state, "quarantine")
        self.assertEqual(self.number("+553135000041").state, "in_use")
        self.assertFalse(self.assignment("+553135000040"))

        line.write(
            {
                "did_ids": [
                    Command.create({"number_id": self.number("+553135000042").id})
                ]
            }
        )
        self.assertEqual(self.number("+553135000042").state, "in_use")
        self.assertEqual(self.assignment("+553135000042").did_id, line.did_ids)
        line.did_ids.number_id = self.number("+553135000043")
        self.assertEqual(self.number("+553135000042").state, "quarantine")
        self.assertEqual(self.number("+553135000043").state, "in_use")
        line.did_ids.unlink()
        self.assertEqual(self.number("+553135000043").state, "quarantine")
        self.assertFalse(self.assignment("+553135000043"))

        line.unlink()  # a draft line: deleting it releases its number
        self.assertEqual(self.number("+553135000041").state, "quarantine")
        self.assertFalse(self.assignment("+553135000041"))

    def test_reserved_number_can_be_assigned_quarantined_cannot(self):
        self.number("+553135000044").action_reserve()
        self.make_line("+553135000044")
        self.assertEqual(self.number("+553135000044").state, "in_use")
        self.number("+553135000045")._put_in_quarantine()
        with self.assertRaisesRegex(ValidationError, "not free"):
            self.make_line("+553135000045")

    def test_number_used_twice_is_refused(self):
        self.make_line("+553135000046")
        with self.assertRaisesRegex(ValidationError, "not free"):
            self.make_line("+553135000046")
        other = self.make_line("+553135000047")
        with self.assertRaisesRegex(ValidationError, "not free"):
            other.write(
                {
                    "did_ids": [
                        Command.create({"number_id": self.number("+553135000046").id})
                    ]
                }
            )

    # The database guarantee ------------------------------------------------
    def test_database_refuses_a_second_use_whatever_writes_it(self):
        """Even SQL that bypasses the ORM (and its number states) cannot give
        one number to two lines, or to a line and a DID."""
        line = self.make_line("+553135000050")
        other = self.make_line("+553135000051")
        self.env.flush_all()
        cr = self.env.cr
        taken = self.number("+553135000050").id
        with (
            self.assertRaises(IntegrityError),
            mute_logger("odoo.sql_db"),
            cr.savepoint(),
        ):
            cr.execute(
                "UPDATE isp_sip_line SET caller_id_number_id = %s WHERE id = %s",
                (taken, other.id),
            )
        with (
            self.assertRaises(IntegrityError),
            mute_logger("odoo.sql_db"),
            cr.savepoint(),
        ):
            cr.execute(
                """INSERT INTO isp_sip_line_did (line_id, number_id, priority)
                       VALUES (%s, %s, 1)""",
                (other.id, taken),
            )
        with (
            self.assertRaises(IntegrityError),
            mute_logger("odoo.sql_db"),
            cr.savepoint(),
        ):
            cr.execute(
                """INSERT INTO isp_sip_line_did (line_id, number_id, priority)
                       VALUES (%s, %s, 1), (%s, %s, 2)""",
                (line.id, self.number("+553135000052").id) * 2,
            )
        # A cancelled line no longer holds its number: the same SQL passes.
        line.action_cancel()
        cr.execute(
            """INSERT INTO isp_sip_line_did (line_id, number_id, priority)
               VALUES (%s, %s, 1)""",
            (other.id, taken),
        )
        self.assertEqual(self.assignment("+553135000050").line_id, other)

    def test_orm_gets_a_readable_message_from_the_database(self):
        self.make_line("+553135000053")
        second = self.make_line("+553135000054")
        self.env.flush_all()
        # Pretend the number is free (as a concurrent transaction would see
        # it): the unique key still refuses it.
        self.env.cr.execute(
            "UPDATE isp_phone_number SET state = 'available' WHERE e164 = %s",
            ("+553135000053",),
        )
        self.env["isp.phone.number"].invalidate_model(["state"])
        with (
            self.assertRaises(IntegrityError) as caught,
            mute_logger("odoo.sql_db"),
            self.env.cr.savepoint(),
        ):
            second.caller_id_number_id = self.number("+553135000053")
            self.env.flush_all()
        self.assertEqual(
            caught.exception.diag.constraint_name, "isp_number_assignment_number_uniq"
        )
        self.assertIn(
            "isp_number_assignment_number_uniq", self.env.registry._sql_constraints
        )

    def test_cancel_quarantines_caller_id_and_dids(self):
        line = self.make_line(
            "+553135000060",
            did_ids=[Command.create({"number_id": self.number("+553135000061").id})],
        )
        line.action_cancel()
        numbers = self.number("+553135000060") | self.number("+553135000061")
        self.assertEqual(set(numbers.mapped("state")), {"quarantine"})
        self.assertFalse(self.assignment("+553135000060"))
        self.assertFalse(self.assignment("+553135000061"))
