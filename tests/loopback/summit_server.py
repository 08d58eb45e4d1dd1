# Copyright 2026 isp_telephony authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""A loopback Summit Networks platform for tests and benchmarks.

It speaks the REST/JSON shapes written down in ``docs/summit-api.md`` with
in-memory state, on 127.0.0.1 and an ephemeral port, in a background thread::

    with SummitServer(username="u", password="p") as srv:
        config = GatewayConfig(base_url=srv.base_url, username="u", password="p")
        ...
        assert len(srv.lines) == 1

State (read it, do not mutate it while requests are running):

* ``lines``: ``{terminal: line dict}`` as returned on the wire;
* ``line_by_external_id(key)``: the line dict for an idempotency key, or None;
* ``catalogs``: ``{"partitions"|"categories"|"plans"|"licences": [dict]}``,
  replaced with :meth:`set_catalogs`. A non-empty catalog is enforced when a
  line names a code from it (unknown code -> 422); a category must also be one
  of its partition's ``categories``.

Test controls (thread-safe; each takes an optional ``method`` and ``path``
prefix so that, say, only the ``POST`` fails while the lookup ``GET`` works):

* ``fail_next(status, body=None, times=1)``: answer the next matching
  request(s) with ``status`` and ``body`` (default: the documented error body)
  without touching state;
* ``delay_next(seconds, times=1)``: handle the next matching request(s)
  normally (state changes happen) but hold the answer back ``seconds``: a
  client with a shorter timeout sees a lost response;
* ``malformed_next(times=1)``: handle normally, then answer ``200`` with a body
  that is not JSON;
* ``requests``: a copy of the log of every request received, as
  :class:`RecordedRequest` (method, path, query, headers, json);
* ``reset()``: forget lines, the log and pending faults; catalogs go back to
  the defaults.

