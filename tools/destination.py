# Copyright 2026 isp_telephony authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Destination classes of a call: what the rating engine prices by class.

Plain Python, no Odoo. The dialled number of a CDR is classified once per
(number, line area code, country) and the answer is cached, because the same
numbers come back call after call. Brazilian numbers are read by the fast
path of :mod:`phone` (no parsing); ``phonenumbers`` only parses the rest.

Classes (string codes, stored as they are on CDRs and rates):

* ``local_fixed`` / ``local_mobile``: same area code (DDD) as the line;
* ``national_fixed`` / ``national_mobile``: another area code of the country;
* ``international``: another country;
* ``toll_free``: 0800;
* ``non_geographic``: 0300/0500/0900 and 3003/4004-style numbers;
* ``emergency``: every short code (190, 192, 193, 199, 100, 180...):
  emergency and public-utility services, always free;
* ``on_net``: the dialled number is another line of the company;
* ``inbound``: the line received the call;
* ``unknown``: an outbound call to something that is not a number we can read
  (withheld, garbage). It is still priced by prefix/default, never silently.
"""

from functools import lru_cache

from . import direction as call_direction
from . import phone

LOCAL_FIXED = "local_fixed"
NATIONAL_FIXED = "national_fixed"
LOCAL_MOBILE = "local_mobile"
NATIONAL_MOBILE = "national_mobile"
INTERNATIONAL = "international"
TOLL_FREE = "toll_free"
NON_GEOGRAPHIC = "non_geographic"
EMERGENCY = "emergency"
ON_NET = "on_net"
INBOUND = "inbound"
UNKNOWN = "unknown"

CLASSES = (
    LOCAL_FIXED,
    NATIONAL_FIXED,
    LOCAL_MOBILE,
    NATIONAL_MOBILE,
    INTERNATIONAL,
    TOLL_FREE,
    NON_GEOGRAPHIC,
    EMERGENCY,
    ON_NET,
    INBOUND,
    UNKNOWN,
)


# Size of the classification cache: distinct (number, DDD, country) triples.
CACHE_SIZE = 1 << 18


_GEOGRAPHIC = frozenset({phone.FIXED, phone.MOBILE})


@lru_cache(maxsize=CACHE_SIZE)
def _number(dialled, line_area_code, country):
    """``(base_class, e164, prefix_digits, area_code)`` of a dialled number.

    ``base_class`` is a class, or ``"fixed"``/``"mobile"`` for geographic
    numbers (local or national is decided against the line's area code by
    the caller). Brazilian numbers are read by the fast path of
    :func:`phone.parse`; phonenumbers parses only what it cannot decide.
    """
    number = phone.parse(dialled, country, line_area_code)
    kind = number.kind
    if kind == phone.SHORT_CODE:
        return EMERGENCY, None, "", None
    if not number.valid:
        raw = (dialled or "").strip()
        digits = raw[1:] if raw.startswith("+") and raw[1:].isdigit() else ""
        return UNKNOWN, None, digits, None
    if kind in _GEOGRAPHIC:
        return kind, number.e164, number.e164_digits, number.area_code
    return _KIND_CLASS.get(kind, UNKNOWN), number.e164, number.e164_digits, None


_KIND_CLASS = {
    phone.INTERNATIONAL: INTERNATIONAL,
    phone.TOLL_FREE: TOLL_FREE,
    phone.NON_GEOGRAPHIC: NON_GEOGRAPHIC,
}
_LOCAL = {phone.FIXED: LOCAL_FIXED, phone.MOBILE: LOCAL_MOBILE}
_NATIONAL = {phone.FIXED: NATIONAL_FIXED, phone.MOBILE: NATIONAL_MOBILE}


@lru_cache(maxsize=CACHE_SIZE)
def destination(dialled, line_area_code, country="BR"):
    """``(dest_class, e164, prefix_digits)`` of an outbound dialled number.

    ``e164`` is ``None`` when the number has no E.164 form (short codes,
    unreadable input); ``prefix_digits`` is what rate prefixes are matched on:
    the E.164 digits without ``+`` (the raw digits after a ``+`` when
    phonenumbers does not know the range), or ``""`` when there are none.
    On-net is not decided here (it depends on the company's lines).
    """
    dialled = dialled or ""
    line_area_code = line_area_code or None
    # An E.164 number reads the same from every area code: share the entry.
    base, e164, digits, area = _number(
        dialled, None if dialled.startswith("+") else line_area_code, country
    )
    if base in _GEOGRAPHIC:
        local = area is not None and area == line_area_code
        return (_LOCAL if local else _NATIONAL)[base], e164, digits
    return base, e164, digits


def cache_clear():
    """Forget every classification (tests, benchmarks)."""
    destination.cache_clear()
    _number.cache_clear()


def classify(direction, dialled, line_area_code, country="BR", on_net=frozenset()):
    """Destination class of a call.

    ``direction`` is one of :mod:`.direction` (an internal call is rated
    as an outbound one); ``dialled`` an E.164
    string or short-code digits as the CDR importer stores them;
    ``line_area_code`` the DDD of the line that made the call; ``on_net`` the
    E.164 numbers of the company's own lines.
    """
    if direction == call_direction.INBOUND:
        return INBOUND
    if direction not in (call_direction.OUTBOUND, call_direction.INTERNAL):
        raise ValueError(f"unknown call direction {direction!r}")
    dest_class, e164, _digits = destination(dialled, line_area_code or None, country)
    if e164 is not None and e164 in on_net:
        return ON_NET
    return dest_class
