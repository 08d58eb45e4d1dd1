# Copyright 2026 isp_telephony authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import logging
import socket
import threading
import time
from datetime import datetime

from ..gateways.ami import AmiConfig, AmiListener, originate
from ..gateways.ami_events import AmiEventTranslator, endpoint_of
from ..gateways.asterisk import dial_number_for
from ..gateways.base import GatewayError, RejectedError, TransientError
from .loopback.ami_server import AmiServer
from .loopback.case import LoopbackCase

SECRET = "amisecret-XYZ"


def _free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class AmiCase(LoopbackCase):
    def server(self, **kwargs):
        kwargs.setdefault("users", {"odoo": SECRET})
        kwargs.setdefault("channels", {"PJSIP/1001"})
        server = AmiServer(**kwargs).start()
        self.addCleanup(server.stop)
        return server

    @staticmethod
    def config(port, secret=SECRET, timeout=2):
        return AmiConfig("127.0.0.1", port, "odoo", secret, timeout=timeout)


class TestOriginate(AmiCase):
    def test_login_originate_logoff_with_exact_headers(self):
        server = self.server()
        action_id = originate(
            self.config(server.port),
            "PJSIP/1001",
            "from-internal",
            "01134567890",
            '"Agent Ana" <1001>',
            {"ISP_CALL_LOG_ID": 42, "ISP_PARTNER_ID": "7"},
            timeout_s=25,
        )
        names = [a["Action"] for a in server.actions]
        self.assertEqual(names, ["Login", "Originate", "Logoff"])
        login = server.actions[0]
        self.assertEqual(login["Username"], "odoo")
        self.assertEqual(login["Secret"], SECRET)
        # Click-to-dial does not want the event stream.
        self.assertEqual(login["Events"], "off")
        sent = server.actions[1]
        self.assertEqual(
            sent,
            {
                "Action": "Originate",
                "ActionID": action_id,
                "Async": "true",
                "CallerID": '"Agent Ana" <1001>',
                "Channel": "PJSIP/1001",
                "Context": "from-internal",
                "Exten": "01134567890",
                "Priority": "1",
                "Timeout": "25000",
                "Variable": ["ISP_CALL_LOG_ID=42", "ISP_PARTNER_ID=7"],
            },
        )
        self.assertTrue(action_id.startswith("isp-"))

    def test_single_variable_and_given_action_id(self):
        server = self.server()
        result = originate(
            self.config(server.port),
            "PJSIP/1001",
            "from-internal",
            "1002",
            "1001",
            {"ISP_CALL_LOG_ID": 5},
            action_id="call-log-5",
        )
        self.assertEqual(result, "call-log-5")
        sent = server.actions_named("Originate")[0]
        self.assertEqual(sent["Variable"], "ISP_CALL_LOG_ID=5")
        self.assertEqual(sent["ActionID"], "call-log-5")

    def test_login_refused(self):
        server = self.server()
        with self.assertRaises(RejectedError) as caught:
            originate(
                self.config(server.port, secret="wrong"),
                "PJSIP/1001",
                "from-internal",
                "1002",
                "1001",
                {},
            )
        self.assertEqual(
            caught.exception.message, "Asterisk refused the AMI login for user odoo."
        )
        self.assertEqual(server.actions_named("Originate"), [])

    def test_unknown_channel(self):
        server = self.server()
        with self.assertRaises(RejectedError) as caught:
            originate(
                self.config(server.port), "PJSIP/9999", "from-internal", "1002", "", {}
            )
        self.assertEqual(
            caught.exception.message,
            "Asterisk could not place the call from PJSIP/9999: Originate failed.",
        )
        # Still logs off.
        self.assertEqual(server.actions[-1]["Action"], "Logoff")

    def test_connection_refused_is_transient(self):
        with self.assertRaises(TransientError) as caught:
            originate(
                self.config(_free_port()), "PJSIP/1001", "from-internal", "1", "", {}
            )
        self.assertIn(
            "Cannot connect to Asterisk AMI at 127.0.0.1", str(caught.exception)
        )
        self.assertTrue(caught.exception.retryable)

    def test_silent_server_times_out(self):
        server = self.server(silent=True)
        started = time.monotonic()
        with self.assertRaises(TransientError) as caught:
            originate(
                self.config(server.port, timeout=0.3),
                "PJSIP/1001",
                "from-internal",
                "1002",
                "",
                {},
            )
        self.assertLess(time.monotonic() - started, 3)
        self.assertIn("did not answer the login within 0.3 s", str(caught.exception))

    def test_header_injection_refused(self):
        server = self.server()
        for kwargs in (
            {"exten": "1002\r\nAction: Command"},
            {"variables": {"X": "1\nAction: Command"}},
            {"variables": {"BAD NAME": "1"}},
            {"channel": ""},
        ):
            args = {
                "channel": "PJSIP/1001",
                "context": "from-internal",
                "exten": "1002",
                "caller_id": "",
                "variables": {},
            }
            args.update(kwargs)
            with self.subTest(kwargs), self.assertRaises(GatewayError):
                originate(self.config(server.port), **args)
        self.assertEqual(server.actions, [])

    def test_secret_never_logged(self):
        records = []

        class Capture(logging.Handler):
            def emit(self, record):
                records.append(self.format(record))

        handler = Capture(logging.DEBUG)
        root = logging.getLogger()
        old = root.level
        root.addHandler(handler)
        root.setLevel(logging.DEBUG)
        self.addCleanup(root.setLevel, old)
        self.addCleanup(root.removeHandler, handler)
        server = self.server()
        errors = []
        originate(self.config(server.port), "PJSIP/1001", "c", "1002", "", {"A": 1})
        for config, channel in (
            (self.config(server.port, secret=SECRET + "x"), "PJSIP/1001"),
            (self.config(server.port), "PJSIP/404"),
        ):
            try:
                originate(config, channel, "c", "1002", "", {})
            except GatewayError as exc:
                errors.append(str(exc))
        self.assertEqual(len(errors), 2)
        self.assertTrue(records)
        self.assertNotIn(SECRET, "\n".join(records + errors))
        self.assertNotIn(SECRET, repr(self.config(1)))

    def test_dial_number_for(self):
        self.assertEqual(
            dial_number_for("+551134567890", "BR", "11", outside_prefix="0"),
            "034567890",
        )
        self.assertEqual(dial_number_for("+552134567890", "BR", "11"), "02134567890")
        with self.assertRaises(GatewayError):
            dial_number_for("12", "BR", "11")


