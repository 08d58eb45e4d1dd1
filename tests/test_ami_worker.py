# Copyright 2026 isp_telephony authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import os
import signal
import subprocess
import sys
import threading
import time

import odoo
from odoo.tests import HttpCase, tagged

from ..cli.isp_telephony_ami import AmiWorker
from .call_common import CallSetupMixin
from .loopback.ami_server import AmiServer

AMI_SECRET = "ami-Worker-Secret"


def channel_event(name, channel, uniqueid, linkedid, **headers):
    return {
        "Event": name,
        "Channel": channel,
        "Uniqueid": uniqueid,
        "Linkedid": linkedid,
        **headers,
    }


def inbound_call(call, caller="3135001000", agent="PJSIP/1001"):
    trunk, leg = f"PJSIP/trunk-{call}", f"{agent}-{call}"
    first, second = f"{call}.1", f"{call}.2"
    return [
        channel_event(
            "Newchannel",
            trunk,
            first,
            first,
            Context="from-trunk",
            Exten="553130001000",
            CallerIDNum=caller,
        ),
        channel_event(
            "Newchannel", leg, second, first, Context="from-internal", Exten="s"
        ),
        channel_event(
            "DialBegin",
            trunk,
            first,
            first,
            DestChannel=leg,
            DestUniqueid=second,
            DialString="1001",
        ),
        channel_event("Newstate", leg, second, first, ChannelState="6"),
        channel_event("Hangup", leg, second, first),
        channel_event("Hangup", trunk, first, first),
    ]


@tagged("post_install", "-at_install")
class TestAmiWorker(CallSetupMixin, HttpCase):
    """The CLI command's engine against the loopback AMI server: AMI events
    become call logs and call-panel notifications, through a dropped
    connection. HttpCase puts the registry in test mode, so the worker's own
    transactions stay inside the test."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.setup_calls(
            cls.env,
            gateway="asterisk",
            api_user="odoo",
            api_password=AMI_SECRET,
            access_host="127.0.0.1",
            api_timeout=2.0,
        )

    def setUp(self):
        super().setUp()
        self.ami = AmiServer(users={"odoo": AMI_SECRET}).start()
        self.addCleanup(self.ami.stop)
        self.calls_integration.access_port = self.ami.port
        self.env.flush_all()
        # One look at the integrations when the worker starts; the test's
        # own thread must not share the database connection with it meanwhile.
        self.worker = AmiWorker(
            self.env.cr.dbname,
            refresh_interval=300,
            backoff_initial=0.1,
            ping_interval=1,
        )
        self.handled = []
        handle = self.worker.handle

        def recording_handle(integration_id, event):
            handle(integration_id, event)
            self.handled.append(event.action)

        self.worker.handle = recording_handle
        self.thread = threading.Thread(target=self.worker.run, daemon=True)
        self.thread.start()
        self.addCleanup(self.stop_worker)

    def stop_worker(self):
        self.worker.stop()
        self.thread.join(10)

    def wait(self, predicate, what):
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if predicate():
                return
            time.sleep(0.02)
        self.fail(f"timed out waiting for {what}")

    def push(self, events, count):
        before = len(self.handled)
        for event in events:
            self.ami.push_event(event)
        self.wait(lambda: len(self.handled) >= before + count, f"{count} call events")

    def test_events_to_call_log_and_panel_with_reconnect(self):
        self.wait(lambda: self.ami.listeners() == 1, "the worker's login")
        self.assertEqual(self.ami.actions_named("Login")[0]["Events"], "on")
        self.push(inbound_call("a1"), 3)
        self.assertEqual(self.handled, ["start", "answer", "end"])
        log = self.env["isp.call.log"].sudo().search([("call_id", "=", "a1.1")])
        self.assertEqual(log.direction, "in")
        self.assertEqual(log.partner_id, self.partner_one)
        self.assertEqual(log.user_id, self.agent_user)
        self.assertEqual(log.source, "ami")
        self.assertEqual(log.state, "ended")
        payloads = self.bus_messages(self.agent_user.partner_id)
        self.assertEqual([p["action"] for p in payloads], ["start", "answer", "end"])
        self.assertEqual(payloads[0]["mode"], "linked")
        self.assertEqual(self.bus_messages(self.other_user.partner_id), [])

        # Asterisk restarts: the worker logs in again and events flow again.
        self.ami.drop_connections()
        self.wait(
            lambda: self.ami.logins >= 2 and self.ami.listeners() == 1, "a reconnect"
        )
        self.push(inbound_call("b2", caller="anonymous"), 3)
        log = self.env["isp.call.log"].sudo().search([("call_id", "=", "b2.1")])
        self.assertTrue(log.withheld)

    def test_archived_integration_is_dropped_and_stop_logs_off(self):
        self.wait(lambda: self.ami.listeners() == 1, "the worker's login")
        self.calls_integration.active = False
        self.env.flush_all()
        self.worker.sync()  # what the worker does every --refresh seconds
        self.wait(lambda: self.ami.listeners() == 0, "the listener to stop")
        self.assertTrue(self.ami.actions_named("Logoff"))
        self.stop_worker()
        self.assertFalse(self.thread.is_alive())
        self.assertEqual(self.worker.listeners, {})


@tagged("post_install", "-at_install")
class TestAmiCommand(HttpCase):
    def test_command_runs_and_stops_on_sigterm(self):
        """The shipped CLI command starts on the test database (committed
        state: no Asterisk integration) and exits 0 on SIGTERM."""
        config = odoo.tools.config
        code = "from odoo.cli.command import main; main()"
        args = [
            sys.executable,
            "-c",
            code,
            f"--addons-path={config['addons_path']}",
            "isp_telephony_ami",
            "-d",
            self.env.cr.dbname,
            "--refresh",
            "0.5",
            "--log-level=info",
        ]
        if config.rcfile and os.path.exists(config.rcfile):
            args[5:5] = ["-c", config.rcfile]
        process = subprocess.Popen(
            args, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
        )
        try:
            lines = []
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline:
                line = process.stdout.readline()
                if not line:
                    break
                lines.append(line)
                if "isp_telephony_ami started" in line:
                    break
            self.assertIn("isp_telephony_ami started", "".join(lines))
            process.send_signal(signal.SIGTERM)
            rest, _ = process.communicate(timeout=30)
        finally:
            if process.poll() is None:
                process.kill()
        self.assertEqual(process.returncode, 0, "".join(lines) + rest)
        self.assertIn("worker stopped", rest)
