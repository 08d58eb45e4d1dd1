# Copyright 2026 isp_telephony authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import itertools
import logging
import socket
import threading

from ..gateways import callmyway
from ..gateways.base import (
    GatewayConfig,
    GatewayError,
    ProtocolError,
    RejectedError,
    TransientError,
)
from ..gateways.callmyway import CallMyWayClient
from .loopback.callmyway_server import CallMyWayServer, sample_cdr
from .loopback.case import LoopbackCase

PASSWORD = "pa$$ w0rd&x=1"
USERNAME = "8000001"


class FakeClock:
    """A monotonic clock that only moves when somebody sleeps."""

    def __init__(self):
        self.now = 1000.0
        self.sleeps = []

    def __call__(self):
        return self.now

    def sleep(self, seconds):
        self.sleeps.append(seconds)
        self.now += seconds


class CapturingHandler(logging.Handler):
    def __init__(self):
        super().__init__(logging.DEBUG)
        self.lines = []

    def emit(self, record):
        self.lines.append(self.format(record))


def _free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class CallMyWayCase(LoopbackCase):
    def server(self, **kwargs):
        kwargs.setdefault("username", USERNAME)
        kwargs.setdefault("password", PASSWORD)
        server = CallMyWayServer(**kwargs).start()
        self.addCleanup(server.stop)
        return server

    def client(self, server_url, fake=None, **extra):
        extra.setdefault("min_interval", 0)
        config = GatewayConfig(
            base_url=server_url,
            username=USERNAME,
            password=PASSWORD,
            timeout=2,
            retries=3,
            backoff=0.01,
            extra=extra,
        )
        if fake is not None:
            client = CallMyWayClient(config, sleep=fake.sleep, clock=fake)
        else:
            client = CallMyWayClient(config)
        self.addCleanup(client.close)
        return client


class TestClickToDial(CallMyWayCase):
    def test_exact_query_string_and_queued_result(self):
        server = self.server(click_body="Click2Dial inserted")
        result = self.client(server.url).click_to_dial("8000001", "+551134567890")
        self.assertEqual(len(server.requests), 1)
        request = server.requests[0]
        self.assertEqual(request.path, "/Welcome/ClickToDialExtenal")
        self.assertEqual(
            request.query,
            "username=8000001&password=pa%24%24%20w0rd%26x%3D1"
            "&first_num=8000001&second_num=%2B551134567890",
        )
        self.assertEqual(request.params["password"], PASSWORD)
        # A 200 is a queued request, nothing more.
        self.assertTrue(result.queued)
        self.assertEqual(result.status, 200)
        self.assertEqual(result.message, "Click2Dial inserted")
        self.assertEqual(result.second_num, "+551134567890")

    def test_bad_credentials_are_rejected_clearly(self):
        server = self.server(password="other")
        with self.assertRaises(RejectedError) as caught:
            self.client(server.url).click_to_dial("8000001", "1134567890")
        self.assertEqual(caught.exception.message, "CallMyWay refused the credentials")
        self.assertEqual(caught.exception.status, 401)
        self.assertFalse(caught.exception.retryable)

    def test_server_error_is_transient_and_not_retried(self):
        server = self.server(fail_times=1, fail_status=502)
        with self.assertRaises(TransientError) as caught:
            self.client(server.url).click_to_dial("8000001", "1134567890")
        self.assertEqual(caught.exception.status, 502)
        # Retrying a click-to-dial could ring the customer twice.
        self.assertEqual(len(server.requests), 1)

    def test_connection_refused_is_transient(self):
        client = self.client(f"http://127.0.0.1:{_free_port()}")
        with self.assertRaises(TransientError) as caught:
            client.click_to_dial("8000001", "1134567890")
        self.assertNotIn(PASSWORD, str(caught.exception))
        self.assertIn("password=***", str(caught.exception))

    def test_missing_number_is_refused_before_any_request(self):
        server = self.server()
        with self.assertRaises(RejectedError):
            self.client(server.url).click_to_dial("8000001", "")
        self.assertEqual(server.requests, [])


