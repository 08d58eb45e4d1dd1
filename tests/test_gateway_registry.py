# Copyright 2026 isp_telephony authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""One gateway interface: the four platforms are registered adapters that
declare what they can do, a platform asked for what it does not offer
refuses before anything is sent, and a fifth platform is one new adapter:
the integration offers it and the models use it with no other change."""

from odoo.exceptions import UserError
from odoo.tests import BaseCase

from ..gateways import asterisk, base, callmyway, sandbox, summit
from ..gateways.base import (
    CALL_EVENTS,
    CATALOGS,
    CDR_FETCH,
    CLICK_TO_DIAL,
    EVENTS_LISTENER,
    EVENTS_WEBHOOK,
    PROVISIONING,
    DialRequest,
    GatewayConfig,
    LineSpec,
    UnsupportedError,
)
from .jobs_common import trap_jobs
from .provisioning_common import SummitLoopbackCase

FAKE = "test_fifth_platform"


class FifthPlatform(sandbox.SandboxGateway):
    """A platform written for the test: it provisions (the sandbox's way)
    and places calls, nothing else."""

    label = "Fifth Platform"
    capabilities = frozenset({PROVISIONING, CATALOGS, CLICK_TO_DIAL})

    def check_connection(self):
        return "Fifth platform answered."

    def place_call(self, request):
        return "queued"


def register_fifth_platform(add_cleanup):
    base.register(FAKE)(FifthPlatform)
    add_cleanup(base.unregister, FAKE)


class TestGatewayRegistry(BaseCase):
    def test_the_four_platforms_are_registered_adapters(self):
        self.assertIs(base.gateway_class("summit"), summit.SummitGateway)
        self.assertIs(base.gateway_class("callmyway"), callmyway.CallMyWayGateway)
        self.assertIs(base.gateway_class("asterisk"), asterisk.AsteriskGateway)
        self.assertIs(base.gateway_class("sandbox"), sandbox.SandboxGateway)
        self.assertEqual(
            [code for code, _label in base.choices()][:4],
            ["summit", "callmyway", "asterisk", "sandbox"],
        )

    def test_capabilities_are_declared(self):
        self.assertEqual(sorted(base.codes_with(PROVISIONING)), ["sandbox", "summit"])
        self.assertEqual(sorted(base.codes_with(CATALOGS)), ["sandbox", "summit"])
        self.assertEqual(
            sorted(base.codes_with(CLICK_TO_DIAL)), ["asterisk", "callmyway"]
        )
        self.assertEqual(base.codes_with(CDR_FETCH), ["callmyway"])
        self.assertEqual(base.codes_with(CALL_EVENTS, EVENTS_WEBHOOK), ["callmyway"])
        self.assertEqual(base.codes_with(CALL_EVENTS, EVENTS_LISTENER), ["asterisk"])
        self.assertEqual(
            summit.SummitGateway.default_cdr_layout,
            "isp_telephony.cdr_layout_summit_csv",
        )
        self.assertIsNone(callmyway.CallMyWayGateway.default_cdr_layout)

    def test_an_adapter_declares_only_known_capabilities(self):
        class Confused(base.Gateway):
            capabilities = frozenset({"teleportation"})

        with self.assertRaises(ValueError):
            base.register("confused")(Confused)
        self.assertNotIn("confused", base.GATEWAYS)

    def test_what_a_platform_does_not_offer_is_refused_before_sending(self):
        # Port 9 of the loopback: any request sent would fail with a
        # connection error, not with the refusal asserted here.
        config = GatewayConfig(base_url="http://127.0.0.1:9", username="u")
        with callmyway.CallMyWayGateway(config) as gateway:
            with self.assertRaisesRegex(
                UnsupportedError, "does not offer provisioning"
            ):
                gateway.activate_line(LineSpec(key="k", caller_id="+551134567890"))
            with self.assertRaisesRegex(UnsupportedError, "does not offer catalogs"):
                gateway.list_catalogs()
        with summit.SummitGateway(config) as gateway:
            with self.assertRaisesRegex(UnsupportedError, "click to dial"):
                gateway.place_call(DialRequest(endpoint="1001", number="+5511"))
            with self.assertRaises(UnsupportedError):
                gateway.fetch_cdrs(recent=True)

    def test_a_fifth_platform_is_one_registration(self):
        register_fifth_platform(self.addCleanup)
        self.assertIn((FAKE, "Fifth Platform"), base.choices())
        self.assertIn(FAKE, base.codes_with(PROVISIONING))
        self.assertIn(FAKE, base.codes_with(CLICK_TO_DIAL))
        self.assertNotIn(FAKE, base.codes_with(CDR_FETCH))


class TestGatewayCapabilitiesInOdoo(SummitLoopbackCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        register_fifth_platform(cls.addClassCleanup)
        cls.callmyway = cls.env["isp.telephony.integration"].create(
            {
                "name": "CallMyWay test",
                "gateway": "callmyway",
                "access_host": "http://127.0.0.1:9",
                "api_user": "8000001",
            }
        )

    def test_activating_on_a_platform_that_cannot_provision_says_so(self):
        line = self.make_line(
            "+553135000090",
            integration_id=self.callmyway.id,
            partition_id=False,
            category_id=False,
            platform_plan_id=False,
            licence_id=False,
            cost_center_id=False,
        )
        self.assertFalse(self.callmyway.can_provision)
        with (
            trap_jobs() as trap,
            self.assertRaisesRegex(
                UserError, "cannot be activated from Odoo.*does not create lines"
            ),
        ):
            line.action_activate()
        trap.assert_jobs_count(0)
        self.assertFalse(self.server.requests)
        self.assertEqual(line.state, "draft")

    def test_the_form_shows_what_the_platform_offers(self):
        self.assertTrue(self.integration.can_provision)
        self.assertTrue(self.integration.can_sync_catalogs)
        self.assertFalse(self.integration.can_click_to_dial)
        self.assertFalse(self.integration.call_event_source)
        self.assertTrue(self.callmyway.can_click_to_dial)
        self.assertTrue(self.callmyway.can_fetch_cdrs)
        self.assertEqual(self.callmyway.call_event_source, "webhook")
        with self.assertRaisesRegex(UserError, "no catalogs"):
            self.callmyway.action_sync_catalogs()

    def test_a_fifth_platform_is_offered_and_used(self):
        Integration = self.env["isp.telephony.integration"]
        labels = dict(Integration.fields_get(["gateway"])["gateway"]["selection"])
        self.assertEqual(labels[FAKE], "Fifth Platform")
        fifth = Integration.create({"name": "Fifth", "gateway": FAKE})
        self.assertTrue(fifth.can_provision and fifth.can_click_to_dial)
        self.assertFalse(fifth.can_fetch_cdrs)
        self.assertEqual(fifth._check_connection(), "Fifth platform answered.")
        # Catalogs, activation and the default integration of a new line,
        # all through the adapter.
        fifth.action_sync_catalogs()
        self.integration = fifth
        self.cost_center = self.env["isp.summit.cost.center"].create(
            {"code": "Default", "integration_id": fifth.id}
        )
        line = self.make_line("+553135000091")
        line.action_activate()
        self.run_jobs()
        self.assertEqual(line.state, "active")
        self.assertTrue(line.terminal.startswith("SBX-"))
