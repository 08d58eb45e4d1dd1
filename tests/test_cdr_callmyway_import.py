# Copyright 2026 isp_telephony authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""CDR import from the CallMyWay API (seed 001), against a loopback server:
recent=1 first, then date windows paged with ini/cant, at least 4 s between
requests, a watermark with overlap, 5xx answers."""

from datetime import datetime, timedelta

from odoo import fields

from ..tools import locks
from .cdr_common import CdrCase
from .loopback.callmyway_server import CallMyWayServer, sample_cdr
from .test_callmyway import FakeClock

PASSWORD = "cmw-s3cret"


class TestCallMyWayImport(CdrCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.cmw = cls.env["isp.telephony.integration"].create(
            {
                "name": "CallMyWay MX",
                "gateway": "callmyway",
                "api_user": "8000001",
                "api_password": PASSWORD,
                "api_use_tls": False,
                "timezone": "America/Mexico_City",
                "area_code": "31",
            }
        )
        cls.cmw_line = cls.make_line(
            cls.contract_a, "+553135000010", integration=cls.cmw
        )

    def serve(self, **kwargs):
        kwargs.setdefault("username", "8000001")
        kwargs.setdefault("password", PASSWORD)
        server = CallMyWayServer(**kwargs).start()
        self.addCleanup(server.stop)
        self.cmw.access_host = server.url
        return server

    def run_import(self, clock):
        return self.cmw._import_callmyway_cdrs(sleep=clock.sleep, clock=clock)

    def test_first_run_recent_then_paged_windows(self):
        recent = [
            sample_cdr(
                "r1",
                ani="3135000010",
                detect_time="2024-05-02 23:50:00",
                connect_time="2024-05-02 23:50:10",
                duration="30",
            ),
            sample_cdr(
                "r2",
                ani="3135000010",
                detect_time="2024-05-02 23:55:00",
                connect_time="1970-01-01 00:00:00",
                duration="15",
            ),
        ]
        window = [
            sample_cdr(f"w{i}", ani="3135000010", dnis=f"55113444{i:04d}")
            for i in range(230)
        ] + recent
        server = self.serve(recent_cdrs=recent, cdrs=window)
        clock = FakeClock()
        run = self.run_import(clock)
        self.assertEqual(run.state, "done", run.message)
        self.assertEqual(server.requests[0].params.get("recent"), "1")
        self.assertEqual((run.count_read, run.count_imported), (2, 2))
        self.assertEqual(run.count_unmatched, 0)
        cdrs = self.cdrs(run, self.cmw)
        answered = cdrs.filtered(lambda c: c.call_id == "r1")
        missed = cdrs.filtered(lambda c: c.call_id == "r2")
        # Mexico City is UTC-6 all year (no DST since 2022): across midnight.
        self.assertEqual(answered.detect_time, datetime(2024, 5, 3, 5, 50))
        self.assertEqual(answered.connect_time, datetime(2024, 5, 3, 5, 50, 10))
        self.assertEqual(answered.billsec, 30)
        self.assertEqual(answered.line_id, self.cmw_line)
        self.assertAlmostEqual(answered.platform_cost, 0.12)
        self.assertEqual(answered.route_name, "Brazil Sao Paulo")
        # connect_time 1970-01-01 00:00:00: not connected.
        self.assertFalse(missed.connect_time)
        self.assertEqual((missed.disposition, missed.billsec), ("no_answer", 0))
        watermark = self.cmw.cdr_api_watermark
        self.assertTrue(watermark)

        # Next run: a date window from the watermark minus the overlap,
        # paged with ini/cant until a short page.
        self.cmw.cdr_api_watermark = watermark - timedelta(hours=2)
        second = self.run_import(clock)
        self.assertEqual(second.state, "done", second.message)
        pages = server.requests[1:]
        self.assertEqual([r.params["ini"] for r in pages], ["0", "100", "200"])
        self.assertEqual({r.params["cant"] for r in pages}, {"100"})
        start = datetime.strptime(pages[0].params["dateStart"], "%Y-%m-%d %H:%M:%S")
        expected = (
            watermark - timedelta(hours=2) - timedelta(minutes=60) - timedelta(hours=6)
        )
        self.assertEqual(start, expected)  # local Mexico City time
        self.assertEqual(second.window_start, expected + timedelta(hours=6))
        # The overlap brought r1/r2 again: deduplicated.
        self.assertEqual(
            (second.count_read, second.count_imported, second.count_duplicate),
            (232, 230, 2),
        )
        # Never more than one request per 4 s for the account.
        self.assertGreaterEqual(sum(clock.sleeps), 4 * (len(server.requests) - 1))
        self.assertTrue(all(s >= 3.99 for s in clock.sleeps if s > 0))

        # The same window again adds nothing.
        self.cmw.cdr_api_watermark = watermark - timedelta(hours=2)
        third = self.run_import(clock)
        self.assertEqual((third.count_imported, third.count_duplicate), (0, 232))
        self.assertEqual(len(self.cdrs(integration=self.cmw)), 232)

    def test_5xx_fails_the_run_and_keeps_the_watermark(self):
        server = self.serve(cdrs=[sample_cdr("x1")], fail_times=10, fail_status=503)
        mark = fields.Datetime.now() - timedelta(hours=1)
        self.cmw.cdr_api_watermark = mark
        clock = FakeClock()
        run = self.run_import(clock)
        self.assertEqual(run.state, "failed")
        self.assertIn("503", run.message)
        self.assertNotIn(PASSWORD, run.message)
        self.assertEqual(self.cmw.cdr_api_watermark, mark)
        self.assertEqual(len(server.requests), 3)  # the client's retries
        server.fail_times = 0
        run = self.run_import(clock)
        self.assertEqual(run.state, "done")
        self.assertEqual(run.count_imported, 1)
        self.assertGreater(self.cmw.cdr_api_watermark, mark)

    def test_bad_record_is_rejected_not_lost(self):
        self.serve(
            recent_cdrs=[sample_cdr("ok"), sample_cdr("bad", detect_time="soon")]
        )
        run = self.run_import(FakeClock())
        self.assertEqual((run.count_imported, run.count_rejected), (1, 1))
        self.assertIn("detect_time", run.rejection_ids.reason)
        self.assertIn('"callid": "bad"', run.rejection_ids.raw)

    def test_lock_one_window_at_a_time(self):
        self.serve(recent_cdrs=[sample_cdr("l1")])
        with self.env.registry.cursor() as other:
            self.assertTrue(locks.try_lock(other, locks.CDR_API_WINDOW, self.cmw.id))
            self.assertFalse(self.run_import(FakeClock()))
            other.rollback()
        self.assertEqual(self.run_import(FakeClock()).count_imported, 1)