def ev(name, **headers):
    return {"Event": name, **headers}


def channel_event(name, channel, uniqueid, linkedid, **headers):
    return ev(name, Channel=channel, Uniqueid=uniqueid, Linkedid=linkedid, **headers)


def inbound_call():
    """A call from the PSTN ringing agent 1001, answered, hung up."""
    trunk, agent = "PJSIP/trunk-00000001", "PJSIP/1001-0000002a"
    return [
        channel_event(
            "Newchannel",
            trunk,
            "100.1",
            "100.1",
            Context="from-trunk",
            Exten="551130001000",
            CallerIDNum="5511987654321",
            Timestamp="1714644000.0",
        ),
        channel_event(
            "Newchannel", agent, "100.2", "100.1", Context="from-internal", Exten="s"
        ),
        channel_event(
            "DialBegin",
            trunk,
            "100.1",
            "100.1",
            DestChannel=agent,
            DestUniqueid="100.2",
            DialString="1001",
            Timestamp="1714644001.0",
        ),
        channel_event("Newstate", agent, "100.2", "100.1", ChannelState="5"),
        channel_event(
            "Newstate",
            agent,
            "100.2",
            "100.1",
            ChannelState="6",
            ChannelStateDesc="Up",
            Timestamp="1714644005.0",
        ),
        channel_event("BridgeEnter", agent, "100.2", "100.1", BridgeNumChannels="2"),
        channel_event("Hangup", agent, "100.2", "100.1", Timestamp="1714644065.0"),
        channel_event("Hangup", trunk, "100.1", "100.1", Timestamp="1714644065.2"),
    ]