Speed: HTTP/1.1 keep-alive and one thread per connection, so a client that
reuses its session creates a thousand lines in about a second.
"""

import base64
import hmac
import itertools
import json
import re
import secrets
import socket
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

API = "/api/v1"
CATALOG_KINDS = ("partitions", "categories", "plans", "licences")

# Line fields accepted on the wire, with their type checks.
LINE_FIELDS = {
    "external_id": str,
    "bid_type": str,
    "caller_id": str,
    "description": str,
    "account_code": str,
    "extension": str,
    "partition": str,
    "category": str,
    "plan": str,
    "license": str,
    "cost_center": str,
    "activation_date": str,
    "due_day": int,
    "call_limit": int,
    "active": bool,
    "dids": list,
}
# Catalog kind a line field's code must exist in.
CATALOG_OF_FIELD = {
    "partition": "partitions",
    "category": "categories",
    "plan": "plans",
    "license": "licences",
}
E164 = re.compile(r"^\+[1-9]\d{7,14}$")
DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def default_catalogs():
    """A small Brazilian catalog, as Summit would list it."""
    blocking = ["DEF", "BLQ", "BLP", "CAN"]
    return {
        "partitions": [
            {
                "code": "SP01",
                "name": "São Paulo - Capital",
                "categories": blocking,
                "default_category": "DEF",
                "block_category": "BLQ",
                "partial_block_category": "BLP",
                "cancel_category": "CAN",
            },
            {
                "code": "CPS01",
                "name": "Campinas",
                "categories": ["DEF", "BLQ", "CAN"],
                "default_category": "DEF",
                "block_category": "BLQ",
                "partial_block_category": "",
                "cancel_category": "CAN",
            },
        ],
        "categories": [
            {"code": "DEF", "name": "Padrão"},
            {"code": "BLQ", "name": "Bloqueio total"},
            {"code": "BLP", "name": "Bloqueio parcial - somente recebe"},
            {"code": "CAN", "name": "Cancelado"},
        ],
        "plans": [
            {"code": "RES100", "name": "Residencial 100 min", "minutes": 100},
            {"code": "PME500", "name": "Empresarial 500 min", "minutes": 500},
        ],
        "licences": [
            {"code": "RES", "name": "Residencial básica"},
            {"code": "TRK", "name": "Tronco SIP"},
        ],
    }


@dataclass
class RecordedRequest:
    method: str
    path: str
    query: dict  # {name: first value}
    headers: dict  # header names lower-cased
    json: object = None


@dataclass
class _Fault:
    kind: str  # fail | delay | malformed
    times: int
    method: str | None = None
    path: str | None = None
    status: int = 0
    body: object = None
    seconds: float = 0.0

    def matches(self, method, path):
        if self.method and self.method.upper() != method:
            return False
        return not self.path or path.startswith(self.path)


@dataclass
class _Answer:
    status: int
    body: object = None
    headers: dict = field(default_factory=dict)


class _ClientError(Exception):
    def __init__(self, status, code, message, **extra):
        super().__init__(message)
        self.status = status
        self.body = {"error": {"code": code, "message": message, **extra}}


class SummitServer:
    """See the module docstring."""

    def __init__(self, username="summit", password="summit", page_size=50, port=0):
        self.port = port  # 0: an ephemeral port
        self.username = username
        self.password = password
        self.page_size = page_size
        self._lock = threading.RLock()
        self._httpd = None
        self._thread = None
        self.reset()

    # Life cycle --------------------------------------------------------
    def start(self):
        handler = type("Handler", (_Handler,), {"summit": self})
        self._httpd = _HTTPServer(("127.0.0.1", self.port), handler)
        self._thread = threading.Thread(
            target=self._httpd.serve_forever,
            kwargs={"poll_interval": 0.05},
            name="summit-loopback",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self):
        if self._httpd:
            self._httpd.shutdown()
            self._httpd.server_close()
            self._thread.join(5)
            self._httpd = self._thread = None

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    @property
    def base_url(self):
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}"

    # State and controls ------------------------------------------------
    def reset(self):
        with self._lock:
            self.lines = {}
            self._by_external_id = {}
            self._by_idempotency_key = {}
            self._faults = []
            self._log = []
            self._counter = itertools.count(100001)
            self.catalogs = default_catalogs()

    def set_catalogs(self, partitions=None, categories=None, plans=None, licences=None):
        """Replace the given catalogs (lists of dicts with at least ``code``
        and ``name``; partitions also ``categories``)."""
        given = {
            "partitions": partitions,
            "categories": categories,
            "plans": plans,
            "licences": licences,
        }
        with self._lock:
            for kind, items in given.items():
                if items is not None:
                    self.catalogs[kind] = [dict(item) for item in items]

    def line_by_external_id(self, key):
        with self._lock:
            terminal = self._by_external_id.get(key)
            return self.lines.get(terminal) if terminal else None

    @property
    def requests(self):
        with self._lock:
            return list(self._log)

    def fail_next(self, status, body=None, times=1, method=None, path=None):
        self._add_fault(_Fault("fail", times, method, path, status=status, body=body))

    def delay_next(self, seconds, times=1, method=None, path=None):
        self._add_fault(_Fault("delay", times, method, path, seconds=seconds))

    def malformed_next(self, times=1, method=None, path=None):
        self._add_fault(_Fault("malformed", times, method, path))

    def _add_fault(self, fault):
        with self._lock:
            self._faults.append(fault)

    def _take_fault(self, method, path):
        with self._lock:
            for fault in self._faults:
                if fault.matches(method, path):
                    fault.times -= 1
                    if fault.times <= 0:
                        self._faults.remove(fault)
                    return fault
        return None

    # Request handling --------------------------------------------------
    def _authorized(self, header):
        expected = base64.b64encode(
            f"{self.username}:{self.password}".encode()
        ).decode()
        return hmac.compare_digest(header or "", f"Basic {expected}")

    def handle(self, method, path, query, headers, body):
        """Answer one request: returns (_Answer, fault or None)."""
        with self._lock:
            self._log.append(RecordedRequest(method, path, query, headers, body))
        fault = self._take_fault(method, path)
        if fault and fault.kind == "fail":
            payload = fault.body
            if payload is None:
                payload = {
                    "error": {
                        "code": "injected",
                        "message": f"Injected failure {fault.status}",
                    }
                }
            return _Answer(fault.status, payload), fault
        if not self._authorized(headers.get("authorization")):
            return (
                _Answer(
                    401,
                    {
                        "error": {
                            "code": "unauthorized",
                            "message": "Credenciais inválidas",
                        }
                    },
                    {"WWW-Authenticate": 'Basic realm="summit"'},
                ),
                fault,
            )
        try:
            answer = self._route(method, path, query, headers, body)
        except _ClientError as exc:
            answer = _Answer(exc.status, exc.body)
        return answer, fault

    def _route(self, method, path, query, headers, body):
        if not path.startswith(API + "/"):
            raise _ClientError(404, "not_found", "Recurso inexistente")
        parts = path[len(API) + 1 :].strip("/").split("/")
        if parts[0] in CATALOG_KINDS and len(parts) == 1 and method == "GET":
            return _Answer(200, self._page(self.catalogs[parts[0]], query))
        if parts[0] != "lines" or len(parts) > 2:
            raise _ClientError(404, "not_found", "Recurso inexistente")
        if len(parts) == 1:
            if method == "GET":
                return self._list_lines(query)
            if method == "POST":
                return self._create_line(headers, body)
        else:
            terminal = parts[1]
            if method == "GET":
                return _Answer(200, self._get_line(terminal))
            if method == "PATCH":
                return self._patch_line(terminal, body)
            if method == "DELETE":
                return self._delete_line(terminal)
        raise _ClientError(405, "method_not_allowed", "Método não permitido")

    def _page(self, items, query):
        try:
            page = int(query.get("page", 1))
            per_page = int(query.get("per_page", self.page_size))
        except ValueError:
            raise _ClientError(400, "bad_request", "page inválido") from None
        per_page = max(1, min(per_page, 500))
        pages = max(1, -(-len(items) // per_page))
        start = (page - 1) * per_page
        return {
            "items": items[start : start + per_page],
            "page": page,
            "pages": pages,
            "total": len(items),
        }

    def _get_line(self, terminal):
        with self._lock:
            line = self.lines.get(terminal)
        if line is None:
            raise _ClientError(404, "not_found", f"Terminal {terminal} não encontrado")
        return line

    def _list_lines(self, query):
        with self._lock:
            if "external_id" in query:
                line = self.line_by_external_id(query["external_id"])
                items = [line] if line else []
            else:
                items = list(self.lines.values())
        return _Answer(200, self._page(items, query))

    def _create_line(self, headers, body):
        if not isinstance(body, dict):
            raise _ClientError(400, "bad_request", "Corpo JSON obrigatório")
        key = headers.get("idempotency-key", "")
        with self._lock:
            if key and key in self._by_idempotency_key:
                terminal = self._by_idempotency_key[key]
                return _Answer(
                    200, self.lines[terminal], {"Idempotent-Replayed": "true"}
                )
            self._validate(body, creating=True)
            existing = self._by_external_id.get(body["external_id"])
            if existing:
                raise _ClientError(
                    409,
                    "conflict",
                    f"external_id já cadastrado no terminal {existing}",
                    terminal=existing,
                )
            terminal = str(next(self._counter))
            line = {name: body[name] for name in LINE_FIELDS if name in body}
            line.update(terminal=terminal, credential=secrets.token_urlsafe(9))
            line["dids"] = self._did_results(terminal, body.get("dids") or [])
            self.lines[terminal] = line
            self._by_external_id[line["external_id"]] = terminal
            if key:
                self._by_idempotency_key[key] = terminal
        return _Answer(201, line)

    def _patch_line(self, terminal, body):
        if not isinstance(body, dict) or not body:
            raise _ClientError(400, "bad_request", "Nenhum campo para alterar")
        if "external_id" in body:
            raise _ClientError(400, "bad_request", "external_id não pode ser alterado")
        with self._lock:
            line = dict(self._get_line(terminal))
            self._validate(body, creating=False, current=line)
            line.update(body)
            if "dids" in body:
                line["dids"] = self._did_results(terminal, body["dids"])
            self.lines[terminal] = line
        return _Answer(200, line)

    def _delete_line(self, terminal):
        with self._lock:
            line = self._get_line(terminal)
            del self.lines[terminal]
            self._by_external_id.pop(line.get("external_id"), None)
        return _Answer(204)

    def _did_results(self, terminal, dids):
        results = []
        for did in dids:
            port = did.get("port")
            if port is None:
                did_terminal = ""
            elif port == 1:
                did_terminal = terminal
            else:
                did_terminal = f"{terminal}-{port}"
            results.append(
                {
                    "number": did["number"],
                    "priority": did.get("priority", 1),
                    "port": port,
                    "terminal": did_terminal,
                    "credential": secrets.token_urlsafe(9) if did_terminal else "",
                }
            )
        return results

    def _validate(self, body, creating, current=None):
        unknown = sorted(set(body) - set(LINE_FIELDS))
        if unknown:
            raise _ClientError(
                400,
                "bad_request",
                f"Campo desconhecido: {unknown[0]}",
                field=unknown[0],
            )
        for name, kind in LINE_FIELDS.items():
            if name in body and not isinstance(body[name], kind):
                raise _ClientError(422, "invalid", f"Campo {name} inválido", field=name)
            if kind is int and isinstance(body.get(name), bool):
                raise _ClientError(422, "invalid", f"Campo {name} inválido", field=name)
        if creating:
            for name in ("external_id", "caller_id"):
                if not body.get(name):
                    raise _ClientError(
                        422, "invalid", f"Campo {name} obrigatório", field=name
                    )
        self._validate_values(body)
        merged = dict(current or {}, **body)
        self._validate_catalogs(merged, body)

    def _validate_values(self, body):
        if "caller_id" in body and not E164.match(body["caller_id"]):
            raise _ClientError(
                422,
                "invalid",
                "Número para binagem fora do padrão E.164",
                field="caller_id",
            )
        if body.get("bid_type", "terminal") not in ("terminal", "trunk"):
            raise _ClientError(422, "invalid", "bid_type deve ser terminal ou trunk")
        if "due_day" in body and not 1 <= body["due_day"] <= 25:
            raise _ClientError(422, "invalid", "Vencimento deve estar entre 1 e 25")
        if "call_limit" in body and body["call_limit"] < 1:
            raise _ClientError(422, "invalid", "Limite de chamadas deve ser ao menos 1")
        if body.get("activation_date") and not DATE.match(body["activation_date"]):
            raise _ClientError(422, "invalid", "Data de ativação inválida")
        if body.get("account_code") and not re.fullmatch(
            r"\d{6}", body["account_code"]
        ):
            raise _ClientError(422, "invalid", "Código da conta deve ter 6 dígitos")
        for did in body.get("dids") or []:
            if not isinstance(did, dict) or not E164.match(str(did.get("number", ""))):
                raise _ClientError(422, "invalid", "DID inválido", field="dids")
            port = did.get("port")
            if port is not None and (not isinstance(port, int) or port < 1):
                raise _ClientError(
                    422, "invalid", "Porta do DID inválida", field="dids"
                )

    def _validate_catalogs(self, merged, body):
        for name, kind in CATALOG_OF_FIELD.items():
            code = body.get(name)
            codes = {item["code"] for item in self.catalogs[kind]}
            if code and codes and code not in codes:
                raise _ClientError(
                    422, "invalid", f"Código {code!r} inexistente em {kind}", field=name
                )
        partition, category = merged.get("partition"), merged.get("category")
        if partition and category and ("partition" in body or "category" in body):
            for item in self.catalogs["partitions"]:
                allowed = item.get("categories")
                if item["code"] == partition and allowed and category not in allowed:
                    raise _ClientError(
                        422,
                        "invalid",
                        f"Categoria {category} não pertence à partição {partition}",
                        field="category",
                    )


class _HTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "SummitLoopback/1.0"
    timeout = 30  # idle keep-alive connections end after this
    summit = None  # set by SummitServer.start

    def setup(self):
        result = super().setup()
        # Answers go out in two writes (headers, body): without this, Nagle
        # and delayed ACKs add 40 ms to every request.
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return result

    def log_message(self, *args):  # pylint: disable=arguments-differ
        """Quiet: tests read ``SummitServer.requests`` instead."""

    def _dispatch(self):
        url = urlsplit(self.path)
        query = {k: v[0] for k, v in parse_qs(url.query).items()}
        headers = {k.lower(): v for k, v in self.headers.items()}
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        body = None
        if raw:
            try:
                body = json.loads(raw)
            except ValueError:
                self._send(
                    _Answer(
                        400,
                        {"error": {"code": "bad_request", "message": "JSON inválido"}},
                    )
                )
                return
        answer, fault = self.summit.handle(self.command, url.path, query, headers, body)
        if fault and fault.kind == "delay":
            time.sleep(fault.seconds)
        if fault and fault.kind == "malformed":
            self._send(_Answer(200), raw_body=b'{"terminal": "12345", "cred')
            return
        self._send(answer)

    def _send(self, answer, raw_body=None):
        payload = raw_body
        if payload is None and answer.body is not None:
            payload = json.dumps(answer.body).encode()
        try:
            self.send_response(answer.status)
            for name, value in answer.headers.items():
                self.send_header(name, value)
            if payload is not None:
                self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload or b"")))
            self.end_headers()
            if payload:
                self.wfile.write(payload)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True

    do_GET = do_POST = do_PATCH = do_DELETE = do_PUT = _dispatch
