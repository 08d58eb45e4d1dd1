# Copyright 2026 isp_telephony authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import logging
from contextlib import closing

from odoo import sql_db
from odoo.exceptions import AccessError, UserError
from odoo.tests import TransactionCase, new_test_user, tagged

from ..gateways.callmyway import LIMITER
from ..tools import locks
from .call_common import CallSetupMixin
from .loopback.ami_server import AmiServer
from .loopback.callmyway_server import CallMyWayServer

AMI_SECRET = "ami-Secret-7788"


class _Capture(logging.Handler):
    def __init__(self):
        super().__init__(logging.DEBUG)
        self.lines = []

    def emit(self, record):
        self.lines.append(record.getMessage())


class DialCase(CallSetupMixin, TransactionCase):
    """Click-to-dial commits its call log in a transaction of its own: the
    registry runs in test mode so that this stays inside the test."""

    def setUp(self):
        super().setUp()
        self.registry.enter_test_mode(self.cr)
        self.addCleanup(self.registry.leave_test_mode)
        LIMITER.reset()
        self.capture = _Capture()
        root = logging.getLogger()
        old_level = root.level
        root.addHandler(self.capture)
        root.setLevel(logging.DEBUG)
        self.addCleanup(root.setLevel, old_level)
        self.addCleanup(root.removeHandler, self.capture)

    def dial(self, number="(31) 3500-1000", user=None, **kwargs):
        Log = self.env["isp.call.log"].with_user(user or self.agent_user)
        return Log.action_click_to_dial(number, **kwargs)

    def assertNoSecretLogged(self, *secrets):
        text = "\n".join(self.capture.lines)
        for secret in secrets:
            self.assertNotIn(secret, text)