class TestTranslator(LoopbackCase):
    def feed_all(self, translator, events):
        out = []
        for event in events:
            out.extend(translator.feed(event))
        return out

    def test_endpoint_of(self):
        self.assertEqual(endpoint_of("PJSIP/1001-0000002a"), "PJSIP/1001")
        self.assertEqual(endpoint_of("SIP/agent-ana-00000001"), "SIP/agent-ana")
        self.assertEqual(
            endpoint_of("Local/1001@from-queue-00000001;2"), "Local/1001@from-queue"
        )
        self.assertEqual(endpoint_of("PJSIP/1001"), "PJSIP/1001")

    def test_inbound_start_answer_end(self):
        translator = AmiEventTranslator()
        out = self.feed_all(translator, inbound_call())
        self.assertEqual([e.action for e in out], ["start", "answer", "end"])
        start, answer, end = out
        for event in out:
            self.assertEqual(event.call_id, "100.1")
            self.assertEqual(event.direction, "in")
            self.assertEqual(event.caller, "5511987654321")
            self.assertEqual(event.called, "551130001000")
            self.assertEqual(event.endpoint, "PJSIP/1001")
        self.assertEqual(start.timestamp, datetime(2024, 5, 2, 10, 0, 1))
        self.assertEqual(answer.timestamp, datetime(2024, 5, 2, 10, 0, 5))
        self.assertEqual(end.duration, 60)
        self.assertEqual(end.raw["Event"], "Hangup")
        self.assertEqual(translator.calls, {})

    def test_outbound_originated_call(self):
        agent, trunk = "PJSIP/1001-00000003", "PJSIP/trunk-00000004"
        events = [
            channel_event(
                "Newchannel",
                agent,
                "200.1",
                "200.1",
                Context="from-internal",
                Exten="s",
                CallerIDNum="1001",
            ),
            channel_event(
                "VarSet",
                agent,
                "200.1",
                "200.1",
                Variable="ISP_CALL_LOG_ID",
                Value="42",
            ),
            # The agent answers first: not the call's answer.
            channel_event("Newstate", agent, "200.1", "200.1", ChannelState="6"),
            channel_event(
                "Newchannel", trunk, "200.2", "200.1", Context="from-internal"
            ),
            channel_event(
                "DialBegin",
                agent,
                "200.1",
                "200.1",
                DestChannel=trunk,
                DestUniqueid="200.2",
                DialString="trunk/01134567890",
            ),
            channel_event("Newstate", trunk, "200.2", "200.1", ChannelState="6"),
            channel_event("Hangup", trunk, "200.2", "200.1"),
            channel_event("Hangup", agent, "200.1", "200.1"),
        ]
        out = self.feed_all(AmiEventTranslator(), events)
        self.assertEqual([e.action for e in out], ["start", "answer", "end"])
        self.assertEqual({e.direction for e in out}, {"out"})
        self.assertEqual({e.endpoint for e in out}, {"PJSIP/1001"})
        self.assertEqual(out[0].called, "01134567890")
        self.assertEqual(out[0].caller, "1001")
        self.assertEqual(out[2].raw["variables"], {"ISP_CALL_LOG_ID": "42"})

    def test_unanswered_call_in_ivr_is_still_registered(self):
        trunk = "PJSIP/trunk-00000009"
        events = [
            channel_event(
                "Newchannel",
                trunk,
                "300.1",
                "300.1",
                Context="from-pstn",
                Exten="551130001000",
                CallerIDNum="<unknown>",
            ),
            # The IVR answers the trunk: nobody dialled, so no "answer".
            channel_event("Newstate", trunk, "300.1", "300.1", ChannelState="6"),
            channel_event("Hangup", trunk, "300.1", "300.1"),
        ]
        out = self.feed_all(AmiEventTranslator(), events)
        self.assertEqual([e.action for e in out], ["start", "end"])
        self.assertEqual(out[1].duration, 0)
        self.assertEqual(out[1].caller, "")
        self.assertEqual(out[1].direction, "in")

    def test_ring_group_starts_once_per_endpoint(self):
        trunk = "PJSIP/trunk-0000000a"
        events = [
            channel_event(
                "Newchannel", trunk, "400.1", "400.1", Context="from-trunk", Exten="100"
            )
        ]
        for n, agent in enumerate(("1001", "1002", "1001"), start=2):
            events.append(
                channel_event(
                    "DialBegin",
                    trunk,
                    "400.1",
                    "400.1",
                    DestChannel=f"PJSIP/{agent}-0000000{n}",
                    DestUniqueid=f"400.{n}",
                )
            )
        out = self.feed_all(AmiEventTranslator(), events)
        self.assertEqual([e.endpoint for e in out], ["PJSIP/1001", "PJSIP/1002"])

    def test_unrelated_events_and_unknown_calls_ignored(self):
        translator = AmiEventTranslator(max_calls=2)
        self.assertEqual(translator.feed(ev("FullyBooted")), [])
        self.assertEqual(
            translator.feed(channel_event("Hangup", "X/1-1", "9", "9")), []
        )
        for n in range(5):
            translator.feed(
                channel_event("Newchannel", "PJSIP/1-1", str(n), str(n), Exten="s")
            )
        self.assertEqual(len(translator.calls), 2)


