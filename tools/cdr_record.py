# Copyright 2026 isp_telephony authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""What a CDR source yields, and the readers of its values.

:class:`CdrRecord` (one call leg, normalised), :class:`Rejection` (a row not
imported, and why), :class:`CdrFileError` (a file not imported at all); the
value readers every source shares (the CSV rows of :mod:`.cdr_rows`, the
CallMyWay items of :mod:`.callmyway_cdr`): numbers to E.164, seconds, money,
and the texts a spreadsheet would run as formulas.

Built for speed (an import must sustain tens of thousands of rows per
second): numbers go through the Brazilian fast path of :mod:`.phone` for
already-clean input and a bounded LRU cache in front of :func:`.phone.parse`.
"""

import math
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache

from . import phone, safe_text

NUMBER_CACHE_SIZE = 100000

# Brazilian area codes (DDD).
_DDD = phone.BR_AREA_CODES


class CdrFileError(Exception):
    """The file as a whole cannot be imported (nothing of it should be kept)."""

    def __init__(self, reason):
        super().__init__(reason)
        self.reason = reason


class _Reject(Exception):
    """Internal: this row cannot be read, for ``reason``."""


@dataclass(slots=True)
class CdrRecord:
    """One call leg, normalised. Times are naive UTC datetimes."""

    call_id: str
    original_call_id: str
    direction: str
    ani_raw: str
    dnis_raw: str
    ani_e164: str
    dnis_e164: str
    detect_time: datetime
    connect_time: datetime | None
    disconnect_time: datetime
    duration: int
    billsec: int
    disposition: str
    cost: float | None = None
    access_fee: float | None = None
    rate: float | None = None
    route_pattern: str = ""
    route_name: str = ""
    account_code: str = ""
    terminal: str = ""
    line_no: int = 0
    raw: str = ""


CDR_FIELDS = tuple(CdrRecord.__dataclass_fields__)


@dataclass(slots=True, frozen=True)
class Rejection:
    """A row that was not imported, and why (shown to the user)."""

    line_no: int
    raw: str
    reason: str


class _Numbers:
    """Number normaliser for one country.

    ``e164(raw, area)`` reads ``raw`` as dialled from area code ``area``
    (digits, or '' for none): clean Brazilian input takes the fast path of
    :func:`.phone.fast_e164`, anything else goes to :func:`.phone.parse`
    behind a bounded LRU cache.
    """

    def __init__(self, country, cache_size=NUMBER_CACHE_SIZE):
        self.country = (country or "BR").upper()
        self.slow = lru_cache(maxsize=cache_size)(self._parse)
        if self.country != "BR":
            self.e164 = self.slow
            return
        slow = self.slow
        fast = phone.fast_e164

        def e164(raw, area):
            found = fast(raw, area)
            return found if found is not None else slow(raw, area)

        self.e164 = e164

    def _parse(self, raw, area):
        number = phone.parse(raw, self.country, area or None)
        if number.e164:
            return number.e164
        if number.kind == phone.SHORT_CODE:
            return number.digits
        return ""


@lru_cache(maxsize=32)
def _numbers(country):
    return _Numbers(country)


def _digits(text):
    return "".join(ch for ch in str(text or "") if ch.isdigit())


def _own_area(e164, default):
    """The DDD of a Brazilian E.164 number, else ``default``."""
    return e164[3:5] if e164[:3] == "+55" and e164[3:5] in _DDD else default


# First characters of a spreadsheet formula, as a set ("" is not in it).
_FORMULA_FIRST = frozenset(safe_text.FORMULA_START)


def _check_texts(ani, dnis, route_name, account_code, terminal):
    """Reject a row whose numbers are not numbers, or whose short texts a
    spreadsheet would run as formulas (tools/safe_text.py): a caller chooses
    their caller ID, and these columns are exported by users."""
    if not (ani.isdigit() or not ani):
        problem = safe_text.number_problem(ani)
        if problem:
            raise _Reject(f"caller number (ANI) {problem}")
    if not (dnis.isdigit() or not dnis):
        problem = safe_text.number_problem(dnis)
        if problem:
            raise _Reject(f"called number (DNIS) {problem}")
    for what, text in (
        ("route name", route_name),
        ("account code", account_code),
        ("terminal", terminal),
    ):
        if text[:1] in _FORMULA_FIRST:
            problem = safe_text.formula_problem(text.strip())
            if problem:
                raise _Reject(f"{what} {problem}")


def normalise_number(raw, country="BR", area_code=None):
    """E.164, or the bare digits of a short code, or '' (withheld/unreadable)."""
    return _numbers(country or "BR").e164((raw or "").strip(), _digits(area_code))


def _seconds(text, what):
    """Whole seconds; decimals are rounded up (billing per started second)."""
    if text == "":
        return None
    try:
        value = int(text)
    except ValueError:
        try:
            fraction = float(text.replace(",", "."))
        except ValueError:
            raise _Reject(f"{what} is not a number: {text!r}") from None
        if not math.isfinite(fraction):
            raise _Reject(f"{what} is not a number: {text!r}") from None
        value = math.ceil(fraction)
    if value < 0:
        raise _Reject(f"negative {what}: {value}")
    return value


def _money(text, what, comma):
    text = text.strip()
    if not text:
        return None
    if comma:
        text = text.replace(".", "").replace(",", ".")
    try:
        value = float(text)
    except ValueError:
        raise _Reject(f"{what} is not a number: {text!r}") from None
    if not math.isfinite(value):
        raise _Reject(f"{what} is not a number: {text!r}")
    return value
