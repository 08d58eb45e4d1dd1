# Copyright 2026 isp_telephony authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Summit Networks platform adapter (REST/JSON over HTTPS).

Summit publishes no API specification; the wire shapes this module speaks are
written down in ``docs/summit-api.md``. Everything specific to Summit's wire
format lives here: the paths, :data:`WIRE_NAMES` (LineSpec field -> JSON
name), the error body and the response parsing. Fitting the real spec later
means changing this module and that document only.

Behaviour the rest of the addon relies on:

* one ``requests.Session`` per gateway instance (keep-alive), closed by
  :meth:`SummitGateway.close`;
* connection errors, timeouts, ``5xx`` and ``429`` are retried up to
  ``config.retries`` attempts with exponential backoff from ``config.backoff``,
  then raise :class:`TransientError`; ``4xx`` raises :class:`RejectedError`
  with Summit's own reason; unreadable answers raise :class:`ProtocolError`;
* :meth:`SummitGateway.activate_line` never creates two terminals for one
  key: it looks the key up first, and POSTs with an ``Idempotency-Key``;
* log lines carry method, path and status only, never credentials.
"""

import logging
import time
from urllib.parse import quote, urlsplit

import requests

from .base import (
    CATALOGS,
    PROVISIONING,
    CatalogEntry,
    Catalogs,
    DidResult,
    Gateway,
    GatewayError,
    LineResult,
    ProtocolError,
    RejectedError,
    TransientError,
    register,
)

_logger = logging.getLogger(__name__)

API = "/api/v1"
USER_AGENT = "isp_telephony/18.0"
# Longest wait we honour from a 429's Retry-After header, in seconds.
MAX_RETRY_AFTER = 30.0
# Pages followed at most when listing a catalog (guards against a loop).
MAX_PAGES = 100

# LineSpec field -> Summit JSON name. ``key`` travels as ``external_id``.
WIRE_NAMES = {
    "key": "external_id",
    "bid_type": "bid_type",
    "caller_id": "caller_id",
    "description": "description",
    "account_code": "account_code",
    "extension": "extension",
    "partition": "partition",
    "category": "category",
    "plan": "plan",
    "licence": "license",
    "cost_center": "cost_center",
    "activation_date": "activation_date",
    "due_day": "due_day",
    "call_limit": "call_limit",
    "active": "active",
    "dids": "dids",
}
# Fields Summit does not let a PATCH change.
NOT_UPDATABLE = {"key"}
CATALOG_PATHS = {
    "partitions": "/partitions",
    "categories": "/categories",
    "plans": "/plans",
    "licences": "/licences",
}


def _wire_value(spec, name):
    value = getattr(spec, name)
    if name == "dids":
        return [
            {"number": did.number, "priority": did.priority, "port": did.port}
            for did in value
        ]
    return value


def spec_to_wire(spec, fields=None):
    """The JSON body for ``spec``, restricted to ``fields`` (LineSpec names)
    when given."""
    names = WIRE_NAMES if fields is None else fields
    return {WIRE_NAMES[name]: _wire_value(spec, name) for name in names}


def _text(value, what):
    if value is None:
        return ""
    if not isinstance(value, str | int) or isinstance(value, bool):
        raise ProtocolError(f"Summit answered an unreadable {what}.")
    return str(value)


def parse_line(data, need_credential=False):
    """A LineResult from a Summit line object."""
    if not isinstance(data, dict) or not data.get("terminal"):
        raise ProtocolError("Summit answered without a terminal.")
    credential = _text(data.get("credential"), "credential")
    if need_credential and not credential:
        raise ProtocolError("Summit answered without a credential.")
    dids = data.get("dids") or []
    if not isinstance(dids, list):
        raise ProtocolError("Summit answered an unreadable DID list.")
    results = []
    for did in dids:
        if not isinstance(did, dict) or not did.get("number"):
            raise ProtocolError("Summit answered a DID without a number.")
        results.append(
            DidResult(
                number=_text(did["number"], "DID number"),
                terminal=_text(did.get("terminal"), "DID terminal"),
                credential=_text(did.get("credential"), "DID credential"),
            )
        )
    return LineResult(
        terminal=_text(data["terminal"], "terminal"),
        credential=credential,
        dids=results,
    )


# Catalogs whose entries Summit names by their acronym (the code our
# catalogs keep); the others by their code.
ACRONYM_CATALOGS = ("categories", "licences")


def parse_catalog(items, by_acronym=False):
    """CatalogEntry list from Summit catalog items; keys other than code,
    name and acronym go into ``extra`` (e.g. a partition's categories).
    ``by_acronym``: the entry's code is its acronym (the code when it has
    none)."""
    entries = []
    for item in items:
        if not isinstance(item, dict) or not item.get("code"):
            raise ProtocolError("Summit answered a catalog entry without a code.")
        code = _text(item["code"], "catalog code")
        if by_acronym:
            code = _text(item.get("acronym"), "catalog acronym") or code
        extra = {k: v for k, v in item.items() if k not in ("code", "name", "acronym")}
        entries.append(
            CatalogEntry(
                code=code,
                name=_text(item.get("name"), "catalog name") or code,
                extra=extra,
            )
        )
    return entries


def error_reason(response):
    """Summit's own reason from an error body, else the HTTP reason."""
    try:
        body = response.json()
    except ValueError:
        body = None
    reason = ""
    if isinstance(body, dict):
        error = body.get("error")
        if isinstance(error, dict):
            reason = error.get("message") or ""
        elif isinstance(error, str):
            reason = error
        reason = reason or body.get("message") or body.get("detail") or ""
    if not isinstance(reason, str):
        reason = ""
    return reason.strip()[:500] or response.reason or "no reason given"


