# Copyright 2026 isp_telephony authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""A platform without a network, for the demo database and for training.

* Terminal and credential derive from the line's key alone (terminal
  ``SBX-`` + 8 hex digits of sha1(key), a 12-character credential from an
  HMAC of the key), so activating the same line again, even after a restart,
  gives the same answer.
* Lines live in a process-wide, thread-safe in-memory store chosen by
  ``config.extra["store_key"]`` (default ``"default"``), so :meth:`find_line`
  and :meth:`cancel_line` behave like a platform within one process.
* ``config.extra["fail"]`` injects failures on every call: ``""`` (none),
  ``"transient"`` (:class:`TransientError`) or ``"rejected"``
  (:class:`RejectedError`).
* :meth:`list_catalogs` returns a fixed Brazilian demo catalog.
"""

import base64
import copy
import hashlib
import hmac
import threading
from dataclasses import fields

from .base import (
    CATALOGS,
    PROVISIONING,
    CatalogEntry,
    Catalogs,
    DidResult,
    Gateway,
    GatewayError,
    LineResult,
    RejectedError,
    TransientError,
    _,
    register,
)

_SECRET = b"isp_telephony sandbox"
_LOCK = threading.Lock()
# store_key -> {key: {"result": LineResult, "spec": LineSpec}}
_STORES = {}

FAIL_NONE = ""
FAIL_TRANSIENT = "transient"
FAIL_REJECTED = "rejected"

_BLOCKING = {
    "default_category": "DEF",
    "block_category": "BLQ",
    "partial_block_category": "BLP",
    "cancel_category": "CAN",
}

DEMO_CATALOG = {
    "partitions": [
        ("SP01", "São Paulo - Capital", {"categories": ["DEF", "BLQ", "BLP", "CAN"]}),
        ("CPS01", "Campinas", {"categories": ["DEF", "BLQ", "BLP", "CAN"]}),
        ("RJ01", "Rio de Janeiro", {"categories": ["DEF", "BLQ", "BLP", "CAN"]}),
    ],
    "categories": [
        ("DEF", "Padrão", {}),
        ("BLQ", "Bloqueio total", {}),
        ("BLP", "Bloqueio parcial - somente recebe", {}),
        ("CAN", "Cancelado", {}),
    ],
    "plans": [
        ("RES100", "Residencial 100 min", {"minutes": 100}),
        ("RES300", "Residencial 300 min", {"minutes": 300}),
        ("PME500", "Empresarial 500 min", {"minutes": 500}),
    ],
    "licences": [
        ("RES", "Residencial básica", {}),
        ("TRK", "Tronco SIP", {}),
    ],
}


def sandbox_terminal(key, port=None):
    """The terminal the sandbox gives line ``key`` (or its DID ``port``)."""
    terminal = "SBX-" + hashlib.sha1(key.encode()).hexdigest()[:8].upper()
    if port not in (None, 1):
        terminal = f"{terminal}-{port}"
    return terminal


def sandbox_credential(terminal):
    """A 12-character credential derived from a terminal."""
    digest = hmac.new(_SECRET, terminal.encode(), hashlib.sha256).digest()
    return base64.b32encode(digest).decode()[:12].lower()


def reset_store(store_key=None):
    """Forget the lines of one store (all stores when ``store_key`` is None)."""
    with _LOCK:
        if store_key is None:
            _STORES.clear()
        else:
            _STORES.pop(store_key, None)


def _did_results(key, dids):
    results = []
    for did in dids:
        if did.port is None:
            results.append(DidResult(number=did.number))
            continue
        terminal = sandbox_terminal(key, did.port)
        results.append(DidResult(did.number, terminal, sandbox_credential(terminal)))
    return results


def _copy(result):
    return copy.deepcopy(result)


@register("sandbox")
class SandboxGateway(Gateway):
    """See the module docstring."""

    # No env here (plain Python): marked for the export, translated by the model.
    label = _("Sandbox (no platform)")  # pylint: disable=prefer-env-translation
    sequence = 90
    capabilities = frozenset({PROVISIONING, CATALOGS})
    # The demo's CDR files are written in Asterisk's Master.csv layout.
    default_cdr_layout = "isp_telephony.cdr_layout_asterisk_master_csv"

    def _store(self):
        store_key = (self.config.extra or {}).get("store_key", "default")
        return _STORES.setdefault(store_key, {})

    def _check_failure(self):
        fail = (self.config.extra or {}).get("fail") or FAIL_NONE
        if fail == FAIL_NONE:
            return
        if fail == FAIL_TRANSIENT:
            raise TransientError("Sandbox: platform unavailable (simulated)")
        if fail == FAIL_REJECTED:
            raise RejectedError("Sandbox: rejected by configuration", status=422)
        raise GatewayError(f"Sandbox: unknown failure mode {fail!r}")

    # Connection --------------------------------------------------------
    def check_connection(self):
        self._check_failure()
        return "Sandbox answered (simulated platform, no network)."

    # Lines -------------------------------------------------------------
    def find_line(self, key):
        self._check_failure()
        with _LOCK:
            entry = self._store().get(key)
            return _copy(entry["result"]) if entry else None

    def activate_line(self, spec):
        self._check_failure()
        terminal = sandbox_terminal(spec.key)
        with _LOCK:
            store = self._store()
            if spec.key not in store:
                result = LineResult(
                    terminal=terminal,
                    credential=sandbox_credential(terminal),
                    dids=_did_results(spec.key, spec.dids),
                )
                store[spec.key] = {"result": result, "spec": copy.deepcopy(spec)}
            return _copy(store[spec.key]["result"])

    def update_line(self, terminal, spec, changed):
        unknown = set(changed) - {f.name for f in fields(spec)}
        if unknown:
            raise ValueError(f"Not LineSpec fields: {sorted(unknown)}")
        self._check_failure()
        with _LOCK:
            entry = self._store().get(spec.key)
            if entry is None or entry["result"].terminal != terminal:
                return None
            for name in changed:
                if name != "key":
                    setattr(entry["spec"], name, copy.deepcopy(getattr(spec, name)))
            if "dids" in changed:
                entry["result"].dids = _did_results(spec.key, spec.dids)
            return _copy(entry["result"])

    def cancel_line(self, terminal):
        self._check_failure()
        with _LOCK:
            store = self._store()
            for key, entry in list(store.items()):
                if entry["result"].terminal == terminal:
                    del store[key]

    # Catalogs ----------------------------------------------------------
    def list_catalogs(self):
        self._check_failure()
        catalogs = Catalogs()
        for kind, rows in DEMO_CATALOG.items():
            entries = []
            for code, name, extra in rows:
                extra = dict(extra)
                if kind == "partitions":
                    extra.update(_BLOCKING)
                entries.append(CatalogEntry(code, name, extra=extra))
            setattr(catalogs, kind, entries)
        return catalogs

    # Inspection (demo and tests) ---------------------------------------
    def stored_spec(self, key):
        """The LineSpec last pushed for ``key`` in this store, or None."""
        with _LOCK:
            entry = self._store().get(key)
            return copy.deepcopy(entry["spec"]) if entry else None