class TestCdrs(CallMyWayCase):
    def test_recent(self):
        server = self.server(recent_cdrs=[sample_cdr("a1"), sample_cdr("a2")])
        cdrs = self.client(server.url).get_cdrs(recent=True)
        self.assertEqual([c["callid"] for c in cdrs], ["a1", "a2"])
        self.assertEqual(server.requests[0].path, "/getCdrs.php")
        self.assertEqual(
            server.requests[0].query,
            "username=8000001&password=pa%24%24%20w0rd%26x%3D1&recent=1",
        )

    def test_paging_until_a_short_page(self):
        records = [sample_cdr(f"c{i}") for i in range(7)]
        server = self.server(cdrs=records)
        client = self.client(server.url, page_size=3)
        cdrs = client.get_cdrs("2024-05-01 00:00:00", "2024-05-02 00:00:00")
        self.assertEqual(cdrs, records)
        pages = [(r.params["ini"], r.params["cant"]) for r in server.requests]
        self.assertEqual(pages, [("0", "3"), ("3", "3"), ("6", "3")])
        self.assertEqual(server.requests[0].params["dateStart"], "2024-05-01 00:00:00")
        self.assertIn("dateStart=2024-05-01%2000%3A00%3A00", server.requests[0].query)

    def test_exact_multiple_of_page_size_ends_on_empty_page(self):
        server = self.server(cdrs=[sample_cdr(f"c{i}") for i in range(4)])
        cdrs = self.client(server.url, page_size=2).get_cdrs("2024-05-01", "2024-05-02")
        self.assertEqual(len(cdrs), 4)
        self.assertEqual([r.params["ini"] for r in server.requests], ["0", "2", "4"])

    def test_server_ignoring_paging_is_detected(self):
        server = self.server(
            cdrs=[sample_cdr(f"c{i}") for i in range(5)], ignore_paging=True
        )
        with self.assertRaises(ProtocolError):
            self.client(server.url, page_size=2).get_cdrs("2024-05-01", "2024-05-02")
        self.assertEqual(len(server.requests), 2)

    def test_transient_5xx_is_retried_for_reads(self):
        server = self.server(fail_times=1, recent_cdrs=[sample_cdr("r1")])
        cdrs = self.client(server.url).get_cdrs(recent=True)
        self.assertEqual([c["callid"] for c in cdrs], ["r1"])
        self.assertEqual(len(server.requests), 2)

    def test_persistent_5xx_gives_transient_error(self):
        server = self.server(fail_times=10)
        with self.assertRaises(TransientError):
            self.client(server.url).get_cdrs(recent=True)
        self.assertEqual(len(server.requests), 3)

    def test_start_and_end_required_without_recent(self):
        server = self.server()
        with self.assertRaises(RejectedError):
            self.client(server.url).get_cdrs()


class TestRateLimit(CallMyWayCase):
    def test_four_seconds_between_requests_of_one_account(self):
        server = self.server(recent_cdrs=[])
        fake = FakeClock()
        client = self.client(server.url, fake=fake, min_interval=4)
        starts = []
        for _ in range(3):
            client.get_cdrs(recent=True)
            starts.append(fake.now)
        self.assertEqual(fake.sleeps, [4.0, 4.0])
        self.assertEqual(starts, [1000.0, 1004.0, 1008.0])
        # A second client of the same account shares the spacing.
        other = self.client(server.url, fake=fake, min_interval=4)
        other.click_to_dial("8000001", "1134567890")
        self.assertEqual(fake.sleeps, [4.0, 4.0, 4.0])

    def test_default_interval_is_four_seconds(self):
        server = self.server(recent_cdrs=[])
        fake = FakeClock()
        config = GatewayConfig(base_url=server.url, username=USERNAME, password="x")
        client = CallMyWayClient(config, sleep=fake.sleep, clock=fake)
        self.addCleanup(client.close)
        self.assertEqual(client.min_interval, 4.0)

    def test_other_accounts_do_not_wait(self):
        fake = FakeClock()
        limiter = callmyway.RateLimiter()
        limiter.wait("a", 4, fake, fake.sleep)
        limiter.wait("b", 4, fake, fake.sleep)
        self.assertEqual(fake.sleeps, [])
        limiter.wait("a", 4, fake, fake.sleep)
        self.assertEqual(fake.sleeps, [4.0])

    def test_real_spacing_across_threads(self):
        interval = 0.15
        server = self.server(recent_cdrs=[])
        clients = [self.client(server.url, min_interval=interval) for _ in range(2)]

        def work(client):
            for _ in range(2):
                client.get_cdrs(recent=True)

        threads = [threading.Thread(target=work, args=(c,)) for c in clients]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=5)
        times = sorted(r.at for r in server.requests)
        self.assertEqual(len(times), 4)
        gaps = [b - a for a, b in itertools.pairwise(times)]
        for gap in gaps:
            self.assertGreaterEqual(gap, interval * 0.9)


class TestSecrets(CallMyWayCase):
    def test_password_never_logged(self):
        handler = CapturingHandler()
        root = logging.getLogger()
        old_level = root.level
        root.addHandler(handler)
        root.setLevel(logging.DEBUG)
        self.addCleanup(root.setLevel, old_level)
        self.addCleanup(root.removeHandler, handler)
        server = self.server(
            recent_cdrs=[sample_cdr("x")], cdrs=[sample_cdr("y")], fail_times=1
        )
        client = self.client(server.url)
        errors = []
        client.get_cdrs(recent=True)  # one 503, retried and logged
        client.click_to_dial("8000001", "1134567890")
        client.get_cdrs("2024-05-01", "2024-05-02")
        for url in (f"http://127.0.0.1:{_free_port()}", server.url + "/nowhere"):
            try:
                self.client(url).click_to_dial("8000001", "1134567890")
            except GatewayError as exc:
                errors.append(str(exc))
        self.assertEqual(len(errors), 2)
        text = "\n".join(handler.lines + errors)
        # urllib3 logs each request line at DEBUG: it must be there, redacted.
        self.assertIn("ClickToDialExtenal?username=8000001&password=***", text)
        for form in (PASSWORD, "pa%24%24%20w0rd", "pa$$"):
            self.assertNotIn(form, text)