@tagged("post_install", "-at_install")
class TestCallMyWayDial(DialCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.setup_calls(cls.env)

    def server(self, **kwargs):
        server = CallMyWayServer(**kwargs).start()
        self.addCleanup(server.stop)
        self.calls_integration.access_host = server.url
        return server

    def test_exact_query_and_queued_semantics(self):
        server = self.server()
        result = self.dial(res_model="res.partner", res_id=self.partner_one.id)
        self.assertTrue(result["ok"], result)
        self.assertEqual(len(server.requests), 1)
        request = server.requests[0]
        self.assertEqual(request.path, "/Welcome/ClickToDialExtenal")
        self.assertEqual(
            request.query,
            "username=8000001&password=s3cret&first_num=8000001&second_num=553135001000",
        )
        log = self.env["isp.call.log"].browse(result["log_id"])
        # 200 only means queued: the call is Requested, not connected.
        self.assertEqual(log.state, "requested")
        self.assertEqual(log.direction, "out")
        self.assertEqual(log.partner_id, self.partner_one)
        self.assertFalse(log.call_id)
        self.assertNoSecretLogged("s3cret")

        # One call at a time per agent.
        with self.assertRaisesRegex(UserError, "already have a call in progress"):
            self.dial("(31) 3500-2000")
        self.assertEqual(len(server.requests), 1)

        # The platform's callStart adopts the request: no choice of contact.
        started = (
            self.env["isp.call.log"]
            .sudo()
            ._handle_call_event(
                self.calls_integration,
                self.event(
                    direction="out",
                    caller="8000001",
                    called="553135001000",
                    call_id="cmw-77",
                ),
            )
        )
        self.assertEqual(started, log)
        self.assertEqual(log.call_id, "cmw-77")
        self.assertEqual(log.state, "ringing")
        self.assertEqual(log._panel_payload()["mode"], "linked")

    def test_other_agent_is_not_blocked(self):
        self.server()
        self.assertTrue(self.dial()["ok"])
        self.assertTrue(self.dial("(31) 3500-2000", user=self.other_user)["ok"])

    def test_a_click_while_another_is_being_placed_is_refused(self):
        """A second click of the same agent, while the first one holds the
        agent's dial lock in another transaction, is refused in plain words
        before anything is logged or sent; the other agents dial on."""
        server = self.server()
        Log = self.env["isp.call.log"]
        logged = Log.search_count([("agent_id", "=", self.agent.id)])
        with closing(sql_db.db_connect(self.cr.dbname).cursor()) as other:
            self.assertTrue(locks.try_lock(other, locks.AGENT_DIAL, self.agent.id))
            with self.assertRaisesRegex(UserError, "already being placed"):
                self.dial()
            self.assertTrue(self.dial("(31) 3500-2000", user=self.other_user)["ok"])
            other.rollback()
        self.assertEqual(len(server.requests), 1)
        self.assertEqual(Log.search_count([("agent_id", "=", self.agent.id)]), logged)
        self.assertTrue(self.dial()["ok"])

    def test_several_caller_ids_make_the_agent_choose(self):
        server = self.server()
        self.agent.caller_id_ids = [
            (0, 0, {"name": "Company line", "value": "8000001"}),
            (0, 0, {"name": "Private", "value": "8000009", "private": True}),
        ]
        result = self.dial()
        self.assertEqual(
            [o["name"] for o in result["choose_caller_id"]], ["Company line", "Private"]
        )
        self.assertEqual(server.requests, [])
        private = self.agent.caller_id_ids[1]
        result = self.dial(caller_id=private.id)
        self.assertTrue(result["ok"])
        self.assertEqual(server.requests[0].params["first_num"], "8000009")
        log = self.env["isp.call.log"].browse(result["log_id"])
        self.assertEqual(log.caller_id_used, "Private")
        foreign = self.env["isp.telephony.agent.caller.id"].create(
            {"agent_id": self.other_agent.id, "name": "x", "value": "8000002"}
        )
        with self.assertRaises(UserError):
            self.dial(caller_id=foreign.id)

    def test_refused_request_is_logged_as_failed(self):
        self.server(password="another")
        result = self.dial()
        self.assertFalse(result["ok"])
        self.assertIn("refused the credentials", result["message"])
        log = self.env["isp.call.log"].browse(result["log_id"])
        self.assertEqual(log.state, "failed")
        self.assertIn("refused", log.error)
        self.assertNotIn("s3cret", log.error)
        # A failed call does not block the next one.
        self.assertFalse(self.dial()["ok"])
        self.assertNoSecretLogged("s3cret")

    def test_only_telephony_users_dial(self):
        self.server()
        plain = new_test_user(self.env, login="plain_user", groups="base.group_user")
        with self.assertRaises(AccessError):
            self.dial(user=plain)

    def test_user_without_endpoint_and_bad_number(self):
        self.server()
        lonely = new_test_user(
            self.env,
            login="lonely_agent",
            groups="base.group_user,isp_telephony.group_telephony_user",
        )
        with self.assertRaisesRegex(UserError, "no telephony endpoint"):
            self.dial(user=lonely)
        with self.assertRaisesRegex(UserError, "not a phone number"):
            self.dial("abc")


@tagged("post_install", "-at_install")
class TestAsteriskDial(DialCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.setup_calls(
            cls.env,
            gateway="asterisk",
            api_user="odoo",
            api_password=AMI_SECRET,
            access_host="127.0.0.1",
            dial_prefix="0",
            api_timeout=1.0,
        )
        cls.agent.caller_id_ids = [
            (0, 0, {"name": "Support", "value": '"Support" <3133334444>'})
        ]

    def server(self, **kwargs):
        kwargs.setdefault("users", {"odoo": AMI_SECRET})
        kwargs.setdefault("channels", {"PJSIP/1001"})
        server = AmiServer(**kwargs).start()
        self.addCleanup(server.stop)
        self.calls_integration.access_port = server.port
        return server

    def test_originate_with_exact_headers(self):
        server = self.server()
        result = self.dial(
            "+55 11 3456-7890", res_model="res.partner", res_id=self.partner_one.id
        )
        self.assertTrue(result["ok"], result)
        self.assertEqual(
            [a["Action"] for a in server.actions], ["Login", "Originate", "Logoff"]
        )
        self.assertEqual(server.actions[0]["Username"], "odoo")
        originate = dict(server.actions[1])
        self.assertTrue(originate.pop("ActionID").startswith("isp-"))
        self.assertEqual(
            originate,
            {
                "Action": "Originate",
                "Channel": "PJSIP/1001",
                "Context": "from-internal",
                # outside-line prefix 0, then 0 + DDD for another area code
                "Exten": "001134567890",
                "Priority": "1",
                "Timeout": "30000",
                "Async": "true",
                "CallerID": '"Support" <3133334444>',
                "Variable": f"ISP_CALL_LOG_ID={result['log_id']}",
            },
        )
        log = self.env["isp.call.log"].browse(result["log_id"])
        self.assertEqual(log.state, "requested")
        self.assertNoSecretLogged(AMI_SECRET)

    def test_local_number_and_agent_context(self):
        server = self.server()
        self.agent.context = "agents-out"
        self.assertTrue(self.dial("(31) 3500-1000")["ok"])
        originate = server.actions_named("Originate")[0]
        self.assertEqual(originate["Exten"], "035001000")
        self.assertEqual(originate["Context"], "agents-out")

    def test_authentication_failure_is_a_clear_message(self):
        self.server(users={"odoo": "other-secret"})
        result = self.dial()
        self.assertFalse(result["ok"])
        self.assertIn("refused the AMI login for user odoo", result["message"])
        self.assertEqual(
            self.env["isp.call.log"].browse(result["log_id"]).state, "failed"
        )
        self.assertNoSecretLogged(AMI_SECRET)

    def test_unknown_channel(self):
        self.server(channels={"PJSIP/2002"})
        result = self.dial()
        self.assertFalse(result["ok"])
        self.assertIn("could not place the call from PJSIP/1001", result["message"])
        self.assertIn("Originate failed", result["message"])

    def test_timeout(self):
        self.server(silent=True)
        result = self.dial()
        self.assertFalse(result["ok"])
        self.assertIn("did not answer", result["message"])

    def test_unreachable(self):
        self.calls_integration.access_port = 9
        result = self.dial()
        self.assertFalse(result["ok"])
        self.assertIn("Cannot connect to Asterisk AMI", result["message"])

    def test_channel_variable_links_the_events(self):
        self.server()
        result = self.dial()
        event = self.event(
            direction="out",
            caller="1001",
            called="035001000",
            endpoint="PJSIP/1001",
            call_id="1714644000.12",
            raw={"variables": {"ISP_CALL_LOG_ID": str(result["log_id"])}},
        )
        log = (
            self.env["isp.call.log"]
            .sudo()
            ._handle_call_event(self.calls_integration, event)
        )
        self.assertEqual(log.id, result["log_id"])
        self.assertEqual(log.call_id, "1714644000.12")
        self.assertEqual(log.partner_id, self.partner_one)
