# Copyright 2026 isp_telephony authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""CallMyWay HTTPS client: Click2Dial and CDR retrieval (seed 001).

* ``GET {base_url}/Welcome/ClickToDialExtenal?username=&password=&first_num=
  &second_num=`` (the platform spells it *Extenal*). A 200 only means the
  request was queued in CallMyWay's database, not that the call succeeded.
* ``GET {base_url}/getCdrs.php?username=&password=&recent=1`` (last 24 h) or
  ``...&dateStart=&dateEnd=&ini=&cant=`` (a date range, paged).
* CallMyWay serves one request every 4 seconds per account; faster requests
  are delayed and the delays pile up. A process-wide limiter keyed by
  ``base_url + username`` spaces requests at least ``min_interval`` apart.

The password travels in the query string: URLs are only ever logged or put
in error messages in their redacted form (:func:`redact_url`).

Settings read from ``GatewayConfig.extra``: ``click_to_dial_path``,
``cdr_path``, ``min_interval`` (seconds, default 4), ``page_size`` (default
100), ``max_pages`` (default 1000).
"""

import logging
import threading
import time
from dataclasses import dataclass
from datetime import date, datetime
from urllib.parse import quote, urlencode

import requests

from ..tools import log_redaction
from .base import (
    CALL_EVENTS,
    CDR_FETCH,
    CLICK_TO_DIAL,
    EVENTS_WEBHOOK,
    Gateway,
    ProtocolError,
    RejectedError,
    TransientError,
    register,
)

_logger = logging.getLogger(__name__)

CLICK_TO_DIAL_PATH = "/Welcome/ClickToDialExtenal"
CDR_PATH = "/getCdrs.php"
MIN_INTERVAL = 4.0
PAGE_SIZE = 100
MAX_PAGES = 1000
USER_AGENT = "isp_telephony/18.0 (Odoo; CallMyWay client)"
DATE_FORMAT = "%Y-%m-%d %H:%M:%S"
# Keys under which a JSON object answer may hold the CDR list.
CDR_LIST_KEYS = ("cdrs", "data", "records", "result")


def redact_url(url):
    """``url`` with the value of every secret query parameter masked."""
    return log_redaction.redact(url)


class RateLimiter:
    """At least ``interval`` seconds between the starts of two requests with
    the same key. Thread-safe: each caller reserves the next free slot under a
    lock, then sleeps outside it until its slot comes."""

    def __init__(self):
        self._lock = threading.Lock()
        self._next = {}

    def wait(self, key, interval, clock=time.monotonic, sleep=time.sleep):
        """Block until ``key`` may send; returns the seconds waited."""
        with self._lock:
            now = clock()
            slot = max(now, self._next.get(key, now))
            self._next[key] = slot + interval
        delay = slot - now
        if delay > 0:
            sleep(delay)
        return max(delay, 0.0)

    def reset(self, key=None):
        with self._lock:
            if key is None:
                self._next.clear()
            else:
                self._next.pop(key, None)


# urllib3 logs every request line (with its query string) at DEBUG.
log_redaction.install_filter("urllib3.connectionpool")

# One per process: every client of one account shares its spacing.
LIMITER = RateLimiter()


@dataclass
class ClickToDialResult:
    """CallMyWay accepted the request. ``queued`` is all it means: the
    platform will now ring ``first_num``, then ``second_num``; whether the
    call connects shows later in the webhook and the CDRs."""

    queued: bool
    status: int
    message: str = ""
    first_num: str = ""
    second_num: str = ""


def _format_date(value):
    if isinstance(value, datetime):
        return value.strftime(DATE_FORMAT)
    if isinstance(value, date):
        return value.strftime("%Y-%m-%d 00:00:00")
    return str(value)


@register("callmyway")
class CallMyWayGateway(Gateway):
    """One account's CallMyWay API. One HTTP session per client. CallMyWay
    has no provisioning API: lines are created in its own portal."""

    label = "CallMyWay"
    sequence = 20
    capabilities = frozenset({CLICK_TO_DIAL, CDR_FETCH, CALL_EVENTS})
    # Calls are posted to the webhook controller (tools/call_events.py maps
    # the payload); CDRs come from the API, no CDR file layout.
    event_source = EVENTS_WEBHOOK

    def __init__(self, config, sleep=time.sleep, clock=time.monotonic):
        super().__init__(config)
        self.sleep = sleep
        self.clock = clock
        extra = config.extra or {}
        self.base_url = (config.base_url or "").rstrip("/")
        if not self.base_url:
            raise RejectedError("CallMyWay: the integration has no base URL.")
        self.click_to_dial_path = extra.get("click_to_dial_path", CLICK_TO_DIAL_PATH)
        self.cdr_path = extra.get("cdr_path", CDR_PATH)
        self.min_interval = float(extra.get("min_interval", MIN_INTERVAL))
        self.page_size = int(extra.get("page_size", PAGE_SIZE))
        self.max_pages = int(extra.get("max_pages", MAX_PAGES))
        self.session = requests.Session()
        self.session.headers["User-Agent"] = USER_AGENT
        self.session.verify = config.verify_tls

    def close(self):
        self.session.close()

    @property
    def limiter_key(self):
        return f"{self.base_url}|{self.config.username}"

    # Requests ----------------------------------------------------------
    def _url(self, path, params):
        query = urlencode(params, quote_via=quote, safe="")
        return f"{self.base_url}{path}?{query}"

    def _get(self, path, params):
        """One rate-limited GET; returns the response or raises a
        GatewayError whose message holds no credential."""
        params = [
            ("username", self.config.username),
            ("password", self.config.password),
        ] + list(params)
        url = self._url(path, params)
        shown = redact_url(url)
        LIMITER.wait(self.limiter_key, self.min_interval, self.clock, self.sleep)
        _logger.debug("CallMyWay GET %s", shown)
        timeout = self.config.timeout
        try:
            response = self.session.get(url, timeout=timeout, allow_redirects=False)
        except requests.Timeout:
            raise TransientError(
                f"CallMyWay did not answer within {timeout:g} s ({shown})."
            ) from None
        except requests.RequestException as exc:
            # The exception's own text holds the full URL: never pass it on.
            raise TransientError(
                f"Cannot reach CallMyWay ({type(exc).__name__}) at {shown}."
            ) from None
        status = response.status_code
        _logger.debug("CallMyWay GET %s -> HTTP %s", shown, status)
        if status in (401, 403):
            raise RejectedError("CallMyWay refused the credentials", status=status)
        if status == 429 or status >= 500:
            raise TransientError(
                f"CallMyWay is unavailable (HTTP {status}); try again later.",
                status=status,
            )
        if status != 200:
            raise RejectedError(
                f"CallMyWay rejected the request (HTTP {status}).", status=status
            )
        return response

    def _get_retrying(self, path, params):
        """GET for reads: transient failures are retried with backoff."""
        attempts = max(1, int(self.config.retries or 1))
        delay = self.config.backoff
        for attempt in range(1, attempts + 1):
            try:
                return self._get(path, params)
            except TransientError as exc:
                if attempt == attempts:
                    raise
                _logger.warning(
                    "CallMyWay attempt %s/%s failed: %s", attempt, attempts, exc
                )
                self.sleep(delay)
                delay *= 2
        raise AssertionError("unreachable")  # pragma: no cover

    # Connection --------------------------------------------------------
    def check_connection(self):
        """One authenticated read: the recent CDRs (answer ignored)."""
        response = self._get(self.cdr_path, [("recent", "1")])
        self._cdr_list(response)
        return "CallMyWay answered and accepted the credentials."

    # Click2Dial --------------------------------------------------------
    def click_to_dial(self, first_num, second_num):
        """Ask CallMyWay to ring ``first_num`` (the agent's CallMyWay user or
        number) and then connect ``second_num``. Not retried: a retry after a
        lost answer could ring the customer twice."""
        first_num, second_num = str(first_num or ""), str(second_num or "")
        if not first_num or not second_num:
            raise RejectedError("Click2Dial needs both numbers.")
        response = self._get(
            self.click_to_dial_path,
            [("first_num", first_num), ("second_num", second_num)],
        )
        return ClickToDialResult(
            queued=True,
            status=response.status_code,
            message=response.text.strip()[:500],
            first_num=first_num,
            second_num=second_num,
        )

    def place_call(self, request):
        """Click2Dial rings the agent's CallMyWay user (the chosen caller ID,
        else the agent's endpoint), then the number without its ``+``. A 200
        only means queued (seed 001): the webhook reports what follows."""
        return self.click_to_dial(
            request.caller_id or request.endpoint, request.number.lstrip("+")
        )

    # CDRs --------------------------------------------------------------
    def _cdr_list(self, response):
        text = response.text.strip()
        if not text:
            return []
        try:
            payload = response.json()
        except ValueError:
            raise ProtocolError(
                "CallMyWay answered the CDR request with something else than JSON."
            ) from None
        if isinstance(payload, dict):
            for key in CDR_LIST_KEYS:
                if isinstance(payload.get(key), list):
                    payload = payload[key]
                    break
            else:
                if not payload:
                    return []
        if not isinstance(payload, list) or not all(
            isinstance(item, dict) for item in payload
        ):
            raise ProtocolError("CallMyWay's CDR answer is not a list of records.")
        return payload

    def get_cdrs(self, start=None, end=None, recent=False):
        """CDRs as raw dicts: the last 24 h with ``recent=True``, else those
        between ``start`` and ``end`` (datetimes or ``YYYY-MM-DD HH:MM:SS``
        strings in the account's time zone), fetched page by page with
        ``ini``/``cant`` until a short page. Duplicate ``callid`` values
        (a record shifting between pages) are kept once."""
        if recent:
            return self._cdr_list(self._get_retrying(self.cdr_path, [("recent", 1)]))
        if start is None or end is None:
            raise RejectedError("CDR retrieval needs a start and an end, or recent.")
        records, seen, previous = [], set(), None
        for page in range(self.max_pages):
            ini = page * self.page_size
            batch = self._cdr_list(
                self._get_retrying(
                    self.cdr_path,
                    [
                        ("dateStart", _format_date(start)),
                        ("dateEnd", _format_date(end)),
                        ("ini", ini),
                        ("cant", self.page_size),
                    ],
                )
            )
            ids = [item.get("callid") for item in batch]
            if batch and ids == previous:
                raise ProtocolError(
                    "CallMyWay returned the same CDR page twice: it ignores "
                    "the ini/cant paging."
                )
            previous = ids
            for item in batch:
                callid = item.get("callid")
                if callid is not None:
                    if callid in seen:
                        continue
                    seen.add(callid)
                records.append(item)
            if len(batch) < self.page_size:
                return records
        raise ProtocolError(
            f"CallMyWay returned more than {self.max_pages} CDR pages; narrow "
            "the date range."
        )

    def fetch_cdrs(self, start=None, end=None, recent=False):
        return self.get_cdrs(start=start, end=end, recent=recent)


# The name tests and older code use.
CallMyWayClient = CallMyWayGateway
