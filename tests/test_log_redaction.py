# Copyright 2026 isp_telephony authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Secrets in query strings (the webhook's token, CallMyWay's password) are
masked in every log line and error message, by one filter."""

import logging

from odoo.tests import BaseCase

from ..gateways.callmyway import redact_url
from ..tools import log_redaction


class TestRedaction(BaseCase):
    def test_token_redaction(self):
        line = '127.0.0.1 "POST /isp_telephony/webhook/3?token=abcDEF-123 HTTP/1.1" 200'
        redacted = log_redaction.redact(line)
        self.assertNotIn("abcDEF", redacted)
        self.assertIn("token=***", redacted)
        self.assertEqual(log_redaction.redact("a=1&token=x&b=2"), "a=1&token=***&b=2")

    def test_redact_url(self):
        self.assertEqual(
            redact_url("https://x/p?username=u&password=s%26&first_num=1"),
            "https://x/p?username=u&password=***&first_num=1",
        )
        # A parameter that only ends with a secret's name is not one.
        self.assertEqual(
            redact_url("https://x/p?old_password=1&mytoken=2"),
            "https://x/p?old_password=1&mytoken=2",
        )


class TestLogFilter(BaseCase):
    def test_werkzeug_lines_lose_the_token(self):
        record = logging.LogRecord(
            "werkzeug",
            logging.INFO,
            __file__,
            1,
            '"%s" %s %s',
            ("POST /isp_telephony/webhook/1?token=SECRET HTTP/1.1", 200, "-"),
            None,
        )
        self.assertTrue(log_redaction.RedactSecretsFilter().filter(record))
        self.assertNotIn("SECRET", record.getMessage())

    def test_installed_once_on_the_http_loggers(self):
        for name in ("werkzeug", "urllib3.connectionpool"):
            filters = logging.getLogger(name).filters
            found = [
                f for f in filters if isinstance(f, log_redaction.RedactSecretsFilter)
            ]
            self.assertEqual(len(found), 1, name)
        log_redaction.install_filter("werkzeug")
        filters = logging.getLogger("werkzeug").filters
        self.assertEqual(
            sum(isinstance(f, log_redaction.RedactSecretsFilter) for f in filters), 1
        )
