# Copyright 2026 isp_telephony authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""A local stand-in for the Asterisk Manager Interface, for tests.

Speaks the real AMI wire protocol on 127.0.0.1 at an ephemeral port: the
``Asterisk Call Manager/5.0.1`` banner, ``Key: Value`` lines, blocks ended by
an empty line (CRLF). Understands Login, Originate, Ping and Logoff, echoes
``ActionID``, records every action it receives, pushes events to logged-in
clients that asked for events, and can drop every connection. Runs its own
asyncio loop in a background thread.

    with AmiServer(users={"odoo": "s3cret"}, channels={"PJSIP/1001"}) as ami:
        ami.port, ami.actions, ami.push_event({...}), ami.drop_connections()
"""

import asyncio
import threading
import time

BANNER = "Asterisk Call Manager/5.0.1\r\n"
EOL = "\r\n"


def parse_block(block):
    """``Key: Value`` lines as a dict; a repeated key becomes a list."""
    headers = {}
    for line in block.split(EOL):
        if not line.strip():
            continue
        key, _sep, value = line.partition(":")
        key, value = key.strip(), value.strip()
        if key in headers:
            previous = headers[key]
            headers[key] = (previous if isinstance(previous, list) else [previous]) + [
                value
            ]
        else:
            headers[key] = value
    return headers


def format_block(headers):
    lines = []
    for key, value in headers.items():
        for item in value if isinstance(value, list) else [value]:
            lines.append(f"{key}: {item}")
    return EOL.join(lines) + EOL + EOL


class _Session:
    def __init__(self, writer):
        self.writer = writer
        self.authenticated = False
        self.events = False

    def send(self, headers):
        if not self.writer.is_closing():
            self.writer.write(format_block(headers).encode("utf-8"))


class AmiServer:
    def __init__(self, users=None, channels=None, silent=False, port=0):
        self.users = dict(users or {"odoo": "amisecret"})
        # Originate succeeds only on these channels.
        self.channels = set(channels or {"PJSIP/1001"})
        # Accept connections and actions but never answer (timeouts).
        self.silent = silent
        self.actions = []
        self.logins = 0
        self.connections = 0
        self._sessions = set()
        self._loop = None
        self._server = None
        self._thread = None
        self._ready = threading.Event()
        # 0: an ephemeral port; a fixed one to start "late" where a client
        # already tries to connect.
        self.port = port

    # Lifecycle ---------------------------------------------------------
    def start(self):
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        if not self._ready.wait(5):
            raise RuntimeError("AMI loopback server did not start")
        return self

    def _run(self):
        self._loop = asyncio.new_event_loop()
        asyncio.set_event_loop(self._loop)
        self._server = self._loop.run_until_complete(
            asyncio.start_server(self._client, "127.0.0.1", self.port)
        )
        self.port = self._server.sockets[0].getsockname()[1]
        self._ready.set()
        try:
            self._loop.run_forever()
        finally:
            self._loop.run_until_complete(self._loop.shutdown_asyncgens())
            self._loop.close()

    def stop(self):
        if self._loop is None or self._loop.is_closed():
            return

        async def shutdown():
            self._server.close()
            for session in list(self._sessions):
                session.writer.close()
            await self._server.wait_closed()

        try:
            asyncio.run_coroutine_threadsafe(shutdown(), self._loop).result(5)
        finally:
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(5)

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    # Test helpers --------------------------------------------------------
    def _call(self, func):
        async def run():
            return func()

        return asyncio.run_coroutine_threadsafe(run(), self._loop).result(5)

    def push_event(self, headers):
        """Send an event block to every client logged in with events on;
        returns how many received it."""

        def send():
            listeners = [s for s in self._sessions if s.authenticated and s.events]
            for session in listeners:
                session.send(headers)
            return len(listeners)

        return self._call(send)

    def drop_connections(self):
        """Close every client connection, as a restarting Asterisk would."""

        def drop():
            for session in list(self._sessions):
                session.writer.close()
            self._sessions.clear()

        self._call(drop)

    def listeners(self):
        return self._call(
            lambda: sum(1 for s in self._sessions if s.authenticated and s.events)
        )

    def wait_for(self, predicate, timeout=5):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if predicate():
                return True
            time.sleep(0.01)
        return predicate()

    def actions_named(self, name):
        return [a for a in self.actions if a.get("Action", "").lower() == name.lower()]

    # Protocol ------------------------------------------------------------
    async def _client(self, reader, writer):
        session = _Session(writer)
        self._sessions.add(session)
        self.connections += 1
        writer.write(BANNER.encode("utf-8"))
        try:
            while True:
                block = await reader.readuntil(b"\r\n\r\n")
                action = parse_block(block.decode("utf-8"))
                if not action:
                    continue
                self.actions.append(action)
                if self.silent:
                    continue
                if not self._answer(session, action):
                    break
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            return  # the client went away; ``finally`` cleans up
        finally:
            self._sessions.discard(session)
            writer.close()

    def _answer(self, session, action):
        """Reply to one action; False to close the connection."""
        name = action.get("Action", "").lower()
        reply = {}
        if "ActionID" in action:
            reply["ActionID"] = action["ActionID"]

        def respond(response, **headers):
            session.send({"Response": response, **reply, **headers})

        if name == "login":
            user = action.get("Username", "")
            if user in self.users and action.get("Secret") == self.users[user]:
                session.authenticated = True
                session.events = action.get("Events", "on").lower() != "off"
                self.logins += 1
                respond("Success", Message="Authentication accepted")
                if session.events:
                    session.send(
                        {
                            "Event": "FullyBooted",
                            "Privilege": "system,all",
                            "Status": "",
                        }
                    )
            else:
                respond("Error", Message="Authentication failed")
        elif name == "ping":
            respond("Success", Ping="Pong", Timestamp=f"{time.time():.6f}")
        elif name == "logoff":
            respond("Goodbye", Message="Thanks for all the fish.")
            return False
        elif not session.authenticated:
            respond("Error", Message="Authentication Required")
        elif name == "originate":
            if action.get("Channel") in self.channels:
                respond("Success", Message="Originate successfully queued")
            else:
                respond("Error", Message="Originate failed")
        else:
            respond("Error", Message="Invalid/unknown command")
        return True
