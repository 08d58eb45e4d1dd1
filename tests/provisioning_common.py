# Copyright 2026 isp_telephony authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Odoo tests against the loopback Summit server: the test integration points
at it, its catalogs come from it (catalog sync), and a range of area 31 and a
customer contract are ready for lines."""

from urllib.parse import urlsplit

from odoo.tests.common import _super_send

from .common import TelephonyCase
from .jobs_common import JobsMixin
from .loopback.summit_server import SummitServer


class SummitPlatformCase(JobsMixin, TelephonyCase):
    """The test integration on the loopback Summit server, its catalogs
    synchronised and a Default cost centre; the server forgets its requests
    before each test."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.server = SummitServer(username="isp", password="s3cret-pass").start()
        cls.addClassCleanup(cls.server.stop)
        port = int(cls.server.base_url.rsplit(":", 1)[1])
        cls.integration.write({"summit_api_port": port, "api_timeout": 2.0})
        cls.integration.action_sync_catalogs()
        cls.cost_center = cls.env["isp.summit.cost.center"].create(
            {"code": "Default", "integration_id": cls.integration.id}
        )

    @classmethod
    def _request_handler(cls, s, r, /, **kw):
        """Odoo's test harness raises every timeout under 10 s to 10 s; the
        timeout tests need the integration's own, and only ever talk to the
        loopback server."""
        if urlsplit(r.url).hostname == "127.0.0.1":
            return _super_send(s, r, **kw)
        return super()._request_handler(s, r, **kw)

    def setUp(self):
        super().setUp()
        self.server.reset()

    @classmethod
    def catalog(cls, model, code):
        """The catalog record of the test integration with ``code``."""
        return cls.catalog_of(cls.integration, model, code)

    @staticmethod
    def catalog_of(integration, model, code):
        field = "code"
        return integration.env[model].search(
            [("integration_id", "=", integration.id), (field, "=", code)]
        )


class SummitLoopbackCase(SummitPlatformCase):
    """Plus a range of area 31 and a customer contract ready for lines."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.range = cls.make_range(first="35000000", last="35000199", area="31")
        cls.partner = cls.env["res.partner"].create(
            {"name": "Padaria Teste", "city": "Belo Horizonte"}
        )
        cls.contract = cls.make_contract(cls.partner)

    def catalog(self, model, code):
        """Of ``self.integration``, which a test may point at another."""
        return self.catalog_of(self.integration, model, code)

    @classmethod
    def make_contract(cls, partner, name="Internet + Telefone"):
        return cls.env["contract.contract"].create(
            {"name": name, "partner_id": partner.id}
        )

    def line_vals(self, number, contract=None, **extra):
        vals = {
            "contract_id": (contract or self.contract).id,
            "integration_id": self.integration.id,
            "caller_id_number_id": self.number(number).id,
            "partition_id": self.catalog("isp.summit.partition", "SP01").id,
            "category_id": self.catalog("isp.summit.category", "DEF").id,
            "platform_plan_id": self.catalog("isp.summit.plan", "RES100").id,
            "licence_id": self.catalog("isp.summit.licence", "RES").id,
            "cost_center_id": self.cost_center.id,
            "due_day": 10,
            "call_limit": 2,
        }
        vals.update(extra)
        return vals

    def make_line(self, number="+553135000001", **extra):
        return self.env["isp.sip.line"].create(self.line_vals(number, **extra))

    def server_requests(self, method=None):
        return [r for r in self.server.requests if not method or r.method == method]
