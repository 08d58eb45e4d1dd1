# Copyright 2026 isp_telephony authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import logging
import os
from datetime import datetime, time, timedelta, timezone
from time import monotonic as time_monotonic
from unittest.mock import patch
from zoneinfo import ZoneInfo

from odoo.tests import HttpCase, tagged

from ..gateways.callmyway import LIMITER
from .call_common import CallSetupMixin, cmw_body
from .loopback.callmyway_server import CallMyWayServer

_logger = logging.getLogger(__name__)

# Shared with static/tests/tours/isp_telephony_tours.js.
TOUR_SECRET = "tour-secret-123"


@tagged("post_install", "-at_install")
class TestAgentTours(CallSetupMixin, HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.setup_calls(cls.env, name="Tour CallMyWay", webhook_secret=TOUR_SECRET)

    def test_click_to_dial_from_a_contact(self):
        LIMITER.reset()
        server = CallMyWayServer().start()
        self.addCleanup(server.stop)
        self.calls_integration.access_host = server.url
        self.start_tour(
            f"/odoo/res.partner/{self.partner_one.id}",
            "isp_telephony_click_to_dial",
            login=self.agent_user.login,
        )
        self.assertEqual(len(server.requests), 1)
        self.assertEqual(server.requests[0].params["second_num"], "553135001000")
        self.assertEqual(server.requests[0].params["first_num"], "8000001")
        log = self.env["isp.call.log"].search([("agent_id", "=", self.agent.id)])
        self.assertEqual(log.state, "requested")
        self.assertEqual(log.partner_id, self.partner_one)

    def test_webhook_call_opens_the_panel_and_the_outcome_is_saved(self):
        self.start_tour(
            "/odoo", "isp_telephony_call_panel", login=self.agent_user.login
        )
        log = self.env["isp.call.log"].search([("call_id", "=", "tour-call-1")])
        self.assertEqual(log.partner_id, self.partner_one)
        self.assertEqual(
            log.outcome_id, self.env.ref("isp_telephony.call_outcome_resolved")
        )
        self.assertEqual(log.notes, "Asked about the invoice")
        self.assertTrue(log.documented)

    def _post_cmw(self, action, callid, ani, when):
        body = cmw_body(
            action,
            callid=callid,
            ani=ani,
            detect_time=when,
            connect_time=when if action == "callEnd" else "1970-01-01 00:00:00",
            disconnect_time=when if action == "callEnd" else "",
            duration="12" if action == "callEnd" else "0",
        )
        response = self.url_open(
            f"/isp_telephony/webhook/{self.calls_integration.id}?token={TOUR_SECRET}",
            data=body,
            headers={"Content-Type": "application/json"},
        )
        self.assertEqual(response.json(), {"ack": "ok"})

    def test_burst_of_events_keeps_the_panel_calm(self):
        """250 calls start and end through the webhook (500 events), then
        the customer calls; in the browser 500 more notifications flood the
        panel: the ringing call stays on top and is answered, the ended
        calls collapse and one click clears them."""
        when = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M:%S")
        started = time_monotonic()
        first_bus_id = self.env["bus.bus"]._bus_last_id()
        for i in range(250):
            ani = f"5531350{20000 + i:05d}"
            self._post_cmw("callStart", f"burst-{i}", ani, when)
            self._post_cmw("callEnd", f"burst-{i}", ani, when)
            if i == 124:
                half_bus_id = self.env["bus.bus"]._bus_last_id()
        _logger.info("500 webhook events in %.1f s", time_monotonic() - started)
        # A burst longer than the bus's replay window (bus.bus replays the
        # notifications of the last 50 s to a page that connects), as under
        # load: the first half of the burst's notifications are a minute
        # old, so the page gets only the second half from the bus and must
        # count the older ended calls from the server's answer.
        self.env.cr.execute(
            "UPDATE bus_bus SET create_date = create_date - interval '60 seconds'"
            " WHERE id > %s AND id <= %s",
            (first_bus_id, half_bus_id),
        )
        self._post_cmw("callStart", "burst-live", "553135001000", when)
        self.start_tour(
            "/odoo", "isp_telephony_call_panel_burst", login=self.agent_user.login
        )
        Log = self.env["isp.call.log"]
        burst = Log.search(
            [("call_id", "=like", "burst-%"), ("call_id", "!=", "burst-live")]
        )
        self.assertEqual(len(burst), 250)
        self.assertEqual(set(burst.mapped("state")), {"ended"})
        # Cleared from the panel, still in the Call Log as not documented.
        self.assertTrue(all(burst.mapped("panel_closed")))
        self.assertFalse(any(burst.mapped("documented")))
        live = Log.search([("call_id", "=", "burst-live")])
        self.assertEqual(live.partner_id, self.partner_one)
        self.assertTrue(live.documented)
        self.assertEqual(live.notes, "Called during the storm")


@tagged("post_install", "-at_install")
class TestCallListTours(HttpCase):
    """The Calls list's date filters, evaluated by the browser, start at
    midnight in the browser's time zone (the one the list shows times in),
    not at midnight UTC."""

    def test_today_starts_at_local_midnight(self):
        zone = ZoneInfo("America/Sao_Paulo")
        local_midnight = datetime.combine(
            datetime.now(zone).date(), time(0, 0), tzinfo=zone
        )
        start = local_midnight.astimezone(timezone.utc).replace(tzinfo=None)
        integration = self.env["isp.telephony.integration"].create(
            {"name": "Tour calls", "gateway": "sandbox"}
        )
        now = datetime.now(timezone.utc).replace(tzinfo=None, microsecond=0)
        for call_id, ani, when in (
            ("tour-today", "+5531999000111", max(start, now - timedelta(minutes=1))),
            # 22:30 yesterday in São Paulo: today already in UTC.
            ("tour-late", "+5531999000222", start - timedelta(minutes=30)),
        ):
            self.env["isp.cdr"].create(
                {
                    "integration_id": integration.id,
                    "company_id": integration.company_id.id,
                    "call_id": call_id,
                    "direction": "out",
                    "ani_e164": ani,
                    "detect_time": when,
                    "connect_time": when,
                    "disposition": "answered",
                }
            )
        # The web client reads "today" in the browser's time zone: the
        # browser this class starts runs in São Paulo's.
        with patch.dict(os.environ, {"TZ": "America/Sao_Paulo"}):
            self.start_tour(
                "/odoo/action-isp_telephony.action_isp_cdr",
                "isp_telephony_cdr_today",
                login="admin",
            )
