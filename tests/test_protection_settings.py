# Copyright 2026 isp_telephony authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Issue 11 point 6: settings that turn protection off are bounded or
visible: the platform timeout, TLS off on the integration form, and the
master password and database list of the configuration scripts write."""

import configparser
import os
import shutil
import subprocess
import sys
import tempfile

from lxml import etree

from odoo.exceptions import ValidationError
from odoo.tests import BaseCase

from ..tools import cdr_folder
from .common import TelephonyCase

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


class TestIntegrationProtection(TelephonyCase):
    def test_api_timeout_is_bounded(self):
        for value in (0, 0.5, 121, 3600, -1):
            with self.subTest(value=value), self.assertRaises(ValidationError):
                self.integration.api_timeout = value
        for value in (1, 10, 120):
            self.integration.api_timeout = value
            self.assertEqual(self.integration._gateway_config().timeout, value)

    def test_tls_off_is_shown_on_the_form_and_searchable(self):
        views = self.env["isp.telephony.integration"].get_views(
            [(False, "form"), (False, "search")]
        )
        form = etree.fromstring(views["views"]["form"]["arch"])
        (warning,) = form.xpath("//div[@name='tls_off_warning']")
        self.assertIn("api_use_tls", warning.get("invisible"))
        self.assertIn("clear text", "".join(warning.itertext()))
        search = etree.fromstring(views["views"]["search"]["arch"])
        self.assertTrue(search.xpath("//filter[@name='tls_off']"))
        self.integration.api_use_tls = False
        found = self.env["isp.telephony.integration"].search(
            [("api_use_tls", "=", False), ("gateway", "!=", "sandbox")]
        )
        self.assertIn(self.integration, found)


class TestScriptConfiguration(BaseCase):
    """scripts/common.sh writes the configuration run.sh and test.sh use."""

    def setUp(self):
        super().setUp()
        self.work = tempfile.mkdtemp(prefix="isp_conf_test_")
        self.addCleanup(shutil.rmtree, self.work, True)

    def write_config(self, *args):
        env = {k: v for k, v in os.environ.items() if k != "ISP_MASTER_PASSWORD"}
        env.update(ISP_WORK_DIR=self.work, ISP_PYTHON=sys.executable)
        conf = os.path.join(self.work, "odoo.conf")
        quoted = " ".join(f"'{a}'" for a in args)
        done = subprocess.run(
            [
                "bash",
                "-c",
                f". '{REPO}/scripts/common.sh' && write_config '{conf}' {quoted}",
            ],
            env=env,
            capture_output=True,
            text=True,
            check=True,
            timeout=60,
        )
        parser = configparser.ConfigParser(interpolation=None)
        parser.read(conf)
        return parser["options"], done.stderr, conf

    def test_random_master_password_kept_and_shown_once(self):
        options, said, conf = self.write_config("18199", "isp_demo")
        password = options["admin_passwd"]
        self.assertNotEqual(password, "admin")
        self.assertGreaterEqual(len(password), 24)
        self.assertIn(password, said)  # shown when generated
        kept = os.path.join(self.work, "master_password")
        self.assertEqual(os.stat(kept).st_mode & 0o777, 0o600)
        self.assertEqual(os.stat(conf).st_mode & 0o777, 0o600)
        again, said_again, _conf = self.write_config("18199", "isp_demo")
        self.assertEqual(again["admin_passwd"], password)  # kept
        self.assertNotIn(password, said_again)  # shown once only

    def test_database_list_and_cdr_root(self):
        options, _said, _conf = self.write_config("18199", "isp_demo")
        self.assertEqual(options["dbfilter"], "^isp_demo$")
        root = options[cdr_folder.ROOT_OPTION]
        self.assertEqual(root, os.path.join(self.work, "cdr"))
        self.assertTrue(os.path.isdir(root))
        # test.sh and bench.sh: no demo database to restrict the list to.
        options, _said, _conf = self.write_config("18199")
        self.assertNotIn("dbfilter", options)
