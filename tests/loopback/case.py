# Copyright 2026 isp_telephony authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The base of database-free tests that talk to the loopback servers."""

from urllib.parse import urlsplit

from odoo.tests import BaseCase
from odoo.tests.common import _super_send


class LoopbackCase(BaseCase):
    """Odoo's BaseCase (so Odoo's own runner finds the tests) that lets
    requests to the loopback servers keep the client's own timeout: Odoo
    raises every timeout under 10 s to 10 s, and these tests are about
    timeouts. Any other address stays refused, as in every Odoo test."""

    @classmethod
    def _request_handler(cls, s, r, /, **kw):
        if urlsplit(r.url).hostname in ("127.0.0.1", "localhost", "::1"):
            return _super_send(s, r, **kw)
        return super()._request_handler(s, r, **kw)
