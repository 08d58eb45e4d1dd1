# Copyright 2026 isp_telephony authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The Asterisk Manager Interface (AMI) client, over panoramisk.

* :func:`originate` logs in, sends ``Originate`` and logs off, on its own
  asyncio loop, so synchronous Odoo code can call it. Asterisk first rings
  ``channel`` (the agent's phone) and, once answered, runs
  ``context``/``exten``/1: the number to call.
* :func:`check_login` logs in, pings and logs off: the connection test.
* :class:`AmiListener` keeps an event connection open, reconnecting with
  exponential backoff, and hands every CallEvent (see :mod:`.ami_events`)
  to a callback.

The secret is never logged and never put in an error message.
"""

import asyncio
import contextlib
import logging
import re
import ssl
import threading
import uuid
from dataclasses import dataclass, field

from panoramisk import Manager
from panoramisk.actions import Action
from panoramisk.ami_protocol import AMIProtocol

from .ami_events import AmiEventTranslator
from .base import (
    GatewayError,
    ProtocolError,
    RejectedError,
    TransientError,
)

_logger = logging.getLogger(__name__)

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
