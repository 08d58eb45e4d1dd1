# Copyright 2026 isp_telephony authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The main screens in Portuguese (Brazil): a pt_BR user walks the SIP
lines, a line's form, the VoIP integrations, the number ranges and the calls
(static/tests/tours/isp_telephony_pt_br_tour.js), and sees the seeds'
vocabulary, from i18n/pt_BR.po."""

import re

from odoo.tests import HttpCase, tagged


@tagged("post_install", "-at_install")
class TestPortugueseTour(HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["res.lang"]._activate_lang("pt_BR")
        cls.env["ir.module.module"]._load_module_terms(
            ["isp_telephony"], ["pt_BR"], overwrite=True
        )
        cls.env.ref("base.user_admin").lang = "pt_BR"

    def _warm_up_assets(self):
        """Build the web client's bundles before the browser asks for them:
        on a busy machine their first build outlasts the browser's page
        load timeout."""
        self.authenticate("admin", "admin")
        page = self.url_open("/odoo", timeout=300).text
        for url in sorted(set(re.findall(r"/web/assets/[^\"']+", page))):
            self.url_open(url, timeout=300)
        self.logout()

    def test_main_screens_in_portuguese(self):
        self._warm_up_assets()
        self.start_tour(
            "/odoo/action-isp_telephony.action_isp_sip_line",
            "isp_telephony_pt_br",
            login="admin",
        )
