# Copyright 2026 isp_telephony authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Asterisk over AMI (seeds 003, 004): click-to-dial and live call events.

* :func:`originate` logs in, sends ``Originate`` and logs off, on its own
  asyncio loop, so synchronous Odoo code can call it. Asterisk first rings
  ``channel`` (the agent's phone) and, once answered, runs
  ``context``/``exten``/1: the number to call.
* :class:`AmiEventTranslator` turns the AMI events of a call into
  :class:`~..tools.call_events.CallEvent` start / answer / end.
* :class:`AmiListener` keeps an event connection open, reconnecting with
  exponential backoff, and hands every CallEvent to a callback.

Give the AMI user the least privilege (seed 004): ``read = call`` and
``write = originate`` (or ``call``), ``deny``/``permit`` to the Odoo host,
bind AMI to a private address or use TLS. The secret is never logged and
never put in an error message.
"""

import asyncio
import contextlib
import logging
import re
import ssl
import threading
import uuid
from collections import OrderedDict
from dataclasses import dataclass, field
from datetime import datetime, timezone

from panoramisk import Manager
from panoramisk.actions import Action
from panoramisk.ami_protocol import AMIProtocol

from ..tools import phone
from ..tools.call_events import ANSWER, END, INBOUND, OUTBOUND, START, CallEvent
from .base import (
    CALL_EVENTS,
    CLICK_TO_DIAL,
    EVENTS_LISTENER,
    Gateway,
    GatewayError,
    ProtocolError,
    RejectedError,
    TransientError,
    register,
)

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
_VARIABLE_NAME = re.compile(r"^_{0,2}[A-Za-z][A-Za-z0-9_]*$")
_LINE_BREAK = re.compile(r"[\r\n]")


@dataclass
class AmiConfig:
    host: str
    port: int
    username: str
    secret: str = field(repr=False)
    use_tls: bool = False
    # Seconds for connecting and for each answer.
    timeout: float = 5
    verify_tls: bool = True

    @property
    def where(self):
        return f"{self.host}:{self.port}"


# Connection ----------------------------------------------------------------
class _Manager(Manager):
    """panoramisk's Manager, but reconnection is ours: a lost connection
    resolves ``lost`` instead of scheduling panoramisk's own reconnect."""

    def __init__(self, **config):
        super().__init__(**config)
        self.lost = self.loop.create_future()

    def connection_lost(self, exc):
        self._connected = False
        if self.pinger:
            self.pinger.cancel()
            self.pinger = None
        if not self.lost.done():
            self.lost.set_result(exc)


def _ssl_context(config):
    if not config.use_tls:
        return None
    context = ssl.create_default_context()
    if not config.verify_tls:
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    return context


async def _ask(manager, headers, config, what):
    """Send one action and wait for its response (not for the events that
    may follow it)."""
    action = Action(headers, as_list=False)
    future = manager.send_action(action, as_list=False)
    done, _pending = await asyncio.wait(
        {future, manager.lost},
        timeout=config.timeout,
        return_when=asyncio.FIRST_COMPLETED,
    )
    if future in done:
        return future.result()
    if not future.done():
        future.cancel()
    if manager.lost.done():
        raise TransientError(
            f"Asterisk AMI at {config.where} closed the connection during {what}."
        )
    raise TransientError(
        f"Asterisk AMI at {config.where} did not answer {what} within "
        f"{config.timeout:g} s."
    )


async def _open(config, events, on_message=None):
    """Connect and log in; returns a logged-in manager. ``on_message`` is
    registered for every event before the login, so none is missed."""
    loop = asyncio.get_running_loop()
    manager = _Manager(
        host=config.host,
        port=config.port,
        events=events,
        loop=loop,
        log=logging.getLogger(__name__ + ".panoramisk"),
    )
    if on_message is not None:
        manager.register_event("*", on_message)
    try:
        transport, protocol = await asyncio.wait_for(
            loop.create_connection(
                AMIProtocol,
                config.host,
                config.port,
                ssl=_ssl_context(config),
            ),
            config.timeout,
        )
    except asyncio.TimeoutError:
        raise TransientError(
            f"Asterisk AMI at {config.where} did not accept the connection "
            f"within {config.timeout:g} s."
        ) from None
    except ssl.SSLError as exc:
        raise TransientError(
            f"TLS with Asterisk AMI at {config.where} failed: "
            f"{exc.reason or type(exc).__name__}."
        ) from None
    except OSError as exc:
        raise TransientError(
            f"Cannot connect to Asterisk AMI at {config.where}: "
            f"{exc.strerror or type(exc).__name__}."
        ) from None
    connected = loop.create_future()
    connected.set_result((transport, protocol))
    manager.connection_made(connected)
    if manager.pinger:  # we ping ourselves, and check the answer
        manager.pinger.cancel()
        manager.pinger = None
    try:
        response = await _ask(
            manager,
            {
                "Action": "Login",
                "Username": config.username,
                "Secret": config.secret,
                "Events": events,
            },
            config,
            "the login",
        )
    except GatewayError:
        manager.close()
        raise
    if not response.success:
        manager.close()
        raise RejectedError(
            f"Asterisk refused the AMI login for user {config.username}."
        )
    return manager


async def _close(manager, config, logoff=True):
    if logoff and not manager.lost.done():
        try:
            await _ask(manager, {"Action": "Logoff"}, config, "the logoff")
        except GatewayError as exc:
            _logger.debug("AMI logoff not acknowledged: %s", exc.message)
    manager.close()


def _run_sync(factory):
    """Run the coroutine ``factory()`` to completion from synchronous code,
    on a loop of its own (in a helper thread if this thread runs a loop)."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(factory())
    outcome = {}

    def target():
        try:
            outcome["result"] = asyncio.run(factory())
        except Exception as exc:  # noqa: BLE001  # pylint: disable=broad-except
            outcome["error"] = exc

    thread = threading.Thread(target=target, name="isp-ami-originate")
    thread.start()
    thread.join()
    if "error" in outcome:
        raise outcome["error"]
    return outcome["result"]


# Click-to-dial ---------------------------------------------------------------
def _check_value(name, value):
    text = str(value)
    if _LINE_BREAK.search(text):
        raise GatewayError(f"Originate: {name} must not contain a line break.")
    return text


def originate_action(
    channel, context, exten, caller_id="", variables=None, timeout_s=30, action_id=None
):
    """The ``Originate`` headers for the arguments of :func:`originate`."""
    for name, value in (("channel", channel), ("context", context), ("exten", exten)):
        if not str(value or "").strip():
            raise GatewayError(f"Originate: the {name} is missing.")
    headers = {
        "Action": "Originate",
        "ActionID": action_id or f"isp-{uuid.uuid4().hex}",
        "Channel": _check_value("channel", channel),
        "Context": _check_value("context", context),
        "Exten": _check_value("exten", exten),
        "Priority": "1",
        "Timeout": str(int(timeout_s * 1000)),
        "Async": "true",
    }
    if caller_id:
        headers["CallerID"] = _check_value("caller id", caller_id)
    lines = []
    for key, value in (variables or {}).items():
        if not _VARIABLE_NAME.match(str(key)):
            raise GatewayError(f"Originate: invalid channel variable name {key!r}.")
        lines.append(f"{key}={_check_value('variable ' + str(key), value)}")
    if lines:
        headers["Variable"] = lines
    return headers


async def _originate(config, headers):
    manager = await _open(config, events="off")
    try:
        response = await _ask(manager, headers, config, "the Originate request")
        if not response.success:
            message = response.message or response.response or "no reason given"
            raise RejectedError(
                f"Asterisk could not place the call from {headers['Channel']}: "
                f"{message}."
            )
        _logger.info(
            "AMI Originate %s on %s: %s",
            headers["ActionID"],
            headers["Channel"],
            response.message,
        )
    finally:
        await _close(manager, config)
    return headers["ActionID"]


def originate(
    config,
    channel,
    context,
    exten,
    caller_id="",
    variables=None,
    timeout_s=30,
    action_id=None,
):
    """Click-to-dial: ring ``channel`` (e.g. ``PJSIP/1001``), then dial
    ``exten`` in ``context``. Returns the ActionID once Asterisk has queued
    the call (``Async: true``: the call's outcome comes later as events).

    Raises TransientError (Asterisk unreachable, no answer), RejectedError
    (login refused, Originate refused: Asterisk's message) or GatewayError
    (bad arguments).
    """
    headers = originate_action(
        channel, context, exten, caller_id, variables, timeout_s, action_id
    )
    return _run_sync(lambda: _originate(config, headers))


async def _check_login(config):
    manager = await _open(config, "off")
    try:
        response = await _ask(manager, {"Action": "Ping"}, config, "the ping")
    finally:
        await _close(manager, config)
    if not response.success:
        raise ProtocolError(f"Asterisk AMI at {config.where} refused a Ping.")
    return f"Asterisk AMI at {config.where} answered and accepted the login."


def check_login(config):
    """Log in to the AMI, ping, log off: the connection test. Raises
    TransientError (unreachable, no answer) or RejectedError (login
    refused)."""
    return _run_sync(lambda: _check_login(config))


def dial_number_for(e164, country="BR", area_code=None, outside_prefix=""):
    """What the PBX dials to reach ``e164`` (local numbers without the area
    code, trunk prefix for long distance, ``outside_prefix`` in front)."""
    try:
        return phone.dial_string(e164, country, area_code, outside_prefix)
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


# Events ----------------------------------------------------------------------
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


# Listener --------------------------------------------------------------------
class AmiListener:
    """Keeps an AMI event connection open and calls ``on_event(CallEvent)``
    for every call event; ``on_raw_event(dict)`` (optional) sees every AMI
    event. Callbacks run on the listener's loop thread; their exceptions are
    logged, never fatal.

    :meth:`run` blocks (for a CLI command; call :meth:`stop` from a SIGTERM
    handler); :meth:`start` runs it in a background thread. A dropped or
    silent connection (no answer to the periodic Ping) is reopened after
    ``backoff_initial`` seconds, doubling up to ``backoff_max`` while
    attempts fail.
    """

    def __init__(
        self,
        config,
        on_event,
        backoff_initial=1,
        backoff_max=60,
        translator=None,
        on_raw_event=None,
        ping_interval=30,
    ):
        self.config = config
        self.on_event = on_event
        self.on_raw_event = on_raw_event
        self.backoff_initial = backoff_initial
        self.backoff_max = backoff_max
        self.translator = translator or AmiEventTranslator()
        self.ping_interval = ping_interval
        self.sessions = 0  # successful logins so far
        self.connected = threading.Event()
        self._stopping = threading.Event()
        self._loop = None
        self._stop_event = None
        self._thread = None
        self._ready = threading.Event()

    # Control -------------------------------------------------------------
    def run(self):
        """Listen until :meth:`stop`."""
        asyncio.run(self._main())

    def start(self):
        self._thread = threading.Thread(
            target=self.run, name="isp-ami-listener", daemon=True
        )
        self._thread.start()
        self._ready.wait(5)
        return self

    def stop(self, timeout=10):
        """Ask the listener to log off and return; thread-safe, idempotent.
        Returns True when the listener has finished."""
        self._stopping.set()
        loop, stop_event = self._loop, self._stop_event
        if loop is not None and stop_event is not None:
            try:
                loop.call_soon_threadsafe(stop_event.set)
            except RuntimeError:
                _logger.debug("AMI listener loop already closed")
        thread = self._thread
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout)
            return not thread.is_alive()
        return True

    # Loop ----------------------------------------------------------------
    async def _main(self):
        self._stop_event = asyncio.Event()
        self._loop = asyncio.get_running_loop()
        self._ready.set()
        delay = self.backoff_initial
        while not self._stopping.is_set():
            try:
                manager = await _open(
                    self.config, events="on", on_message=self._dispatch
                )
            except GatewayError as exc:
                _logger.warning(
                    "AMI listener: %s Retrying in %g s.", exc.message, delay
                )
            else:
                self.sessions += 1
                delay = self.backoff_initial
                reason = await self._listen(manager)
                if reason == "stop":
                    break
                _logger.warning(
                    "AMI listener: lost the connection to %s; reconnecting in %g s.",
                    self.config.where,
                    delay,
                )
            if await self._sleep(delay):
                break
            delay = min(delay * 2, self.backoff_max)
        _logger.info("AMI listener stopped.")

    async def _sleep(self, seconds):
        """Wait ``seconds`` unless stopped first; True when stopped."""
        with contextlib.suppress(asyncio.TimeoutError):
            await asyncio.wait_for(self._stop_event.wait(), seconds)
        return self._stopping.is_set()

    async def _listen(self, manager):
        self.connected.set()
        _logger.info("AMI listener: connected to %s.", self.config.where)
        stopped = asyncio.ensure_future(self._stop_event.wait())
        reason = "lost"
        try:
            while True:
                await asyncio.wait(
                    {stopped, manager.lost},
                    timeout=self.ping_interval,
                    return_when=asyncio.FIRST_COMPLETED,
                )
                if stopped.done() or self._stopping.is_set():
                    reason = "stop"
                    break
                if manager.lost.done():
                    break
                try:
                    await _ask(manager, {"Action": "Ping"}, self.config, "a Ping")
                except GatewayError as exc:
                    _logger.warning("AMI listener: %s", exc.message)
                    break
        finally:
            self.connected.clear()
            stopped.cancel()
            await _close(manager, self.config, logoff=reason == "stop")
        return reason

    def _dispatch(self, _manager, message):
        event = dict(message.items())
        if self.on_raw_event is not None:
            self._call(self.on_raw_event, event)
        try:
            call_events = self.translator.feed(event)
        except Exception:  # pylint: disable=broad-except
            _logger.exception("AMI listener: cannot translate %s", event.get("Event"))
            return
        for call_event in call_events:
            self._call(self.on_event, call_event)

    @staticmethod
    def _call(callback, value):
        try:
            callback(value)
        except Exception:  # pylint: disable=broad-except
            _logger.exception("AMI listener: the event callback failed")
