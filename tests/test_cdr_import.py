# Copyright 2026 isp_telephony authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""CDR files: import, time zones, duplicates, rejections, garbled files,
the lock, archive/delete after commit, upload, cron."""

import base64
import io
import os
from datetime import datetime, timedelta
from unittest.mock import patch

from odoo import fields

from ..models import isp_cdr_import_writer
from ..tools import cdr as cdr_core
from ..tools import locks
from .cdr_common import CdrCase, master_row
from .jobs_common import JobsMixin, trap_jobs

OUT_ROW = master_row(
    "3135000001",
    "31999998888",
    "2024-05-02 23:59:50",
    "2024-05-03 00:01:10",
    80,
    billsec=70,
    answer="2024-05-03 00:00:00",
    uniqueid="1714700000.1",
)
IN_ROW = master_row(
    "021987654321",
    "3135000050",
    "2024-05-02 10:00:00",
    "2024-05-02 10:00:20",
    20,
    status="NO ANSWER",
    context="from-trunk",
    uniqueid="1714700000.2",
)
BAD_ROW = master_row(
    "3135000001", "190", "yesterday at noon", "2024-05-02 10:00:20", 20
)


class TestCdrFileImport(JobsMixin, CdrCase):
    def test_import_counts_times_and_rejections(self):
        self.write_file("day1.csv", OUT_ROW + IN_ROW + BAD_ROW)
        runs = self.pbx._import_cdrs()
        self.assertEqual(len(runs), 1)
        run = runs
        self.assertEqual(run.state, "done", run.message)
        self.assertEqual(
            (run.count_read, run.count_imported, run.count_duplicate),
            (3, 2, 0),
        )
        self.assertEqual((run.count_rejected, run.count_unmatched), (1, 0))
        self.assertEqual(run.file_name, "day1.csv")
        self.assertEqual(len(run.checksum), 64)
        rejection = run.rejection_ids
        self.assertEqual(rejection.line_no, 3)
        self.assertIn("yesterday at noon", rejection.raw)
        self.assertIn("start time", rejection.reason)
        out = self.cdrs(run).filtered(lambda c: c.direction == "out")
        # Sao Paulo is UTC-3 (no DST since 2019): the call crosses midnight
        # locally and is stored in UTC.
        self.assertEqual(out.detect_time, datetime(2024, 5, 3, 2, 59, 50))
        self.assertEqual(out.connect_time, datetime(2024, 5, 3, 3, 0, 0))
        self.assertEqual(out.disconnect_time, datetime(2024, 5, 3, 3, 1, 10))
        self.assertEqual((out.duration, out.billsec), (80, 70))
        self.assertEqual(out.disposition, "answered")
        self.assertEqual(out.ani_e164, "+553135000001")
        self.assertEqual(out.dnis_e164, "+5531999998888")
        self.assertEqual(out.original_call_id, "1714700000.1")
        self.assertEqual(out.import_id, run)
        inbound = self.cdrs(run).filtered(lambda c: c.direction == "in")
        self.assertFalse(inbound.connect_time)
        self.assertEqual(inbound.disposition, "no_answer")
        self.assertEqual(inbound.ani_e164, "+5521987654321")

    def test_time_zone_of_the_source(self):
        """Each source's zone: Manaus (UTC-4) across midnight, Sao Paulo in
        2018 (DST, UTC-2), and UTC."""
        cases = [
            ("America/Manaus", "2024-05-02 21:30:00", datetime(2024, 5, 3, 1, 30)),
            ("America/Sao_Paulo", "2018-01-15 23:00:00", datetime(2018, 1, 16, 1, 0)),
            ("UTC", "2024-05-02 23:59:59", datetime(2024, 5, 2, 23, 59, 59)),
        ]
        for index, (zone, local, utc) in enumerate(cases):
            with self.subTest(zone=zone):
                self.pbx.timezone = zone
                start = datetime.strptime(local, "%Y-%m-%d %H:%M:%S")
                end = (start + timedelta(seconds=10)).strftime("%Y-%m-%d %H:%M:%S")
                self.write_file(
                    f"tz{index}.csv",
                    master_row("3135000001", "190", local, end, 10, uniqueid=zone),
                )
                run = self.pbx._import_cdrs()
                self.env.cr.postcommit.run()
                self.assertEqual(run.state, "done", run.message)
                self.assertEqual(self.cdrs(run).detect_time, utc)

    def test_layout_time_zone_wins_over_the_integration(self):
        layout = self.master_layout.copy(
            {"name": "Master.csv in Manaus", "timezone": "America/Manaus"}
        )
        self.pbx.cdr_layout_id = layout
        self.write_file("manaus.csv", OUT_ROW)
        run = self.pbx._import_cdrs()
        self.assertEqual(self.cdrs(run).detect_time, datetime(2024, 5, 3, 3, 59, 50))

    def test_same_file_twice_is_skipped_and_same_rows_are_duplicates(self):
        path = self.write_file("a.csv", OUT_ROW + IN_ROW)
        first = self.pbx._import_cdrs()
        self.env.cr.postcommit.run()  # the commit: the file is archived
        self.assertFalse(os.path.exists(path))
        self.write_file("a-again.csv", OUT_ROW + IN_ROW)
        second = self.pbx._import_cdrs()
        self.env.cr.postcommit.run()  # a skipped file is archived too
        self.assertEqual(second.state, "skipped")
        self.assertIn(str(first.id), second.message)
        self.assertEqual(second.count_imported, 0)
        # A grown file (new checksum): the known rows are duplicates.
        third_row = master_row(
            "3135000002", "190", "2024-05-04 08:00:00", "2024-05-04 08:00:30", 30
        )
        self.write_file("a-grown.csv", OUT_ROW + IN_ROW + third_row)
        third = self.pbx._import_cdrs()
        self.assertEqual(third.state, "done")
        self.assertEqual((third.count_imported, third.count_duplicate), (1, 2))
        self.assertEqual(len(self.cdrs()), 3)

    def test_call_ids_out_of_order_are_still_deduplicated(self):
        """Rows whose call ids sort after every stored one are written
        without a duplicate probe, the others are probed: both count
        duplicates exactly, within the file and against the table. A
        Master.csv row's id begins with its end time."""

        def rows(*seconds):
            return "".join(
                master_row(
                    "3135000001",
                    "31999998888",
                    "2024-05-02 10:00:00",
                    f"2024-05-02 10:01:{second:02d}",
                    60 + second,
                    billsec=50,
                    answer="2024-05-02 10:00:10",
                    uniqueid=f"1714654800.{second}",
                )
                for second in seconds
            )

        self.write_file("b1.csv", rows(5, 6, 7, 8, 9))
        first = self.pbx._import_cdrs()
        self.env.cr.postcommit.run()  # the commit: the file is archived
        self.assertEqual((first.count_imported, first.count_duplicate), (5, 0))
        self.assertTrue(self.cdrs()[:1].call_id.startswith("20240502100"))
        # Calls that ended earlier, some new and some stored: probed.
        self.write_file("b2.csv", rows(1, 2, 3, 4, 5, 6, 7))
        second = self.pbx._import_cdrs()
        self.env.cr.postcommit.run()
        self.assertEqual((second.count_imported, second.count_duplicate), (4, 3))
        # Every call after the stored ones, one repeated in the file.
        self.write_file("b3.csv", rows(10, 11, 10))
        third = self.pbx._import_cdrs()
        self.assertEqual((third.count_imported, third.count_duplicate), (2, 1))
        self.assertEqual(
            sorted(self.cdrs().mapped("original_call_id")),
            sorted(f"1714654800.{second}" for second in range(1, 12)),
        )

    def test_archive_or_delete_only_after_commit(self):
        path = self.write_file("arch.csv", OUT_ROW)
        self.pbx._import_cdrs()
        self.assertTrue(os.path.exists(path), "moved before the commit")
        self.env.cr.postcommit.run()
        self.assertFalse(os.path.exists(path))
        self.assertTrue(
            os.path.exists(os.path.join(self.directory, "imported", "arch.csv"))
        )
        self.pbx.cdr_delete_after_import = True
        path = self.write_file("del.csv", IN_ROW)
        self.pbx._import_cdrs()
        self.assertTrue(os.path.exists(path))
        self.env.cr.postcommit.run()
        self.assertFalse(os.path.exists(path))
        self.assertFalse(
            os.path.exists(os.path.join(self.directory, "imported", "del.csv"))
        )

    def test_rolled_back_import_leaves_the_file(self):
        path = self.write_file("rb.csv", OUT_ROW)
        self.pbx._import_cdrs()
        self.env.cr.postcommit.clear()  # what a rollback does
        self.assertTrue(os.path.exists(path))

    def test_truncated_file_fails_and_stays(self):
        path = self.write_file("cut.csv", OUT_ROW + IN_ROW + '"","3135000001","19')
        run = self.pbx._import_cdrs()
        self.assertEqual(run.state, "failed")
        self.assertIn("truncated", run.message)
        self.assertFalse(self.cdrs())
        self.assertFalse(run.rejection_ids)
        self.env.cr.postcommit.run()
        self.assertTrue(os.path.exists(path))

    def test_garbled_file_fails(self):
        path = self.write_file("noise.csv", b"\x00\x01binary\x00" * 50)
        run = self.pbx._import_cdrs()
        self.assertEqual(run.state, "failed")
        self.assertIn("binary", run.message)
        os.unlink(path)
        lines = "".join(f"this is not,a cdr,{i}\n" for i in range(30))
        self.write_file("prose.csv", lines)
        run = self.pbx._import_cdrs()
        self.assertEqual(run.state, "failed")
        self.assertIn("garbled", run.message)
        self.assertFalse(self.cdrs())

    def test_crash_mid_file_keeps_nothing_of_it(self):
        run = self.env["isp.cdr.import"].create(
            {"name": "crash", "integration_id": self.pbx.id, "source": "file"}
        )
        layout = self.master_layout._get_layout(self.pbx)

        def source():
            rows = (OUT_ROW + IN_ROW).encode()
            yield from cdr_core.iter_file(io.BytesIO(rows), layout)
            raise MemoryError("worker killed")

        # Batches of one row: the first batch is inserted before the crash.
        with (
            patch.object(isp_cdr_import_writer, "FIRST_BATCH_ROWS", 1),
            patch.object(isp_cdr_import_writer, "BATCH_ROWS", 1),
        ):
            run._execute(source())
        self.assertEqual(run.state, "failed")
        self.assertIn("MemoryError", run.message)
        self.assertEqual(run.count_imported, 0)
        self.assertFalse(self.cdrs())

    def test_lock_another_worker_holds_the_file(self):
        path = self.write_file("locked.csv", OUT_ROW)
        key = f"{self.pbx.id}:{os.path.realpath(path)}"
        with self.env.registry.cursor() as other:
            self.assertTrue(locks.try_lock(other, locks.CDR_FILE, key))
            runs = self.pbx._import_cdrs()
            self.assertFalse(runs)
            other.rollback()
        self.assertFalse(self.cdrs())
        runs = self.pbx._import_cdrs()
        self.assertEqual(runs.state, "done")

    def test_pattern_and_young_files(self):
        self.write_file("notes.txt", OUT_ROW)
        self.write_file("young.csv", IN_ROW, age=0)
        self.assertFalse(self.pbx._import_cdrs())

    def test_missing_directory_is_an_error(self):
        self.pbx.cdr_directory = os.path.join(self.directory, "nope")
        run = self.pbx._import_cdrs()
        self.assertEqual(run.state, "failed")
        self.assertIn("does not exist", run.message)

    def test_summit_csv_layout(self):
        header = (
            "call_id;direction;ani;dnis;detect_time;connect_time;disconnect_time;"
            "duration;billsec;status;cost;rate;route_name;account_code\n"
        )
        row = (
            "S-1;saida;3135000001;1133334444;2024-05-02 10:00:00;"
            "2024-05-02 10:00:05;2024-05-02 10:01:05;65;60;ATENDIDA;0,15;0,15;"
            "Sao Paulo fixo;\n"
        )
        self.pbx.cdr_layout_id = self.env.ref("isp_telephony.cdr_layout_summit_csv")
        self.write_file("summit.csv", header + row)
        run = self.pbx._import_cdrs()
        self.assertEqual(run.state, "done", run.message)
        cdr = self.cdrs(run)
        self.assertEqual(cdr.call_id, "S-1")
        self.assertAlmostEqual(cdr.platform_cost, 0.15)
        self.assertEqual(cdr.route_name, "Sao Paulo fixo")
        self.assertEqual(cdr.line_id, self.line_a)

    def test_upload_wizard(self):
        wizard = (
            self.env["isp.cdr.upload.wizard"]
            .with_user(self.manager)
            .create(
                {
                    "integration_id": self.pbx.id,
                    "file": base64.b64encode((OUT_ROW + BAD_ROW).encode()),
                    "file_name": "upload.csv",
                }
            )
        )
        self.assertEqual(wizard.layout_id, self.master_layout)
        action = wizard.action_import()
        run = self.env["isp.cdr.import"].browse(action["res_id"])
        self.assertEqual((run.source, run.state), ("upload", "done"))
        self.assertEqual((run.count_imported, run.count_rejected), (1, 1))
        again = self.env["isp.cdr.import"].browse(wizard.action_import()["res_id"])
        self.assertEqual(again.state, "skipped")

    def test_users_cannot_upload(self):
        with self.assertRaises(Exception):  # noqa: B017 - AccessError
            self.env["isp.cdr.upload.wizard"].with_user(self.user).create(
                {"integration_id": self.pbx.id, "file": base64.b64encode(b"x")}
            )

    def test_cron_follows_the_import_period(self):
        self.write_file("cron.csv", OUT_ROW)
        monthly = self.pbx.copy(
            {"name": "Monthly", "cdr_import_period": "monthly", "cdr_directory": ""}
        )
        later = fields.Datetime.now() + timedelta(days=3)
        self.env["isp.telephony.integration"].search(
            [("id", "not in", (self.pbx | monthly).ids)]
        ).write({"cdr_next_import": later})
        self.env["isp.telephony.integration"]._cron_import_cdrs(commit=False)
        self.assertFalse(self.cdrs())  # the cron only queues the file's job
        self.assertEqual(self.run_jobs(), 1)
        self.assertEqual(len(self.cdrs()), 1)
        now = fields.Datetime.now()
        self.assertAlmostEqual(
            self.pbx.cdr_next_import,
            now + timedelta(days=1),
            delta=timedelta(minutes=5),
        )
        self.assertGreater(monthly.cdr_next_import, now + timedelta(days=27))
        self.assertTrue(self.pbx.cdr_last_import)
        # Not due: nothing happens.
        self.write_file("cron2.csv", IN_ROW)
        self.env["isp.telephony.integration"]._cron_import_cdrs(commit=False)
        self.assertFalse(self.run_jobs())
        self.assertEqual(len(self.cdrs()), 1)

    def test_cron_queues_one_job_per_file_on_the_integration_channel(self):
        paths = [self.write_file("a.csv", OUT_ROW), self.write_file("b.csv", IN_ROW)]
        others = self.env["isp.telephony.integration"].search(
            [("id", "!=", self.pbx.id)]
        )
        others.write({"cdr_next_import": fields.Datetime.now() + timedelta(days=3)})
        channel = f"root.telephony_cdr_import.{self.pbx.gateway}_{self.pbx.id}"
        with trap_jobs() as trap:
            self.env["isp.telephony.integration"]._cron_import_cdrs(commit=False)
            trap.assert_jobs_count(2)
            for path in paths:
                trap.assert_enqueued_job(
                    self.pbx._job_import_cdr_file,
                    args=(path,),
                    properties={
                        "channel": channel,
                        "identity_key": (
                            f"isp.telephony.integration({self.pbx.id}).cdr_file:{path}"
                        ),
                    },
                )
            self.assertFalse(self.cdrs())
            trap.perform_enqueued_jobs()
        self.assertEqual(len(self.cdrs()), 2)
        runs = self.env["isp.cdr.import"].search([("integration_id", "=", self.pbx.id)])
        self.assertEqual(sorted(runs.mapped("state")), ["done", "done"])

    def test_a_file_is_queued_once_however_often_the_cron_looks(self):
        self.write_file("once.csv", OUT_ROW)
        self.pbx._enqueue_cdr_imports()
        self.pbx._enqueue_cdr_imports()
        self.assertEqual(len(self.created_jobs(["pending"])), 1)
        self.run_jobs()
        self.assertEqual(len(self.cdrs()), 1)

    def test_import_now_button(self):
        self.write_file("now.csv", OUT_ROW)
        action = self.pbx.with_user(self.manager).action_import_cdrs_now()
        self.assertEqual(action["res_model"], "isp.cdr.import")
        self.assertEqual(len(self.cdrs()), 1)
        self.assertEqual(self.pbx.cdr_import_count, 1)
