# Copyright 2026 isp_telephony authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import hashlib
import threading

from odoo.tests import BaseCase

from ..gateways import sandbox
from ..gateways.base import (
    DidSpec,
    GatewayConfig,
    GatewayError,
    LineSpec,
    RejectedError,
    TransientError,
    gateway_class,
)

STORE = "test_gateway_sandbox"


def make(fail="", store=STORE):
    return sandbox.SandboxGateway(
        GatewayConfig(extra={"store_key": store, "fail": fail})
    )


def spec(key="line-1", **values):
    return LineSpec(key=key, caller_id="+551134567890", **values)


class TestSandbox(BaseCase):
    def setUp(self):
        super().setUp()
        sandbox.reset_store(STORE)
        sandbox.reset_store(STORE + "-other")
        self.addCleanup(sandbox.reset_store, STORE)
        self.addCleanup(sandbox.reset_store, STORE + "-other")
        self.gateway = make()

    def test_registered_under_sandbox(self):
        self.assertIs(gateway_class("sandbox"), sandbox.SandboxGateway)

    def test_terminal_and_credential_derive_from_key(self):
        result = self.gateway.activate_line(spec("abc"))
        expected = "SBX-" + hashlib.sha1(b"abc").hexdigest()[:8].upper()
        self.assertEqual(result.terminal, expected)
        self.assertEqual(len(result.credential), 12)
        other = self.gateway.activate_line(spec("abd"))
        self.assertNotEqual(other.terminal, result.terminal)
        self.assertNotEqual(other.credential, result.credential)

    def test_activation_is_idempotent_and_survives_a_restart(self):
        first = self.gateway.activate_line(spec())
        self.assertEqual(self.gateway.activate_line(spec()), first)
        sandbox.reset_store(STORE)  # a process restart forgets the store
        self.assertIsNone(self.gateway.find_line("line-1"))
        self.assertEqual(self.gateway.activate_line(spec()), first)
        # A different store (another database) gives the same answer too.
        self.assertEqual(make(store=STORE + "-other").activate_line(spec()), first)

    def test_find_line_within_process(self):
        self.assertIsNone(self.gateway.find_line("line-1"))
        created = self.gateway.activate_line(spec())
        self.assertEqual(make().find_line("line-1"), created)
        self.assertIsNone(make(store=STORE + "-other").find_line("line-1"))

    def test_did_ports(self):
        dids = [DidSpec("+551134567891", port=1), DidSpec("+551134567892", port=2)]
        dids.append(DidSpec("+551134567893", port=None))
        result = self.gateway.activate_line(spec(dids=dids))
        self.assertEqual(
            [d.terminal for d in result.dids],
            [result.terminal, result.terminal + "-2", ""],
        )
        self.assertEqual(result.dids[0].credential, result.credential)
        self.assertEqual(len(result.dids[1].credential), 12)
        self.assertEqual(result.dids[2].credential, "")

    def test_update_and_cancel(self):
        line = spec(category="DEF")
        terminal = self.gateway.activate_line(line).terminal
        line.category = "BLQ"
        line.description = "not pushed"
        self.gateway.update_line(terminal, line, {"category"})
        stored = self.gateway.stored_spec("line-1")
        self.assertEqual((stored.category, stored.description), ("BLQ", ""))
        self.gateway.cancel_line(terminal)
        self.assertIsNone(self.gateway.find_line("line-1"))
        self.gateway.cancel_line(terminal)  # twice is fine

    def test_results_are_copies(self):
        result = self.gateway.activate_line(
            spec(dids=[DidSpec("+551134567891", port=1)])
        )
        result.dids.clear()
        result.terminal = "changed"
        found = self.gateway.find_line("line-1")
        self.assertEqual(len(found.dids), 1)
        self.assertTrue(found.terminal.startswith("SBX-"))

    def test_store_is_thread_safe(self):
        def work(start):
            gateway = make()
            for i in range(start, start + 50):
                gateway.activate_line(spec(f"key-{i}"))

        threads = [threading.Thread(target=work, args=(n * 50,)) for n in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        self.assertEqual(len(sandbox._STORES[STORE]), 200)

    def test_failure_injection(self):
        with self.assertRaises(TransientError) as caught:
            make(fail="transient").activate_line(spec())
        self.assertTrue(caught.exception.retryable)
        with self.assertRaises(RejectedError) as caught:
            make(fail="rejected").list_catalogs()
        self.assertEqual(caught.exception.message, "Sandbox: rejected by configuration")
        with self.assertRaises(GatewayError):
            make(fail="bogus").find_line("line-1")
        self.assertIsNone(self.gateway.find_line("line-1"))

    def test_catalog(self):
        catalogs = self.gateway.list_catalogs()
        partitions = {p.code: p for p in catalogs.partitions}
        self.assertEqual(partitions["SP01"].name, "São Paulo - Capital")
        self.assertEqual(partitions["CPS01"].name, "Campinas")
        categories = {c.code: c.name for c in catalogs.categories}
        self.assertEqual(categories["BLP"], "Bloqueio parcial - somente recebe")
        for partition in catalogs.partitions:
            self.assertLessEqual(set(partition.extra["categories"]), set(categories))
            self.assertIn(partition.extra["partial_block_category"], categories)
        self.assertIn("RES100", {p.code for p in catalogs.plans})
        self.assertEqual({lic.code for lic in catalogs.licences}, {"RES", "TRK"})
