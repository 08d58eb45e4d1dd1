# Copyright 2026 isp_telephony authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The call-event webhook CallMyWay posts to (seed 001 §2):
``POST /isp_telephony/webhook/<integration id>?token=<webhook secret>``
(or the secret in the ``X-Webhook-Token`` header) with
``{"action": "callStart"|"callEnd", "data": {...}}``, answered
``{"ack": "ok"}``."""

import logging

import psycopg2

from odoo import http
from odoo.http import request

from ..tools import ip_allow_list, log_redaction
from ..tools.call_events import (
    WEBHOOK_ACK,
    WebhookError,
    check_secret,
    parse_callmyway_webhook,
)

_logger = logging.getLogger(__name__)

# Call events are a few hundred bytes; anything much larger is not one.
MAX_BODY_BYTES = 64 * 1024
TOKEN_HEADER = "X-Webhook-Token"


# The HTTP access log writes every request line, ?token= included.
log_redaction.install_filter("werkzeug")


def _json(payload, status=200):
    return request.make_json_response(payload, status=status)


class IspCallWebhook(http.Controller):
    @http.route(
        "/isp_telephony/webhook/<int:integration_id>",
        type="http",
        auth="public",
        methods=["POST"],
        csrf=False,
        save_session=False,
    )
    def call_event(self, integration_id, **_kwargs):
        httprequest = request.httprequest
        integration = (
            request.env["isp.telephony.integration"].sudo().browse(integration_id)
        )
        integration = integration.exists().filtered("active")
        given = httprequest.headers.get(TOKEN_HEADER) or httprequest.args.get("token")
        expected = integration._get_secret("webhook_secret") if integration else ""
        address = httprequest.remote_addr
        if not check_secret(given, expected):
            _logger.warning(
                "Call webhook %s: refused a request from %s (bad or missing secret).",
                integration_id,
                address,
            )
            return _json({"error": "forbidden"}, 403)
        if not ip_allow_list.ip_allowed(address, integration.webhook_allowed_ips):
            _logger.warning(
                "Call webhook %s: refused a request from %s (not in the allow-list).",
                integration_id,
                address,
            )
            return _json({"error": "forbidden"}, 403)
        # The length is checked before anything is read: a chunked body of
        # unknown length is refused rather than read without bound.
        length = httprequest.content_length
        if length is None:
            return _json({"error": "a Content-Length is required"}, 400)
        if length > MAX_BODY_BYTES:
            return _json({"error": f"body larger than {MAX_BODY_BYTES} bytes"}, 400)
        body = httprequest.get_data(cache=False)
        try:
            event = parse_callmyway_webhook(
                body, max_bytes=MAX_BODY_BYTES, tz=integration.timezone or "UTC"
            )
        except WebhookError as exc:
            _logger.info("Call webhook %s: bad request: %s", integration_id, exc.reason)
            return _json({"error": exc.reason}, 400)
        try:
            with request.env.cr.savepoint():
                request.env["isp.call.log"].sudo()._handle_call_event(
                    integration, event
                )
        except (ValueError, psycopg2.DataError) as exc:
            # A value the parser let through but the database refuses: the
            # sender hears 400, nothing of the event is kept.
            _logger.info("Call webhook %s: refused event: %s", integration_id, exc)
            return _json({"error": "event refused"}, 400)
        return _json(WEBHOOK_ACK)
