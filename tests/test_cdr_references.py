# Copyright 2026 isp_telephony authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""isp_cdr has no foreign key checks (they cost 70 µs of each imported
call): its references are kept by delete triggers on the referenced tables,
and the importer's own guarantees. These tests hold both to their word, and
hold the triggers of the everyday deletes (a customer, a contract, a user)
to finding the calls by an index instead of reading the whole table."""

import io
import os
import re
from unittest.mock import patch

import psycopg2

from odoo import sql_db
from odoo.tools import mute_logger

from ..hooks import uninstall_hook
from ..models import isp_cdr_import_writer
from ..models.fields import (
    delete_guard_sql,
    guard_statements,
    install_delete_guards,
    unchecked_references,
)
from ..tools import cdr as cdr_core
from .cdr_common import CdrCase, master_row
from .test_cdr_import import IN_ROW, OUT_ROW

SEQ_SCAN = re.compile(r"Seq Scan on isp_cdr\b")

# The references whose delete guard reads the whole call table, on purpose:
# the rating and the month's close write these columns on every call, and
# an index on them would end the HOT updates that make the close fast (or,
# for the company, the deletion never happens with calls around). Their
# rows are rarely deleted: docs/architecture.md, "Calls and the tables they
# refer to", says how rarely and what each such delete costs.
SCANNED_ON_DELETE = {
    ("res_company", "company_id"),
    ("isp_telephony_plan", "billing_plan_id"),
    ("isp_telephony_rate", "rate_id"),
    ("isp_telephony_plan_bucket", "bucket_id"),
    ("res_currency", "currency_id"),
    ("isp_telephony_charge", "charge_id"),
}


class TestCdrReferences(CdrCase):
    def _guards(self):
        self.env.cr.execute(
            """SELECT c.relname FROM pg_trigger t
                 JOIN pg_class c ON c.oid = t.tgrelid
                WHERE t.tgname LIKE 'isp\\_cdr\\_ref\\_%%'"""
        )
        return {row[0] for row in self.env.cr.fetchall()}

    def _import(self, content, name="calls.csv"):
        self.write_file(name, content)
        run = self.pbx._import_cdrs()
        self.env.cr.postcommit.run()  # the commit: the file is archived
        return run

    def test_no_foreign_key_but_a_delete_guard_per_referenced_table(self):
        self.env.cr.execute(
            "SELECT conname FROM pg_constraint"
            " WHERE contype = 'f' AND conrelid = 'isp_cdr'::regclass"
        )
        self.assertEqual(self.env.cr.fetchall(), [])
        for table in (
            "isp_telephony_integration",
            "res_company",
            "isp_sip_line",
            "contract_contract",
            "res_partner",
            "isp_cdr_import",
            "isp_telephony_rate",
            "isp_telephony_plan_bucket",
            "isp_telephony_plan",
            "res_currency",
            "account_move",
            "account_move_line",
        ):
            self.assertIn(table, self._guards())
        # Who imported a call is its run's: no user column, so no trigger
        # on res_users (deleting a user never reads the call table).
        self.assertNotIn("res_users", self._guards())
        self.assertFalse({"create_uid", "write_uid"} & set(self.env["isp.cdr"]._fields))

    def _guard_plans(self):
        """``{(referenced table, column): plan}``: the plan of the statement
        each delete guard runs when one row of the referenced table is
        deleted, with sequential scans priced out (SET LOCAL, undone with
        the test's transaction): a plan that still reads isp_cdr in full
        has no index it can use."""
        cr = self.env.cr
        cr.execute("CREATE TEMP TABLE isp_deleted (id int) ON COMMIT DROP")
        cr.execute("INSERT INTO isp_deleted VALUES (1)")
        cr.execute("ANALYZE isp_deleted")
        cr.execute("SET LOCAL enable_seqscan = off")
        plans = {}
        refs = unchecked_references(self.env["isp.cdr"])
        for parent, columns in refs.items():
            for column, ondelete, statement in guard_statements(
                "isp_cdr", parent, columns
            ):
                if ondelete == "restrict":
                    statement = f"SELECT EXISTS ({statement})"
                cr.execute(f"EXPLAIN {statement}")
                plans[parent, column] = "\n".join(row[0] for row in cr.fetchall())
        return plans

    def test_deleting_a_customer_contract_or_user_reads_no_call(self):
        plans = self._guard_plans()
        for parent, column in (
            ("res_partner", "partner_id"),
            ("contract_contract", "contract_id"),
        ):
            plan = plans[parent, column]
            self.assertNotRegex(plan, SEQ_SCAN, plan)
            self.assertIn(f"isp_cdr__{column}_index", plan, plan)
        self.assertFalse([key for key in plans if key[0] == "res_users"])
        # The everyday deletes of the module's own records too: a line, an
        # import run, an invoice, an integration with no calls.
        scanned = {key for key, plan in plans.items() if "Seq Scan on isp_cdr" in plan}
        self.assertEqual(
            scanned,
            SCANNED_ON_DELETE,
            "a new reference of isp_cdr must be indexed for its delete guard, "
            "or be listed (with why) in docs/architecture.md and here",
        )

    def test_deleted_contract_leaves_its_calls_without_contract(self):
        """The guards behave as the foreign keys did: a contract (here one
        without lines, whose calls were kept) or a customer deleted leaves
        the calls, unlinked."""
        partner = self.env["res.partner"].create({"name": "Former customer"})
        contract = self.env["contract.contract"].create(
            {"name": "Former contract", "partner_id": partner.id}
        )
        call = self.env["isp.cdr"].create(
            {
                "integration_id": self.pbx.id,
                "company_id": self.company.id,
                "call_id": "former-1",
                "contract_id": contract.id,
                "partner_id": partner.id,
            }
        )
        contract.unlink()
        partner.unlink()
        self.env.invalidate_all()
        self.assertTrue(call.exists())
        self.assertFalse(call.contract_id)
        self.assertFalse(call.partner_id)

    def test_deleted_run_line_and_customer_leave_the_calls_unlinked(self):
        run = self._import(OUT_ROW + IN_ROW)
        calls = self.cdrs(run)
        self.assertEqual(len(calls), 2)
        outbound = calls.filtered(lambda c: c.direction == "out")
        self.assertEqual(outbound.line_id, self.line_a)
        # A customer whose calls are not on a contract (e.g. merged away).
        walk_in = self.env["res.partner"].create({"name": "Walk-in"})
        outbound.write({"partner_id": walk_in.id})
        walk_in.unlink()
        run.unlink()
        self.env.invalidate_all()
        self.assertEqual(len(calls.exists()), 2, "calls are never deleted with a run")
        self.assertFalse(calls.import_id)
        self.assertFalse(outbound.partner_id)
        self.assertEqual(outbound.line_id, self.line_a)

    def test_merged_customer_calls_follow_the_kept_customer(self):
        """Odoo's contact merge moves what refers to the merged partners by
        their foreign keys; the calls have none and follow all the same."""
        kept = self.env["res.partner"].create({"name": "Padaria (kept)"})
        merged = self.env["res.partner"].create({"name": "Padaria (duplicate)"})
        call = self.env["isp.cdr"].create(
            {
                "integration_id": self.pbx.id,
                "company_id": self.company.id,
                "call_id": "merged-1",
                "partner_id": merged.id,
            }
        )
        self.env["base.partner.merge.automatic.wizard"]._merge(
            (kept | merged).ids, kept
        )
        self.env.invalidate_all()
        self.assertFalse(merged.exists())
        self.assertEqual(call.partner_id, kept)

    def test_an_integration_with_calls_cannot_be_deleted(self):
        other = self.env["isp.telephony.integration"].create(
            {"name": "Old PBX", "gateway": "asterisk", "area_code": "31"}
        )
        self.env["isp.cdr"].create(
            {
                "integration_id": other.id,
                "company_id": self.company.id,
                "call_id": "old-1",
            }
        )
        with (
            mute_logger("odoo.sql_db"),
            self.assertRaises(psycopg2.errors.ForeignKeyViolation) as caught,
            self.env.cr.savepoint(),
        ):
            other.unlink()
            self.env.flush_all()
        # The same error Odoo turns into "another model requires the record".
        self.assertEqual(caught.exception.diag.table_name, "isp_cdr")
        self.assertEqual(
            caught.exception.diag.constraint_name, "isp_cdr_integration_id_fkey"
        )
        self.assertTrue(other.exists())

    def test_each_rule_of_a_guard_does_what_a_foreign_key_did(self):
        """set null, cascade and restrict, on one table referring three
        times to partners (isp_cdr itself has no cascade)."""
        cr = self.env.cr
        cr.execute(
            "CREATE TABLE isp_guard_probe (id serial PRIMARY KEY,"
            " kept int, owned int, needed int)"
        )
        cr.execute(
            delete_guard_sql(
                "isp_guard_probe",
                "res_partner",
                [("kept", "set null"), ("owned", "cascade"), ("needed", "restrict")],
            )
        )
        a, b, c = (self.env["res.partner"].create({"name": name}) for name in "abc")
        cr.execute(
            "INSERT INTO isp_guard_probe (kept, owned, needed)"
            " VALUES (%s, NULL, NULL), (NULL, %s, NULL), (NULL, NULL, %s)",
            (a.id, b.id, c.id),
        )
        (a | b).unlink()
        self.env.flush_all()
        cr.execute("SELECT kept, owned, needed FROM isp_guard_probe ORDER BY id")
        self.assertEqual(cr.fetchall(), [(None, None, None), (None, None, c.id)])
        with (
            mute_logger("odoo.sql_db"),
            self.assertRaises(psycopg2.errors.ForeignKeyViolation),
            self.env.cr.savepoint(),
        ):
            c.unlink()
            self.env.flush_all()
        self.assertTrue(c.exists())

    def test_uninstall_drops_the_guards_from_other_tables(self):
        self.assertIn("res_partner", self._guards())
        uninstall_hook(self.env)
        self.assertEqual(self._guards(), set())
        # A partner can still be deleted once the module's triggers are gone.
        self.env["res.partner"].create({"name": "Gone"}).unlink()
        install_delete_guards(self.env["isp.cdr"])
        self.assertIn("res_partner", self._guards())

    def test_repeated_rows_in_a_file_and_across_batches(self):
        third = master_row(
            "3135000002", "190", "2024-05-04 08:00:00", "2024-05-04 08:00:30", 30
        )
        run = self._import(OUT_ROW + OUT_ROW + IN_ROW)
        self.assertEqual((run.count_imported, run.count_duplicate), (2, 1))
        # Batches of one row: the second batch sees what the first wrote.
        with (
            patch.object(isp_cdr_import_writer, "FIRST_BATCH_ROWS", 1),
            patch.object(isp_cdr_import_writer, "BATCH_ROWS", 1),
        ):
            again = self._import(IN_ROW + third + third, name="more.csv")
        self.assertEqual(again.state, "done")
        self.assertEqual((again.count_imported, again.count_duplicate), (1, 2))
        self.assertEqual(len(self.cdrs()), 3)

    def test_calls_committed_meanwhile_by_another_import(self):
        """Another worker commits some of the same calls while this import
        runs (the same calls in two files): this run keeps nothing and says
        so; the file stays for the next run, which counts them duplicates."""
        layout = self.master_layout._get_layout(self.pbx)
        call_id = next(cdr_core.iter_file(io.BytesIO(OUT_ROW.encode()), layout)).call_id
        self.env["isp.cdr"].search([]).exists()  # this transaction's snapshot
        other = sql_db.db_connect(self.env.cr.dbname).cursor()
        try:
            other.execute(
                """INSERT INTO isp_cdr (integration_id, company_id, call_id)
                   VALUES (%s, %s, %s) RETURNING id""",
                (self.pbx.id, self.company.id, call_id),
            )
            other_id = other.fetchone()[0]
            other.commit()
            path = self.write_file("overlap.csv", OUT_ROW + IN_ROW)
            with mute_logger("odoo.addons.isp_telephony.models.isp_cdr_import"):
                run = self.pbx._import_cdrs()
            self.assertEqual(run.state, "failed")
            self.assertIn("Another import wrote some of these calls", run.message)
            self.assertFalse(self.cdrs(run))
            self.env.cr.postcommit.run()
            self.assertTrue(os.path.exists(path), "the file stays for the next run")
        finally:
            other.execute("DELETE FROM isp_cdr WHERE call_id = %s", (call_id,))
            other.commit()
            other.close()
        self.assertTrue(other_id)
