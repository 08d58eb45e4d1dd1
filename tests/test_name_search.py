# Copyright 2026 isp_telephony authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Searching a record by name (every Many2one's drop-down, the search bar)
returns at once and finds what the record's name shows."""

import contextlib
import signal
import threading

from .provisioning_common import SummitLoopbackCase

# A name search on a few records answers in milliseconds; this bound only
# turns an endless search into a failure instead of a hung test run.
SEARCH_SECONDS = 10


class SearchTooSlow(Exception):
    pass


@contextlib.contextmanager
def time_limit(seconds):
    """Interrupt the block after ``seconds`` (main thread only: elsewhere
    the block runs unbounded, as signals reach the main thread alone)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def expire(signum, frame):
        raise SearchTooSlow(f"still searching after {seconds} s")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


class TestNameSearch(SummitLoopbackCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.line = cls.env["isp.sip.line"].create(
            {
                "contract_id": cls.contract.id,
                "integration_id": cls.integration.id,
                "caller_id_number_id": cls.env["isp.phone.number"]
                .search([("e164", "=", "+553135000001")])
                .id,
                "description": "Guarita do Galpão",
                "due_day": 10,
            }
        )

    def _isp_models(self):
        return sorted(
            name
            for name, model in self.env.registry.items()
            if name.startswith("isp.") and not model._abstract and not model._transient
        )

    def test_sip_line_name_search_returns(self):
        """The drop-down of every field pointing at a line (DID form, calls,
        jobs) searches lines by what their name shows."""
        Line = self.env["isp.sip.line"]
        with time_limit(SEARCH_SECONDS):
            by_digits = Line.name_search("1")
            by_number = Line.name_search("35000001")
            by_description = Line.name_search("guarita")
            nothing = Line.name_search("no such line")
        self.assertIn(self.line.id, [i for i, _name in by_digits])
        self.assertIn(self.line.id, [i for i, _n in by_number])
        self.assertEqual([i for i, _n in by_description], [self.line.id])
        self.assertEqual(nothing, [])

    def test_search_through_line_many2one(self):
        """Searching DIDs or jobs by their line (what the search bar does)."""
        did = self.env["isp.sip.line.did"].create(
            {
                "line_id": self.line.id,
                "number_id": self.number("+553135000002").id,
                "port": 1,
            }
        )
        self.line.action_activate()  # queues its provisioning job
        with time_limit(SEARCH_SECONDS):
            dids = self.env["isp.sip.line.did"].search(
                [("line_id", "ilike", "Guarita")]
            )
            jobs = self.env["queue.job"].search(
                [("telephony_sip_line_id", "ilike", "Guarita do Galpão")]
            )
        self.assertEqual(dids, did)
        self.assertTrue(jobs)
        self.assertEqual(
            jobs,
            self.env["queue.job"].search(
                [("telephony_sip_line_id", "=", self.line.id)]
            ),
        )

    def test_every_model_name_search_returns_and_filters(self):
        """No model searches its own computed name, and none matches every
        record whatever is typed (no searchable name at all)."""
        for name in self._isp_models():
            Model = self.env[name]
            with self.subTest(model=name):
                self.assertNotEqual(Model._rec_name, "display_name")
                with time_limit(SEARCH_SECONDS):
                    domain = Model._search_display_name("ilike", "zz-no-such-name")
                    Model.name_search("1", limit=5)
                    found = Model.search(domain, limit=1)
                self.assertNotEqual(domain, [(1, "=", 1)])
                self.assertFalse(found)

    def test_catalogs_found_by_code(self):
        """Catalog names show the platform code: typing the code finds them."""
        cases = [
            ("isp.summit.partition", "SP01"),
            ("isp.summit.category", "DEF"),
            ("isp.summit.plan", "RES100"),
            ("isp.summit.licence", "RES"),
        ]
        for model, code in cases:
            with self.subTest(model=model):
                ids = [i for i, _n in self.env[model].name_search(code)]
                self.assertIn(self.catalog(model, code).id, ids)
