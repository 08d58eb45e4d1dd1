# Copyright 2026 isp_telephony authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""``odoo-bin --addons-path=... isp_telephony_ami -c odoo.conf -d DB``

Keeps one AMI event connection per active Asterisk integration of the
database (reconnecting with backoff), turns each call's channel events into
call start / answer / end, stores them in the call log and opens the call
panel of the agent, exactly as the CallMyWay webhook does. Integrations
added, changed or archived are picked up every ``--refresh`` seconds.
SIGTERM or SIGINT logs off and exits 0.
"""

import logging
import signal
import sys
import threading
from pathlib import Path

import odoo
from odoo import SUPERUSER_ID, api
from odoo.cli.command import Command
from odoo.exceptions import UserError
from odoo.tools import config

from ..gateways import base as gateway_base
from ..gateways.ami import AmiListener
from ..gateways.ami_events import AmiEventTranslator

_logger = logging.getLogger(__name__)

# Seconds between two looks for added, changed or archived integrations.
REFRESH_INTERVAL = 60


class AmiWorker:
    """The command's engine, usable without the command (tests)."""

    def __init__(
        self,
        dbname,
        refresh_interval=REFRESH_INTERVAL,
        backoff_initial=1,
        backoff_max=60,
        ping_interval=30,
    ):
        self.dbname = dbname
        self.refresh_interval = refresh_interval
        self.backoff_initial = backoff_initial
        self.backoff_max = backoff_max
        self.ping_interval = ping_interval
        self.listeners = {}  # integration id -> (config, contexts, AmiListener)
        self._stopping = threading.Event()
        self.registry = odoo.modules.registry.Registry(dbname)

    # Integrations --------------------------------------------------------
    def _wanted(self):
        wanted = {}
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            # The platforms whose calls Odoo listens to (AMI), as declared.
            listened = gateway_base.codes_with(
                gateway_base.CALL_EVENTS, gateway_base.EVENTS_LISTENER
            )
            integrations = env["isp.telephony.integration"].search(
                [("gateway", "in", listened), ("active", "=", True)]
            )
            for integration in integrations:
                try:
                    wanted[integration.id] = (
                        integration._ami_config(),
                        integration._ami_incoming_contexts(),
                    )
                except UserError as exc:
                    _logger.warning(
                        "Integration %s is not followed: %s",
                        integration.id,
                        exc.args[0],
                    )
        return wanted

    def sync(self):
        """Start, restart or stop listeners to match the integrations."""
        wanted = self._wanted()
        for integration_id in list(self.listeners):
            config, contexts, listener = self.listeners[integration_id]
            if wanted.get(integration_id) != (config, contexts):
                listener.stop()
                del self.listeners[integration_id]
                _logger.info("AMI: stopped following integration %s.", integration_id)
        for integration_id, (config, contexts) in wanted.items():
            if integration_id in self.listeners:
                continue
            listener = AmiListener(
                config,
                on_event=lambda event, iid=integration_id: self.handle(iid, event),
                translator=AmiEventTranslator(incoming_contexts=contexts),
                backoff_initial=self.backoff_initial,
                backoff_max=self.backoff_max,
                ping_interval=self.ping_interval,
            ).start()
            self.listeners[integration_id] = (config, contexts, listener)
            _logger.info(
                "AMI: following integration %s at %s.", integration_id, config.where
            )

    def handle(self, integration_id, event):
        """One call event, in its own transaction."""
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            integration = env["isp.telephony.integration"].browse(integration_id)
            env["isp.call.log"]._handle_call_event(integration, event)

    # Control ----------------------------------------------------------------
    def run(self):
        """Follow the integrations until :meth:`stop`."""
        try:
            while not self._stopping.is_set():
                try:
                    self.sync()
                except Exception:  # pylint: disable=broad-except
                    _logger.exception("AMI: cannot read the integrations")
                self._stopping.wait(self.refresh_interval)
        finally:
            self.close()

    def stop(self, *_args):
        self._stopping.set()

    def close(self):
        for _config, _contexts, listener in self.listeners.values():
            listener.stop()
        self.listeners.clear()
        _logger.info("AMI: worker stopped.")


class IspTelephonyAmi(Command):
    """Follow Asterisk calls over AMI for isp_telephony's call panel and log"""

    name = "isp_telephony_ami"

    def run(self, args):
        config.parser.prog = f"{Path(sys.argv[0]).name} {self.name}"
        refresh = REFRESH_INTERVAL
        if "--refresh" in args:
            index = args.index("--refresh")
            refresh = float(args[index + 1])
            args = args[:index] + args[index + 2 :]
        config.parse_config(args, setup_logging=True)
        dbname = (config["db_name"] or "").split(",")[0]
        if not dbname:
            sys.exit("isp_telephony_ami: give the database with -d.")
        worker = AmiWorker(dbname, refresh_interval=refresh)
        signal.signal(signal.SIGTERM, worker.stop)
        signal.signal(signal.SIGINT, worker.stop)
        _logger.info("isp_telephony_ami started on database %s.", dbname)
        worker.run()
