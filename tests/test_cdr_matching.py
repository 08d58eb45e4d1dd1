# Copyright 2026 isp_telephony authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Matching calls to SIP lines: outbound on the caller ID, inbound on the
DNIS (caller ID or DID), an account code or terminal first; unmatched calls
kept and re-matched; searching numbers in any format; smart buttons."""

from contextlib import closing

from odoo import sql_db
from odoo.exceptions import UserError

from odoo.addons.queue_job.exception import RetryableJobError

from ..tools import locks
from .cdr_common import CdrCase, master_row


def row(src, dst, context="from-internal", uid="u", **values):
    return master_row(
        src,
        dst,
        "2024-05-02 10:00:00",
        "2024-05-02 10:01:00",
        60,
        billsec=50,
        answer="2024-05-02 10:00:10",
        context=context,
        uniqueid=uid,
        **values,
    )


class TestCdrMatching(CdrCase):
    def import_rows(self, *rows):
        self.write_file(f"m{len(self.cdrs())}.csv", "".join(rows))
        run = self.pbx._import_cdrs()
        self.env.cr.postcommit.run()
        self.assertEqual(run.state, "done", run.message)
        return run

    def by_uid(self, uid):
        return self.cdrs().filtered(lambda c: c.original_call_id == uid)

    def test_outbound_inbound_account_code_terminal(self):
        run = self.import_rows(
            row("3135000001", "1133334444", uid="out"),
            row("021987654321", "3135000050", "from-trunk", uid="in-did"),
            row("021987654321", "03135000002", "from-trunk", uid="in-main"),
            # The caller ID says line A, the account code says line B.
            row("3135000001", "190", accountcode="123456", uid="acct"),
            row("3199990000", "190", channel="SIP/peer7-0000002a", uid="term"),
            row("3135000099", "190", uid="nobody"),
        )
        self.assertEqual((run.count_imported, run.count_unmatched), (6, 1))
        self.assertEqual(self.by_uid("out").line_id, self.line_a)
        self.assertEqual(self.by_uid("out").contract_id, self.contract_a)
        self.assertEqual(self.by_uid("out").partner_id, self.partner_a)
        self.assertEqual(self.by_uid("in-did").line_id, self.line_b)
        self.assertEqual(self.by_uid("in-did").partner_id, self.partner_b)
        self.assertEqual(self.by_uid("in-main").line_id, self.line_b)
        self.assertEqual(self.by_uid("acct").line_id, self.line_b)
        self.assertEqual(self.by_uid("term").line_id, self.line_c)
        nobody = self.by_uid("nobody")
        self.assertFalse(nobody.line_id)
        unmatched = self.env["isp.cdr"].search(
            [("integration_id", "=", self.pbx.id), ("matched", "=", False)]
        )
        self.assertEqual(unmatched, nobody)

    def test_lines_of_another_integration_do_not_match(self):
        other = self.pbx.copy({"name": "Other PBX", "cdr_directory": False})
        self.write_file("other.csv", row("3135000001", "190", uid="x"))
        other.cdr_directory = self.directory
        run = other._import_cdrs()
        self.assertEqual(run.count_unmatched, 1)

    def test_active_line_wins_over_a_cancelled_one(self):
        """Two lines with one key (an account code moved to a new line):
        the active line wins."""
        old = self.make_line(self.contract_a, "+553135000005", account_code="654321")
        old.write({"state": "cancelled"})
        newer = self.make_line(self.contract_b, "+553135000006", account_code="654321")
        self.import_rows(row("3199990000", "190", accountcode="654321", uid="moved"))
        self.assertEqual(self.by_uid("moved").line_id, newer)

    def test_rematch_after_line_activation(self):
        self.import_rows(
            row("3135000020", "190", uid="later"),
            row("3135000021", "190", uid="other"),
        )
        self.assertFalse(self.by_uid("later").line_id)
        line = self.make_line(self.contract_a, "+553135000020")
        count = self.env["isp.cdr"]._rematch_lines(line)
        self.assertEqual(count, 1)
        self.assertEqual(self.by_uid("later").line_id, line)
        self.assertEqual(self.by_uid("later").contract_id, self.contract_a)
        self.assertFalse(self.by_uid("other").line_id)
        # Only the given lines' numbers are looked at.
        line21 = self.make_line(self.contract_b, "+553135000021")
        self.assertEqual(self.env["isp.cdr"]._rematch_lines(line), 0)
        self.assertFalse(self.by_uid("other").line_id)
        # The button re-matches everything still unmatched.
        action = self.env["isp.cdr"].with_user(self.user).action_rematch()
        self.assertEqual(action["params"]["type"], "success")
        self.assertEqual(self.by_uid("other").line_id, line21)

    def test_a_rematch_never_runs_beside_an_import_of_its_platform(self):
        """An import holds its platform's match lock shared while it writes;
        a re-match takes it exclusively: beside a running import (whose
        line map may be older than the line just activated) the button is
        refused in plain words and a queue job tries again later without
        counting an attempt; once the import is over, the re-match runs."""
        self.import_rows(row("3135000040", "190", uid="busy"))
        line = self.make_line(self.contract_a, "+553135000040")
        Cdr = self.env["isp.cdr"]
        with closing(sql_db.db_connect(self.cr.dbname).cursor()) as other:
            # This transaction's import holds the lock: no other re-match.
            self.assertFalse(locks.try_lock(other, locks.CDR_MATCH, self.pbx.id))
            other.rollback()
            self.assertTrue(
                locks.try_lock(other, locks.CDR_MATCH, self.pbx.id, shared=True)
            )
            with self.assertRaisesRegex(UserError, "right now"):
                Cdr._rematch_lines(line)
            with self.assertRaises(RetryableJobError) as busy:
                Cdr.with_context(job_uuid="a-job")._rematch_lines(line)
            self.assertTrue(busy.exception.ignore_retry)
            with self.assertRaisesRegex(UserError, "right now"):
                Cdr.with_user(self.user).action_rematch()
            self.assertFalse(self.by_uid("busy").line_id)
            other.rollback()
        self.assertEqual(Cdr._rematch_lines(line), 1)
        self.assertEqual(self.by_uid("busy").line_id, line)

    def test_rematch_button_of_the_integration(self):
        self.import_rows(row("3135000030", "190", uid="i"))
        self.make_line(self.contract_a, "+553135000030")
        self.pbx.with_user(self.manager).action_rematch_cdrs()
        self.assertTrue(self.by_uid("i").line_id)

    def test_number_search_any_format(self):
        self.import_rows(
            row("3135000001", "1133334444", uid="s1"),
            row("3135000002", "21987654321", uid="s2"),
        )
        Cdr = self.env["isp.cdr"].with_user(self.user)
        mine = [("integration_id", "=", self.pbx.id)]
        for text in (
            "(11) 3333-4444",
            "+55 11 3333 4444",
            "011 3333-4444",
            "33334444",
            "1133334444",
        ):
            with self.subTest(text=text):
                found = Cdr.search(mine + [("number_search", "ilike", text)])
                self.assertEqual(found.mapped("original_call_id"), ["s1"])
        found = Cdr.search(mine + [("number_search", "ilike", "(21) 98765-4321")])
        self.assertEqual(found.mapped("original_call_id"), ["s2"])
        self.assertFalse(Cdr.search([("number_search", "ilike", "4199998888")]))

    def test_smart_buttons(self):
        self.import_rows(
            row("3135000001", "190", uid="a1"),
            row("3135000001", "192", uid="a2"),
            row("3135000002", "190", uid="b1"),
        )
        self.assertEqual(self.contract_a.with_user(self.user).telephony_cdr_count, 2)
        action = self.contract_a.action_view_telephony_cdrs()
        self.assertEqual(
            self.env["isp.cdr"].search(action["domain"]),
            self.cdrs() - self.by_uid("b1"),
        )
        self.assertEqual(self.line_b.cdr_count, 1)
        action = self.line_b.action_view_cdrs()
        self.assertEqual(
            self.env["isp.cdr"].search(action["domain"]), self.by_uid("b1")
        )

    def test_multi_company_isolation(self):
        self.import_rows(row("3135000001", "190", uid="mc"))
        other_company = self.env["res.company"].create({"name": "Other ISP"})
        outsider = self.env["res.users"].create(
            {
                "name": "Outsider",
                "login": "cdr_outsider",
                "company_id": other_company.id,
                "company_ids": [(6, 0, other_company.ids)],
                "groups_id": [
                    (6, 0, [self.env.ref("isp_telephony.group_telephony_manager").id])
                ],
            }
        )
        self.assertFalse(self.env["isp.cdr"].with_user(outsider).search([]))
        self.assertFalse(self.env["isp.cdr.import"].with_user(outsider).search([]))