class TestListener(AmiCase):
    def test_delivers_events_and_reconnects_after_drop(self):
        server = self.server()
        received = []
        got = threading.Event()

        def on_event(event):
            received.append(event)
            got.set()

        listener = AmiListener(
            self.config(server.port),
            on_event,
            backoff_initial=0.05,
            backoff_max=0.2,
        )
        listener.start()
        self.addCleanup(listener.stop, 5)
        self.assertTrue(server.wait_for(lambda: server.listeners() == 1))
        self.assertEqual(server.actions_named("Login")[0]["Events"], "on")

        def push_call(uniqueid):
            got.clear()
            server.push_event(
                channel_event(
                    "Newchannel",
                    "PJSIP/1001-00000001",
                    uniqueid,
                    uniqueid,
                    Context="from-internal",
                    Exten="1134567890",
                    CallerIDNum="1001",
                )
            )
            self.assertTrue(got.wait(3))

        push_call("500.1")
        self.assertEqual(received[-1].action, "start")
        self.assertEqual(received[-1].call_id, "500.1")

        server.drop_connections()
        self.assertTrue(server.wait_for(lambda: server.logins == 2))
        self.assertTrue(server.wait_for(lambda: server.listeners() == 1))
        push_call("500.2")
        self.assertEqual(received[-1].call_id, "500.2")
        self.assertTrue(server.wait_for(lambda: listener.sessions == 2))

        self.assertTrue(listener.stop(5))
        self.assertFalse(listener.connected.is_set())
        self.assertEqual(server.actions[-1]["Action"], "Logoff")

    def test_retries_until_asterisk_comes_up_and_survives_callback_errors(self):
        port = _free_port()
        calls = []

        def on_event(event):
            calls.append(event)
            raise ValueError("handler bug")

        listener = AmiListener(
            self.config(port), on_event, backoff_initial=0.02, backoff_max=0.05
        )
        listener.start()
        self.addCleanup(listener.stop, 5)
        time.sleep(0.15)  # a few refused attempts
        self.assertEqual(listener.sessions, 0)
        # Asterisk starts late, on the configured port.
        server = self.server(port=port)
        self.assertTrue(server.wait_for(lambda: server.listeners() == 1))
        for uid in ("600.1", "600.2"):
            server.push_event(
                channel_event("Newchannel", "PJSIP/1-00000001", uid, uid, Exten="1002")
            )
        self.assertTrue(server.wait_for(lambda: len(calls) == 2))
        self.assertTrue(listener.stop(5))

    def test_silent_connection_is_detected_by_ping(self):
        server = self.server()
        listener = AmiListener(
            self.config(server.port, timeout=0.2),
            lambda e: None,
            backoff_initial=0.02,
            ping_interval=0.05,
        )
        listener.start()
        self.addCleanup(listener.stop, 5)
        self.assertTrue(server.wait_for(lambda: server.listeners() == 1))
        self.assertTrue(server.wait_for(lambda: server.actions_named("Ping")))
        self.assertEqual(server.connections, 1)
        # Asterisk hangs: pings go unanswered, the listener reconnects.
        server.silent = True
        self.assertTrue(server.wait_for(lambda: server.connections >= 2))
        self.assertTrue(listener.stop(5))

    def test_stop_before_any_connection(self):
        listener = AmiListener(
            self.config(_free_port()), lambda e: None, backoff_initial=10
        )
        listener.start()
        started = time.monotonic()
        self.assertTrue(listener.stop(5))
        self.assertLess(time.monotonic() - started, 2)
