# Copyright 2026 isp_telephony authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""AMI events into call events: :class:`AmiEventTranslator` follows the
channels of each call (Newchannel, DialBegin, Newstate, BridgeEnter, Hangup,
VarSet) and turns them into :class:`~..tools.call_events.CallEvent` start /
answer / end, whatever the platform-independent call log expects."""

import logging
import re
from collections import OrderedDict
from dataclasses import dataclass, field
from datetime import datetime, timezone

from ..tools.call_events import ANSWER, END, INBOUND, OUTBOUND, START, CallEvent

_logger = logging.getLogger(__name__)

CHANNEL_STATE_UP = "6"
# Dialplan contexts where calls from the outside world (trunks) start.
INCOMING_CONTEXTS = (
    "from-trunk",
    "from-pstn",
    "from-external",
    "from-did",
    "from-did-direct",
    "from-provider",
    "ext-did",
    "incoming",
    "inbound",
)
# Extensions that are not a dialled number.
_NOT_A_NUMBER = {"", "s", "h", "i", "t", "<unknown>", "unknown"}
_CHANNEL_SUFFIX = re.compile(r"^(?P<endpoint>.+)-[0-9a-fA-F]+$")


def endpoint_of(channel):
    """``PJSIP/1001-0000002a`` -> ``PJSIP/1001``;
    ``Local/1001@from-queue-00000001;2`` -> ``Local/1001@from-queue``."""
    channel = (channel or "").split(";", 1)[0]
    match = _CHANNEL_SUFFIX.match(channel)
    return match.group("endpoint") if match else channel


def _number(value):
    value = (value or "").strip()
    return "" if value.lower() in _NOT_A_NUMBER else value


def _dialled(event):
    """The number a DialBegin dials: from DialString (``PJSIP/5511..@trunk``,
    ``trunk/5511..``, ``1002``), else the destination's exten/caller id."""
    dial_string = event.get("dialstring", "")
    if dial_string:
        target = dial_string.split("@", 1)[0].rsplit("/", 1)[-1]
        if re.fullmatch(r"\+?[\d*#]+", target):
            return target
    return _number(event.get("destexten")) or _number(event.get("destcalleridnum"))


@dataclass
class _Call:
    call_id: str
    direction: str
    caller: str = ""
    called: str = ""
    endpoint: str = ""
    channels: set = field(default_factory=set)
    dialled: set = field(default_factory=set)  # uniqueids of dial targets
    started: set = field(default_factory=set)  # endpoints told "start"
    answered_at: datetime | None = None
    variables: dict = field(default_factory=dict)


