# Copyright 2026 isp_telephony authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Live call events, whatever platform reports them.

A :class:`CallEvent` is what the pop-up and the call log consume: a call
started (ringing), was answered, or ended. CallMyWay pushes them to a webhook
(:func:`parse_callmyway_webhook`); Asterisk emits AMI events that
``gateways.ami_events.AmiEventTranslator`` turns into the same objects.

Plain Python, no Odoo.
"""

import hmac
import json
import math
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfoNotFoundError

from . import timezones
from .direction import INBOUND, OUTBOUND

START = "start"
ANSWER = "answer"
END = "end"
ACTIONS = (START, ANSWER, END)


# What the webhook answers CallMyWay once the event is stored (seed 001).
WEBHOOK_ACK = {"ack": "ok"}

CALLMYWAY_ACTIONS = {"callStart": START, "callEnd": END}
# CallMyWay's ``type``; an internal call (agent to agent) is placed by an
# agent, so it counts as outgoing. The raw type stays in ``raw``.
CALLMYWAY_DIRECTIONS = {"in": INBOUND, "out": OUTBOUND, "internal": OUTBOUND}
CALLMYWAY_REQUIRED = ("callid", "endpoint_id", "ani", "dnis", "type")
CALLMYWAY_TIME_FORMAT = "%Y-%m-%d %H:%M:%S"
# connect_time with this value means the call never connected.
CALLMYWAY_NOT_CONNECTED = "1970-01-01 00:00:00"
MAX_FIELD_LENGTH = 256
# Bounds of what a call event may say; anything outside is refused (400)
# before it reaches the database. No call lasts a week; a platform's clock
# may run a little ahead of ours, not a day; no platform predates 2000.
MAX_DURATION = 7 * 24 * 3600
MIN_TIME = datetime(2000, 1, 1)
MAX_CLOCK_AHEAD = timedelta(days=1)
# data.variables: a small object of text values (channel variables).
MAX_VARIABLES = 32


@dataclass
class CallEvent:
    """One moment of one call, integration-agnostic."""

    action: str  # start | answer | end
    call_id: str
    direction: str  # in | out
    caller: str = ""
    called: str = ""
    # The agent's extension / endpoint id the call rings or comes from.
    endpoint: str = ""
    timestamp: datetime | None = None  # naive UTC
    duration: int = 0  # seconds of conversation (end events)
    raw: dict = field(default_factory=dict)

    @property
    def answered(self):
        return self.action == ANSWER or (self.action == END and self.duration > 0)


class WebhookError(ValueError):
    """The webhook body is not a call event we accept. ``reason`` is safe to
    log and to return to the caller."""

    def __init__(self, reason):
        super().__init__(reason)
        self.reason = reason


def check_secret(given, expected):
    """Constant-time comparison of a shared secret; never true when either
    side is empty."""
    if not given or not expected:
        return False
    if isinstance(given, str):
        given = given.encode("utf-8")
    if isinstance(expected, str):
        expected = expected.encode("utf-8")
    return hmac.compare_digest(given, expected)


def _zone(tz):
    try:
        return timezones.zone(tz)
    except (ZoneInfoNotFoundError, ValueError):
        raise WebhookError(f"unknown time zone {tz!r}") from None


def to_naive_utc(value, tz="UTC", now=None):
    """``YYYY-MM-DD HH:MM:SS`` in ``tz`` as a naive UTC datetime.
    Empty or the 1970 placeholder give None. A time before 2000 or more
    than a day ahead of ``now`` (naive UTC; default the current time) is
    refused."""
    if not value or value == CALLMYWAY_NOT_CONNECTED:
        return None
    try:
        local = datetime.strptime(value, CALLMYWAY_TIME_FORMAT)
        utc = local.replace(tzinfo=_zone(tz)).astimezone(timezone.utc)
    except (TypeError, ValueError, OverflowError):
        raise WebhookError(f"bad time {str(value)[:40]!r}") from None
    utc = utc.replace(tzinfo=None)
    if utc < MIN_TIME or utc > (now or _utcnow()) + MAX_CLOCK_AHEAD:
        raise WebhookError(f"time out of range {str(value)[:40]!r}")
    return utc


def _text(data, key, required=False):
    value = data.get(key)
    if value is None:
        if required:
            raise WebhookError(f"missing field data.{key}")
        return ""
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise WebhookError(f"field data.{key} must be text")
    value = str(value).strip()
    if len(value) > MAX_FIELD_LENGTH:
        raise WebhookError(f"field data.{key} is too long")
    return value


def _duration(data):
    value = data.get("duration")
    if value in (None, ""):
        return 0
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise WebhookError("field data.duration must be a number")
    try:
        number = float(value)
    except (TypeError, ValueError, OverflowError):
        raise WebhookError("field data.duration must be a number") from None
    if not math.isfinite(number):
        raise WebhookError("field data.duration must be a finite number")
    if number < 0:
        raise WebhookError("field data.duration is negative")
    if number > MAX_DURATION:
        raise WebhookError(f"field data.duration is over {MAX_DURATION} seconds")
    return int(number)


def _variables(data):
    """``data.variables``: absent, or an object of at most MAX_VARIABLES
    short text values (channel variables such as ISP_CALL_LOG_ID)."""
    value = data.get("variables")
    if value in (None, ""):
        return {}
    if not isinstance(value, dict):
        raise WebhookError("field data.variables must be an object")
    if len(value) > MAX_VARIABLES:
        raise WebhookError("field data.variables has too many entries")
    out = {}
    for key in value:
        if len(key) > MAX_FIELD_LENGTH:
            raise WebhookError("a name in data.variables is too long")
        out[key] = _text(value, key)
    return out


def parse_callmyway_webhook(body, max_bytes=65536, tz="UTC", now=None):
    """Read the JSON CallMyWay posts on ``callStart``/``callEnd`` (seed 001).

    ``tz`` is the zone (IANA name) CallMyWay writes its times in; the event's
    timestamp is naive UTC (``now()`` when the payload has no time).
    Raises :class:`WebhookError` on anything else than a well-formed event.
    """
    if body is None:
        raise WebhookError("empty body")
    if isinstance(body, str):
        body = body.encode("utf-8")
    if len(body) > max_bytes:
        raise WebhookError(f"body larger than {max_bytes} bytes")
    if not body.strip():
        raise WebhookError("empty body")
    try:
        payload = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise WebhookError("body is not valid JSON") from None
    if not isinstance(payload, dict):
        raise WebhookError("body is not a JSON object")
    action = payload.get("action")
    if action not in CALLMYWAY_ACTIONS:
        raise WebhookError(f"unknown action {str(action)[:40]!r}")
    data = payload.get("data")
    if not isinstance(data, dict):
        raise WebhookError("missing object data")

    values = {key: _text(data, key, required=True) for key in CALLMYWAY_REQUIRED}
    if not values["callid"]:
        raise WebhookError("empty field data.callid")
    if not values["endpoint_id"]:
        raise WebhookError("empty field data.endpoint_id")
    direction = CALLMYWAY_DIRECTIONS.get(values["type"])
    if direction is None:
        raise WebhookError(f"unknown call type {values['type'][:40]!r}")

    clock = (now or _utcnow)()
    detected = to_naive_utc(_text(data, "detect_time"), tz, clock)
    connected = to_naive_utc(_text(data, "connect_time"), tz, clock)
    disconnected = to_naive_utc(_text(data, "disconnect_time"), tz, clock)
    duration = _duration(data)
    variables = _variables(data)
    if action == "callEnd" and connected is None:
        # Never connected: whatever CallMyWay counted was ringing time.
        duration = 0
    if action == "callStart":
        timestamp = detected
    else:
        timestamp = disconnected or detected
    if timestamp is None:
        timestamp = clock
    raw = dict(data)
    if variables or "variables" in raw:
        raw["variables"] = variables
    return CallEvent(
        action=CALLMYWAY_ACTIONS[action],
        call_id=values["callid"],
        direction=direction,
        caller=values["ani"],
        called=values["dnis"],
        endpoint=values["endpoint_id"],
        timestamp=timestamp,
        duration=duration,
        raw=raw,
    )


def _utcnow():
    return datetime.now(timezone.utc).replace(tzinfo=None)