def _seconds(value):
    return f"{value:g} s"


@register("summit")
class SummitGateway(Gateway):
    """See the module docstring. ``sleep`` is injectable for tests."""

    label = "Summit Networks"
    sequence = 10
    capabilities = frozenset({PROVISIONING, CATALOGS})
    default_cdr_layout = "isp_telephony.cdr_layout_summit_csv"

    def __init__(self, config, sleep=time.sleep):
        super().__init__(config)
        self._sleep = sleep
        base_url = (config.base_url or "").strip().rstrip("/")
        if not base_url:
            raise GatewayError("Summit: the integration has no access URL.")
        if "://" not in base_url:
            base_url = "https://" + base_url
        split = urlsplit(base_url)
        if split.username or split.password:
            raise GatewayError(
                "Summit: put the user and password in their own fields, "
                "not in the access URL."
            )
        self.base_url = base_url
        self._where = split.netloc
        self.session = requests.Session()
        self.session.auth = (config.username or "", config.password or "")
        self.session.headers.update(
            {"User-Agent": USER_AGENT, "Accept": "application/json"}
        )
        self.session.verify = config.verify_tls

    def close(self):
        self.session.close()

    # HTTP --------------------------------------------------------------
    def _request(self, method, path, params=None, json=None, headers=None, ok=()):
        """Send one logical request with retries; returns the response of a
        2xx answer (or of a status in ``ok``)."""
        attempts = max(1, int(self.config.retries or 1))
        delay = float(self.config.backoff or 0)
        url = self.base_url + API + path
        for attempt in range(1, attempts + 1):
            last = attempt == attempts
            try:
                response = self.session.request(
                    method,
                    url,
                    params=params,
                    json=json,
                    headers=headers,
                    timeout=self.config.timeout,
                    verify=self.config.verify_tls,
                )
            except requests.Timeout:
                _logger.warning("Summit %s %s -> timeout", method, path)
                if last:
                    raise TransientError(
                        f"Summit did not answer within "
                        f"{_seconds(self.config.timeout)} ({attempts} attempts)"
                    ) from None
            except requests.exceptions.SSLError:
                _logger.warning("Summit %s %s -> TLS failure", method, path)
                raise GatewayError(
                    f"Summit at {self._where}: the TLS connection failed "
                    f"(certificate not trusted or wrong protocol)."
                ) from None
            except requests.ConnectionError:
                _logger.warning("Summit %s %s -> connection failed", method, path)
                if last:
                    raise TransientError(
                        f"Summit could not be reached at {self._where} "
                        f"({attempts} attempts)"
                    ) from None
            except requests.RequestException as exc:
                _logger.warning("Summit %s %s -> %s", method, path, type(exc).__name__)
                raise GatewayError(
                    f"Summit request failed ({type(exc).__name__})"
                ) from None
            else:
                status = response.status_code
                level = logging.INFO if status < 400 else logging.WARNING
                _logger.log(level, "Summit %s %s -> %s", method, path, status)
                if status < 400 or status in ok:
                    return response
                if status == 429 or status >= 500:
                    if last:
                        raise TransientError(
                            f"Summit error {status}: {error_reason(response)}",
                            status=status,
                        )
                    delay = max(delay, self._retry_after(response))
                else:
                    raise RejectedError(
                        f"Summit rejected the request ({status}): "
                        f"{error_reason(response)}",
                        status=status,
                    )
            self._sleep(delay)
            delay *= 2
        raise AssertionError("unreachable")  # pragma: no cover

    @staticmethod
    def _retry_after(response):
        try:
            return min(float(response.headers.get("Retry-After", 0)), MAX_RETRY_AFTER)
        except ValueError:
            return 0.0

    @staticmethod
    def _json(response):
        try:
            return response.json()
        except ValueError:
            raise ProtocolError(
                f"Summit answered something that is not JSON "
                f"(HTTP {response.status_code})."
            ) from None

    def _get_pages(self, path, params=None):
        """All items of a paged list."""
        items, page = [], 1
        while True:
            body = self._json(self._request("GET", path, dict(params or {}, page=page)))
            if not isinstance(body, dict) or not isinstance(body.get("items"), list):
                raise ProtocolError("Summit answered a list without items.")
            items.extend(body["items"])
            pages = body.get("pages", 1)
            if not isinstance(pages, int) or page >= min(pages, MAX_PAGES):
                return items
            page += 1

    # Lines -------------------------------------------------------------
    def find_line(self, key):
        items = self._get_pages("/lines", {"external_id": key})
        matches = [item for item in items if isinstance(item, dict)]
        matches = [m for m in matches if m.get("external_id") in (key, None)]
        if not matches:
            return None
        if len(matches) > 1:
            _logger.warning("Summit holds %d lines for one key", len(matches))
        return parse_line(matches[0])

    def activate_line(self, spec):
        existing = self.find_line(spec.key)
        if existing:
            return existing
        try:
            response = self._request(
                "POST",
                "/lines",
                json=spec_to_wire(spec),
                headers={"Idempotency-Key": spec.key},
            )
        except RejectedError as exc:
            # 409: created meanwhile by another attempt; return that line.
            if exc.status == 409:
                existing = self.find_line(spec.key)
                if existing:
                    return existing
            raise
        return parse_line(self._json(response), need_credential=True)

    def update_line(self, terminal, spec, changed):
        unknown = set(changed) - set(WIRE_NAMES)
        if unknown:
            raise ValueError(f"Not LineSpec fields: {sorted(unknown)}")
        fields = [name for name in WIRE_NAMES if name in changed]
        fields = [name for name in fields if name not in NOT_UPDATABLE]
        if not fields:
            return None
        response = self._request(
            "PATCH",
            f"/lines/{quote(str(terminal), safe='')}",
            json=spec_to_wire(spec, fields),
        )
        if response.status_code == 204 or not response.content:
            return None
        return parse_line(self._json(response))

    def cancel_line(self, terminal):
        self._request("DELETE", f"/lines/{quote(str(terminal), safe='')}", ok=(404,))

    # Connection --------------------------------------------------------
    def check_connection(self):
        """One authenticated read (the first page of partitions)."""
        response = self._request("GET", CATALOG_PATHS["partitions"], params={"page": 1})
        self._json(response)
        return "Summit answered and accepted the credentials."

    # Catalogs ----------------------------------------------------------
    def list_catalogs(self):
        catalogs = Catalogs()
        for kind, path in CATALOG_PATHS.items():
            entries = parse_catalog(
                self._get_pages(path), by_acronym=kind in ACRONYM_CATALOGS
            )
            setattr(catalogs, kind, entries)
        return catalogs
