# Copyright 2026 isp_telephony authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Asterisk as a platform (seeds 003, 004): the registered adapter, with
click-to-dial and live call events; lines are configured on the PBX itself,
its CDR files are Master.csv.

The AMI client (login, ``Originate``, the event listener) is
:mod:`.ami`; the translation of AMI events into
:class:`~..tools.call_events.CallEvent` is :mod:`.ami_events`.

Give the AMI user the least privilege (seed 004): ``read = call`` and
``write = originate`` (or ``call``), ``deny``/``permit`` to the Odoo host,
bind AMI to a private address or use TLS. The secret is never logged and
never put in an error message.
"""

from ..tools import phone_format
from .ami import AmiConfig, check_login, originate
from .base import (
    CALL_EVENTS,
    CLICK_TO_DIAL,
    EVENTS_LISTENER,
    Gateway,
    GatewayError,
    register,
)


def dial_number_for(e164, country="BR", area_code=None, outside_prefix=""):
    """What the PBX dials to reach ``e164`` (local numbers without the area
    code, trunk prefix for long distance, ``outside_prefix`` in front)."""
    try:
        return phone_format.dial_string(e164, country, area_code, outside_prefix)
    except ValueError as exc:
        raise GatewayError(f"Cannot dial this number: {exc}") from None


# AMI's port when the integration names none.
DEFAULT_AMI_PORT = 5038
# Seconds for connecting and each answer when the integration sets no timeout.
DEFAULT_AMI_TIMEOUT = 5.0


def ami_config(config):
    """The AmiConfig of a GatewayConfig (``host``, ``port``, ``username``,
    ``password``, ``use_tls``; ``extra["ami_timeout"]``)."""
    return AmiConfig(
        host=config.host,
        port=config.port or DEFAULT_AMI_PORT,
        username=config.username,
        secret=config.password,
        use_tls=config.use_tls,
        timeout=(config.extra or {}).get("ami_timeout") or DEFAULT_AMI_TIMEOUT,
    )


@register("asterisk")
class AsteriskGateway(Gateway):
    """Asterisk's AMI as a platform: click-to-dial and call events (the
    ``isp_telephony_ami`` command listens); lines are configured on the PBX
    itself, its CDR files are Master.csv."""

    label = "Asterisk"
    sequence = 30
    capabilities = frozenset({CLICK_TO_DIAL, CALL_EVENTS})
    event_source = EVENTS_LISTENER
    default_cdr_layout = "isp_telephony.cdr_layout_asterisk_master_csv"
    required_settings = ("host", "username")

    @property
    def ami(self):
        return ami_config(self.config)

    def check_connection(self):
        return check_login(self.ami)

    def place_call(self, request):
        exten = dial_number_for(
            request.number, request.country, request.area_code, request.dial_prefix
        )
        return originate(
            self.ami,
            request.endpoint,
            request.context or "from-internal",
            exten,
            request.caller_id,
            request.variables,
            timeout_s=request.timeout or 30,
        )