class AmiEventTranslator:
    """Turns the AMI events of calls into CallEvents.

    A call is keyed by ``Linkedid`` (the first channel's ``Uniqueid``). Its
    direction is ``in`` when it starts in one of ``incoming_contexts``.

    * ``start``: an outgoing call when its first channel appears (or at the
      first DialBegin when the number is not known yet); an incoming call
      when it rings an endpoint (DialBegin), once per endpoint rung.
    * ``answer``: a dialled channel goes Up (Newstate 6), or a bridge gets a
      second channel.
    * ``end``: the last channel of the call hangs up; ``duration`` counts from
      the answer. A call that never rang anybody still gets start and end.

    Channel variables named in ``variables`` (e.g. ``ISP_CALL_LOG_ID`` set by
    :func:`originate`) are collected from VarSet events into
    ``raw["variables"]``.
    """

    def __init__(
        self,
        incoming_contexts=INCOMING_CONTEXTS,
        variables=("ISP_CALL_LOG_ID",),
        now=None,
        max_calls=5000,
    ):
        self.incoming_contexts = {c.lower() for c in incoming_contexts}
        self.variables = set(variables)
        self.now = now or (lambda: datetime.now(timezone.utc).replace(tzinfo=None))
        self.max_calls = max_calls
        self.calls = OrderedDict()

    def feed(self, event):
        """CallEvents (maybe none) for one AMI event (a mapping)."""
        ev = {str(k).lower(): v for k, v in dict(event).items()}
        handler = {
            "newchannel": self._newchannel,
            "dialbegin": self._dialbegin,
            "newstate": self._newstate,
            "bridgeenter": self._bridgeenter,
            "hangup": self._hangup,
            "varset": self._varset,
        }.get(str(ev.get("event", "")).lower())
        if handler is None:
            return []
        return handler(ev, dict(event))

    # helpers
    def _timestamp(self, ev):
        stamp = ev.get("timestamp")
        if stamp:
            try:
                return datetime.fromtimestamp(float(stamp), timezone.utc).replace(
                    tzinfo=None
                )
            except (TypeError, ValueError, OverflowError):
                _logger.debug("AMI event with a bad Timestamp %r", stamp)
        return self.now()

    def _emit(self, call, action, ev, raw, endpoint=None, duration=0):
        if call.variables:
            raw = dict(raw, variables=dict(call.variables))
        return CallEvent(
            action=action,
            call_id=call.call_id,
            direction=call.direction,
            caller=call.caller,
            called=call.called,
            endpoint=call.endpoint if endpoint is None else endpoint,
            timestamp=self._timestamp(ev),
            duration=duration,
            raw=raw,
        )

    def _call_for(self, ev, create=True):
        key = ev.get("linkedid") or ev.get("uniqueid")
        if not key:
            return None
        call = self.calls.get(key)
        if call is None and create:
            context = (ev.get("context") or "").lower()
            direction = INBOUND if context in self.incoming_contexts else OUTBOUND
            call = _Call(
                call_id=key,
                direction=direction,
                caller=_number(ev.get("calleridnum")),
                called=_number(ev.get("exten")),
            )
            if direction == OUTBOUND:
                call.endpoint = endpoint_of(ev.get("channel"))
            self.calls[key] = call
            while len(self.calls) > self.max_calls:
                self.calls.popitem(last=False)
        return call

    # handlers
    def _newchannel(self, ev, raw):
        call = self._call_for(ev)
        if call is None:
            return []
        call.channels.add(ev.get("uniqueid"))
        if call.direction == OUTBOUND and call.called and not call.started:
            call.started.add(call.endpoint)
            return [self._emit(call, START, ev, raw)]
        return []

    def _dialbegin(self, ev, raw):
        call = self._call_for(ev)
        if call is None:
            return []
        call.channels.add(ev.get("uniqueid"))
        dest = ev.get("destuniqueid")
        if dest:
            call.dialled.add(dest)
            call.channels.add(dest)
        if not call.called:
            call.called = _dialled(ev)
        if call.direction == OUTBOUND:
            if call.started:
                return []
            call.started.add(call.endpoint)
            return [self._emit(call, START, ev, raw)]
        endpoint = endpoint_of(ev.get("destchannel"))
        if endpoint in call.started:
            return []
        call.started.add(endpoint)
        return [self._emit(call, START, ev, raw, endpoint=endpoint)]

    def _answer(self, call, ev, raw, channel):
        call.answered_at = self._timestamp(ev)
        if call.direction == INBOUND and channel:
            call.endpoint = endpoint_of(channel)
        return [self._emit(call, ANSWER, ev, raw)]

    def _newstate(self, ev, raw):
        call = self._call_for(ev, create=False)
        if call is None or call.answered_at is not None:
            return []
        if str(ev.get("channelstate")) != CHANNEL_STATE_UP:
            return []
        if ev.get("uniqueid") not in call.dialled:
            return []
        return self._answer(call, ev, raw, ev.get("channel"))

    def _bridgeenter(self, ev, raw):
        call = self._call_for(ev, create=False)
        if call is None or call.answered_at is not None:
            return []
        try:
            count = int(ev.get("bridgenumchannels") or 0)
        except ValueError:
            count = 0
        if count < 2:
            return []
        channel = ev.get("channel") if ev.get("uniqueid") in call.dialled else ""
        return self._answer(call, ev, raw, channel)

    def _hangup(self, ev, raw):
        call = self._call_for(ev, create=False)
        if call is None:
            return []
        call.channels.discard(ev.get("uniqueid"))
        if call.channels:
            return []
        del self.calls[call.call_id]
        events = []
        if not call.started:
            events.append(self._emit(call, START, ev, raw))
        duration = 0
        if call.answered_at is not None:
            seconds = (self._timestamp(ev) - call.answered_at).total_seconds()
            duration = max(0, round(seconds))
        events.append(self._emit(call, END, ev, raw, duration=duration))
        return events

    def _varset(self, ev, raw):
        name = ev.get("variable")
        if name in self.variables:
            call = self._call_for(ev, create=False)
            if call is not None:
                call.variables[name] = ev.get("value", "")
        return []
