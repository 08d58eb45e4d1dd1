# Copyright 2026 isp_telephony authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import base64
import logging
import time
import uuid

from ..gateways import summit
from ..gateways.base import (
    DidSpec,
    GatewayConfig,
    LineSpec,
    ProtocolError,
    RejectedError,
    TransientError,
    gateway_class,
)
from .loopback.case import LoopbackCase
from .loopback.summit_server import SummitServer

USER = "ixc-api"
PASSWORD = "s3cr3t-Pa55"


class _Capture(logging.Handler):
    """Keeps every formatted record from every logger, DEBUG and up."""

    def __init__(self):
        super().__init__(logging.DEBUG)
        self.lines = []

    def emit(self, record):
        self.lines.append(f"{record.name} {record.getMessage()}")


class SummitCase(LoopbackCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.server = SummitServer(username=USER, password=PASSWORD).start()

    @classmethod
    def tearDownClass(cls):
        cls.server.stop()
        super().tearDownClass()

    def setUp(self):
        super().setUp()
        self.server.reset()
        self.sleeps = []
        self.gateway = self.make_gateway()

    def tearDown(self):
        self.gateway.close()
        super().tearDown()

    def make_gateway(self, **overrides):
        values = {
            "base_url": self.server.base_url,
            "username": USER,
            "password": PASSWORD,
            "timeout": 0.3,
            "retries": 3,
            "backoff": 0.01,
        }
        values.update(overrides)
        gateway = summit.SummitGateway(
            GatewayConfig(**values), sleep=self.sleeps.append
        )
        self.addCleanup(gateway.close)
        return gateway

    def spec(self, **overrides):
        values = {
            "key": str(uuid.uuid4()),
            "caller_id": "+551134567890",
            "description": "Linha principal",
            "account_code": "123456",
            "extension": "200",
            "partition": "SP01",
            "category": "DEF",
            "plan": "RES100",
            "licence": "RES",
            "activation_date": "2026-03-01",
            "due_day": 10,
            "call_limit": 2,
            "dids": [
                DidSpec("+551134567891", priority=1, port=1),
                DidSpec("+551134567892", priority=2, port=2),
                DidSpec("+551134567893", priority=3, port=None),
            ],
        }
        values.update(overrides)
        return LineSpec(**values)

    def posts(self):
        return [r for r in self.server.requests if r.method == "POST"]


class TestActivation(SummitCase):
    def test_registered_under_summit(self):
        self.assertIs(gateway_class("summit"), summit.SummitGateway)

    def test_activation_returns_terminal_credential_and_dids(self):
        spec = self.spec()
        result = self.gateway.activate_line(spec)
        line = self.server.line_by_external_id(spec.key)
        self.assertEqual(result.terminal, line["terminal"])
        self.assertEqual(result.credential, line["credential"])
        self.assertTrue(result.credential)
        self.assertEqual(
            [(d.number, d.terminal) for d in result.dids],
            [
                ("+551134567891", result.terminal),
                ("+551134567892", f"{result.terminal}-2"),
                ("+551134567893", ""),
            ],
        )
        self.assertTrue(result.dids[1].credential)

    def test_post_carries_every_field_and_idempotency_key(self):
        spec = self.spec(bid_type="trunk", active=False, cost_center="DEFAULT")
        self.gateway.activate_line(spec)
        (post,) = self.posts()
        self.assertEqual(post.headers["idempotency-key"], spec.key)
        self.assertEqual(post.headers["user-agent"], "isp_telephony/18.0")
        self.assertEqual(post.json["external_id"], spec.key)
        self.assertEqual(post.json["license"], "RES")
        self.assertEqual(post.json["bid_type"], "trunk")
        self.assertIs(post.json["active"], False)
        self.assertEqual(post.json["cost_center"], "DEFAULT")
        self.assertEqual(post.json["due_day"], 10)
        self.assertEqual(
            post.json["dids"][2],
            {"number": "+551134567893", "priority": 3, "port": None},
        )
        self.assertEqual(set(post.json), set(summit.WIRE_NAMES.values()))

    def test_activation_of_known_key_returns_existing_line(self):
        spec = self.spec()
        first = self.gateway.activate_line(spec)
        second = self.gateway.activate_line(spec)
        self.assertEqual(first.terminal, second.terminal)
        self.assertEqual(len(self.server.lines), 1)
        self.assertEqual(len(self.posts()), 1)

    def test_lost_response_then_new_job_finds_the_line(self):
        """The server created the line but the answer never arrived; the
        next attempt (a new job) must return the same terminal."""
        spec = self.spec()
        gateway = self.make_gateway(retries=1)
        self.server.delay_next(0.6, method="POST")
        with self.assertRaises(TransientError):
            gateway.activate_line(spec)
        self.assertEqual(len(self.server.lines), 1)
        result = self.make_gateway().activate_line(spec)
        self.assertEqual(
            result.terminal, self.server.line_by_external_id(spec.key)["terminal"]
        )
        self.assertEqual(len(self.server.lines), 1)
        self.assertEqual(len(self.posts()), 1)

    def test_lost_response_retried_within_call_is_replayed(self):
        spec = self.spec()
        self.server.delay_next(0.6, method="POST")
        result = self.gateway.activate_line(spec)
        self.assertEqual(len(self.server.lines), 1)
        self.assertEqual(
            result.terminal, self.server.line_by_external_id(spec.key)["terminal"]
        )
        posts = self.posts()
        self.assertEqual(len(posts), 2)
        self.assertEqual({p.headers["idempotency-key"] for p in posts}, {spec.key})

    def test_conflict_on_create_returns_the_line_that_exists(self):
        spec = self.spec()
        existing = self.make_gateway().activate_line(spec)
        # The lookup misses (e.g. replication lag), the POST says 409.
        self.server.fail_next(
            200,
            body={"items": [], "page": 1, "pages": 1},
            method="GET",
            path="/api/v1/lines",
        )
        result = self.gateway.activate_line(self.spec(key=spec.key))
        self.assertEqual(result.terminal, existing.terminal)
        self.assertEqual(len(self.server.lines), 1)

    def test_find_line(self):
        spec = self.spec()
        self.assertIsNone(self.gateway.find_line(spec.key))
        created = self.gateway.activate_line(spec)
        found = self.gateway.find_line(spec.key)
        self.assertEqual(
            (found.terminal, found.credential), (created.terminal, created.credential)
        )
        get = self.server.requests[-1]
        self.assertEqual((get.method, get.query["external_id"]), ("GET", spec.key))


class TestUpdateCancel(SummitCase):
    def test_update_sends_only_changed_fields(self):
        spec = self.spec()
        terminal = self.gateway.activate_line(spec).terminal
        spec.category = "BLP"
        spec.call_limit = 4
        spec.description = "not pushed"
        result = self.gateway.update_line(terminal, spec, {"category", "call_limit"})
        patch = self.server.requests[-1]
        self.assertEqual(patch.method, "PATCH")
        self.assertEqual(patch.path, f"/api/v1/lines/{terminal}")
        self.assertEqual(patch.json, {"category": "BLP", "call_limit": 4})
        line = self.server.lines[terminal]
        self.assertEqual(
            (line["category"], line["description"]), ("BLP", "Linha principal")
        )
        self.assertEqual(result.terminal, terminal)

    def test_update_maps_licence_and_dids(self):
        spec = self.spec()
        terminal = self.gateway.activate_line(spec).terminal
        spec.licence = "TRK"
        spec.dids = [DidSpec("+551134567899", port=3)]
        result = self.gateway.update_line(terminal, spec, {"licence", "dids"})
        self.assertEqual(
            self.server.requests[-1].json,
            {
                "license": "TRK",
                "dids": [{"number": "+551134567899", "priority": 1, "port": 3}],
            },
        )
        self.assertEqual(
            [(d.number, d.terminal) for d in result.dids],
            [("+551134567899", f"{terminal}-3")],
        )

    def test_update_with_nothing_changed_sends_nothing(self):
        spec = self.spec()
        terminal = self.gateway.activate_line(spec).terminal
        count = len(self.server.requests)
        self.assertIsNone(self.gateway.update_line(terminal, spec, set()))
        self.assertIsNone(self.gateway.update_line(terminal, spec, {"key"}))
        self.assertEqual(len(self.server.requests), count)
        with self.assertRaises(ValueError):
            self.gateway.update_line(terminal, spec, {"colour"})

    def test_cancel_removes_line_and_twice_is_fine(self):
        terminal = self.gateway.activate_line(self.spec()).terminal
        self.gateway.cancel_line(terminal)
        self.assertNotIn(terminal, self.server.lines)
        self.gateway.cancel_line(terminal)  # 404: already gone
        self.assertEqual(
            [(r.method, r.path) for r in self.server.requests[-2:]],
            [("DELETE", f"/api/v1/lines/{terminal}")] * 2,
        )

    def test_cancel_other_4xx_is_rejected(self):
        self.server.fail_next(
            403, {"error": {"code": "forbidden", "message": "Linha travada"}}
        )
        with self.assertRaises(RejectedError) as caught:
            self.gateway.cancel_line("100001")
        self.assertIn("Linha travada", caught.exception.message)


class TestFailures(SummitCase):
    def test_4xx_surfaces_platform_reason_without_retry(self):
        spec = self.spec(category="BLQX")
        with self.assertRaises(RejectedError) as caught:
            self.gateway.activate_line(spec)
        self.assertIn("'BLQX' inexistente", caught.exception.message)
        self.assertEqual(caught.exception.status, 422)
        self.assertFalse(caught.exception.retryable)
        self.assertEqual(len(self.posts()), 1)
        self.assertEqual(self.server.lines, {})

    def test_category_outside_partition_is_rejected(self):
        with self.assertRaises(RejectedError) as caught:
            self.gateway.activate_line(self.spec(partition="CPS01", category="BLP"))
        self.assertIn("não pertence à partição CPS01", caught.exception.message)

    def test_bad_credentials_are_rejected(self):
        gateway = self.make_gateway(password="wrong")
        with self.assertRaises(RejectedError) as caught:
            gateway.find_line("k")
        self.assertEqual(caught.exception.status, 401)
        self.assertIn("Credenciais inválidas", caught.exception.message)
        self.assertNotIn("wrong", caught.exception.message)

    def test_5xx_retried_with_backoff_then_succeeds(self):
        self.server.fail_next(503, times=2, method="POST")
        result = self.gateway.activate_line(self.spec())
        self.assertTrue(result.terminal)
        self.assertEqual(len(self.posts()), 3)
        self.assertEqual(self.sleeps, [0.01, 0.02])
        self.assertEqual(len(self.server.lines), 1)

    def test_5xx_exhausted_raises_transient_with_reason(self):
        self.server.fail_next(
            503, {"error": {"message": "Manutenção programada"}}, times=3, method="POST"
        )
        with self.assertRaises(TransientError) as caught:
            self.gateway.activate_line(self.spec())
        self.assertEqual(
            caught.exception.message, "Summit error 503: Manutenção programada"
        )
        self.assertTrue(caught.exception.retryable)
        self.assertEqual(len(self.posts()), 3)
        self.assertEqual(self.sleeps, [0.01, 0.02])

    def test_429_is_retried(self):
        self.server.fail_next(429, times=1, method="GET")
        catalogs = self.gateway.list_catalogs()
        self.assertEqual(len(catalogs.partitions), 2)
        self.assertEqual(self.sleeps, [0.01])

    def test_timeout_raises_transient(self):
        self.server.delay_next(0.6, times=3)
        with self.assertRaises(TransientError) as caught:
            self.gateway.find_line("some-key")
        self.assertEqual(
            caught.exception.message, "Summit did not answer within 0.3 s (3 attempts)"
        )

    def test_unreachable_raises_transient(self):
        with SummitServer() as other:
            url = other.base_url
        gateway = self.make_gateway(base_url=url, retries=2)
        with self.assertRaises(TransientError) as caught:
            gateway.find_line("k")
        self.assertIn("could not be reached at 127.0.0.1:", caught.exception.message)
        self.assertIn("(2 attempts)", caught.exception.message)

    def test_tls_failure_is_not_retried(self):
        gateway = self.make_gateway(
            base_url=self.server.base_url.replace("http:", "https:")
        )
        with self.assertRaises(summit.GatewayError) as caught:
            gateway.find_line("k")
        self.assertFalse(caught.exception.retryable)
        self.assertIn("TLS", caught.exception.message)
        self.assertEqual(self.sleeps, [])

    def test_malformed_json_raises_protocol_error(self):
        self.server.malformed_next(method="GET")
        with self.assertRaises(ProtocolError):
            self.gateway.find_line("k")

    def test_missing_credential_raises_protocol_error(self):
        self.server.fail_next(201, {"terminal": "100001"}, method="POST")
        with self.assertRaises(ProtocolError) as caught:
            self.gateway.activate_line(self.spec())
        self.assertIn("credential", caught.exception.message)

    def test_credentials_never_logged(self):
        capture = _Capture()
        root = logging.getLogger()
        old_level = root.level
        root.addHandler(capture)
        root.setLevel(logging.DEBUG)
        # Under Odoo the "odoo" loggers have their own level: open ours too.
        module_logger = logging.getLogger(summit.__name__)
        old_module_level = module_logger.level
        module_logger.setLevel(logging.DEBUG)
        try:
            self.server.fail_next(500, times=1, method="POST")
            gateway = self.make_gateway()
            terminal = gateway.activate_line(self.spec()).terminal
            gateway.cancel_line(terminal)
            with self.assertRaises(RejectedError):
                self.make_gateway(password=PASSWORD + "x").find_line("k")
        finally:
            root.removeHandler(capture)
            root.setLevel(old_level)
            module_logger.setLevel(old_module_level)
        text = "\n".join(capture.lines)
        token = base64.b64encode(f"{USER}:{PASSWORD}".encode()).decode()
        self.assertIn("Summit POST /lines -> 500", text)
        self.assertIn(f"Summit DELETE /lines/{terminal} -> 204", text)
        for secret in (PASSWORD, token, "Authorization", "Basic "):
            self.assertNotIn(secret, text)

    def test_url_with_credentials_refused(self):
        with self.assertRaises(summit.GatewayError) as caught:
            self.make_gateway(base_url="https://u:pw@summit.example")
        self.assertNotIn("pw", caught.exception.message)


class TestCatalogs(SummitCase):
    def test_catalogs_parsed(self):
        catalogs = self.gateway.list_catalogs()
        sp01 = catalogs.partitions[0]
        self.assertEqual((sp01.code, sp01.name), ("SP01", "São Paulo - Capital"))
        self.assertEqual(sp01.extra["categories"], ["DEF", "BLQ", "BLP", "CAN"])
        self.assertEqual(sp01.extra["partial_block_category"], "BLP")
        self.assertEqual(
            [c.code for c in catalogs.categories],
            ["DEF", "BLQ", "BLP", "CAN"],
        )
        self.assertEqual(catalogs.plans[0].extra, {"minutes": 100})
        self.assertEqual([lic.code for lic in catalogs.licences], ["RES", "TRK"])

    def test_catalog_pages_are_followed(self):
        self.server.page_size = 2
        try:
            plans = [{"code": f"P{i}", "name": f"Plano {i}"} for i in range(5)]
            self.server.set_catalogs(plans=plans)
            catalogs = self.gateway.list_catalogs()
        finally:
            self.server.page_size = 50
        self.assertEqual(
            [p.code for p in catalogs.plans], ["P0", "P1", "P2", "P3", "P4"]
        )
        pages = [
            r.query["page"] for r in self.server.requests if r.path.endswith("/plans")
        ]
        self.assertEqual(pages, ["1", "2", "3"])

    def test_catalog_without_items_is_protocol_error(self):
        self.server.fail_next(
            200, {"data": []}, method="GET", path="/api/v1/partitions"
        )
        with self.assertRaises(ProtocolError):
            self.gateway.list_catalogs()


class TestLoopbackThroughput(SummitCase):
    def test_many_creations_on_one_session(self):
        """The provisioning benchmark relies on the loopback being fast (a
        Nagle/delayed-ACK stall costs 40 ms a request, 8 s here)."""
        started = time.monotonic()
        for _i in range(100):
            self.gateway.activate_line(self.spec(dids=[]))
        self.assertLess(time.monotonic() - started, 5)
        self.assertEqual(len(self.server.lines), 100)
