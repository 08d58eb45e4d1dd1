# Copyright 2026 isp_telephony authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The integration's platform adapter: the platforms offered and what each
declares it can do, the gateway built from the integration's settings (one
per job), the queue_job channels of its platform, and the connection test."""

import time

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools.translate import code_translations

from ..gateways import base as gateway_base
from .isp_telephony_integration import CDR_IMPORT_CHANNEL, PROVISIONING_CHANNEL


class IspTelephonyIntegrationGateway(models.Model):
    _inherit = "isp.telephony.integration"

    @api.model
    def _selection_gateway(self):
        """Every registered platform adapter, its label translated."""
        translations = code_translations.get_python_translations(
            "isp_telephony", self.env.lang or "en_US"
        )
        return [
            (code, translations.get(label, label))
            for code, label in gateway_base.choices()
        ]

    @api.depends("gateway")
    def _compute_capabilities(self):
        for record in self:
            cls = gateway_base.GATEWAYS.get(record.gateway) or gateway_base.Gateway
            record.can_provision = cls.can(gateway_base.PROVISIONING)
            record.can_sync_catalogs = cls.can(gateway_base.CATALOGS)
            record.can_click_to_dial = cls.can(gateway_base.CLICK_TO_DIAL)
            record.can_fetch_cdrs = cls.can(gateway_base.CDR_FETCH)
            record.call_event_source = (
                cls.event_source if cls.can(gateway_base.CALL_EVENTS) else False
            )

    def _gateway_adapter(self):
        """The adapter class of this integration's platform."""
        self.ensure_one()
        try:
            return gateway_base.gateway_class(self.gateway)
        except gateway_base.GatewayError:
            raise UserError(
                self.env._("No platform adapter for gateway %s.", self.gateway)
            ) from None

    def _gateway_can(self, capability):
        """Does this integration's platform declare ``capability``?"""
        self.ensure_one()
        cls = gateway_base.GATEWAYS.get(self.gateway)
        return bool(cls and cls.can(capability))

    # Gateway ----------------------------------------------------------------
    def _api_base_url(self):
        self.ensure_one()
        host = (self.summit_api_host or self.access_host or "").strip().rstrip("/")
        port = self.summit_api_port or self.access_port
        if not host:
            return ""
        if "://" not in host:
            host = f"{'https' if self.api_use_tls else 'http'}://{host}"
        if port and host.count(":") < 2:
            host = f"{host}:{port}"
        return host

    def _gateway_config(self):
        self.ensure_one()
        return gateway_base.GatewayConfig(
            base_url=self._api_base_url(),
            host=self._access_host_name(),
            port=self.access_port or 0,
            use_tls=self.api_use_tls,
            username=self.api_user or "",
            password=self._get_secret("api_password"),
            timeout=self._api_timeout(),
            verify_tls=True,
            extra={
                "integration_id": self.id,
                "store_key": f"{self.env.cr.dbname}",
                "fail": "" if self.sandbox_failure == "none" else self.sandbox_failure,
                "ami_timeout": self._api_timeout() if self.api_timeout else None,
            },
        )

    def _access_host_name(self):
        """The bare host of the access URL/IP (no scheme, path or port)."""
        host = (self.access_host or "").strip()
        if "://" in host:
            host = host.split("://", 1)[1]
        host = host.split("/", 1)[0]
        if host.count(":") == 1:
            host = host.split(":", 1)[0]
        return host

    def _provisioning_channel(self):
        """queue_job channel of this integration's platform operations."""
        self.ensure_one()
        return f"{PROVISIONING_CHANNEL}.{self.gateway}_{self.id}"

    def _cdr_import_channel(self):
        """queue_job channel of this integration's CDR imports (capacity 1:
        one import of a source at a time)."""
        self.ensure_one()
        return f"{CDR_IMPORT_CHANNEL}.{self.gateway}_{self.id}"

    def _get_gateway(self, **kwargs):
        """A gateway instance for one job; use it as a context manager.
        ``kwargs`` go to the adapter (tests inject clocks)."""
        self.ensure_one()
        if not self.active:
            raise UserError(self.env._("The integration %s is archived.", self.name))
        return self._new_gateway(**kwargs)

    def _new_gateway(self, **kwargs):
        cls = self._gateway_adapter()
        config = self._gateway_config()
        if any(not getattr(config, name) for name in cls.required_settings):
            raise UserError(
                self.env._(
                    "The integration %s needs its host and user (Access tab) "
                    "before the platform can be reached.",
                    self.name,
                )
            )
        return cls(config, **kwargs)

    # Connection test -----------------------------------------------------------
    def _check_connection(self):
        """Ask the platform one harmless authenticated question; returns its
        answer in words or raises a GatewayError / UserError."""
        self.ensure_one()
        with self._get_gateway() as gateway:
            return gateway.check_connection()

    def action_test_connection(self):
        """Button: does the platform answer, and do the credentials work?
        The answer is shown in plain words, kept on the integration and
        logged in its chatter (never with a secret)."""
        self.ensure_one()
        self.check_access("write")
        started = time.monotonic()
        try:
            answer = self._check_connection()
        except gateway_base.GatewayError as error:
            state, message = "failed", error.message
        except UserError as error:
            state, message = "failed", error.args[0]
        else:
            state, message = "ok", answer
        elapsed = time.monotonic() - started
        self.write(
            {
                "connection_state": state,
                "connection_message": message,
                "connection_checked": fields.Datetime.now(),
            }
        )
        if state == "ok":
            title = self.env._("Connection works")
            body = self.env._(
                "%(answer)s (%(seconds).1f s)", answer=message, seconds=elapsed
            )
        else:
            title = self.env._("Connection failed")
            body = message
        self.message_post(
            body=self.env._("%(title)s: %(body)s", title=title, body=body)
        )
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "title": title,
                "message": body,
                "type": "success" if state == "ok" else "danger",
                "sticky": state != "ok",
                "next": {"type": "ir.actions.client", "tag": "soft_reload"},
            },
        }
