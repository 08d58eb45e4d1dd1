# Copyright 2026 isp_telephony authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Telephone numbers as people and platforms write them, turned into E.164.

Plain Python on top of ``phonenumbers``: no Odoo, no database. Every part of
the addon that compares numbers (CDR matching, caller pop-ups, ranges, rating)
goes through :func:`parse` so that ``(11) 3456-7890``, ``011 3456 7890``,
``0 21 11 3456-7890`` and ``+55 11 3456 7890`` are one and the same key.

Brazilian specifics handled here (the default country is configurable):

* a local number without area code takes the default DDD;
* ``0 + DDD + number`` (national trunk prefix) and ``0 + CSP + DDD + number``
  (carrier selection code, two digits) for long distance;
* ``00 + CSP + country code + number`` and ``00``/``+`` for international;
* the mobile ninth digit: an 8-digit number starting with 6-9 is an old-style
  mobile and gets its leading 9;
* ``0300/0500/0800/0900`` and ``3003/4004``-style non-geographic numbers;
* emergency and utility short codes (``190``, ``192``, ``193``, ``100``...),
  which have no E.164 form and are reported as ``short_code``.

The Brazilian fast path (the one of the addon: CDR parsing, destination
classes and the rater's area codes all go through it): clean Brazilian input
(digits, ``+55`` and digits) whose answer is certain is read from the area
code table and from ``phonenumbers``' own metadata patterns, without parsing
(:func:`fast_e164`, :func:`br_kind`, :func:`area_code`). ``phonenumbers``
parses only what the fast path cannot decide (:func:`parse_with_phonenumbers`
is that slow path alone, the reference the tests compare the fast one with).
"""

import re
from dataclasses import dataclass
from functools import lru_cache

import phonenumbers
from phonenumbers import PhoneNumberType

# Kinds a number can be, the vocabulary the rest of the addon uses.
FIXED = "fixed"
MOBILE = "mobile"
TOLL_FREE = "toll_free"
NON_GEOGRAPHIC = "non_geographic"
INTERNATIONAL = "international"
SHORT_CODE = "short_code"
WITHHELD = "withheld"
INVALID = "invalid"

KINDS = (
    FIXED,
    MOBILE,
    TOLL_FREE,
    NON_GEOGRAPHIC,
    INTERNATIONAL,
    SHORT_CODE,
    WITHHELD,
    INVALID,
)

# What platforms send instead of a number when the caller hides it.
WITHHELD_WORDS = frozenset(
    {
        "",
        "anonymous",
        "anonimo",
        "anônimo",
        "private",
        "privado",
        "restricted",
        "unknown",
        "unavailable",
        "withheld",
        "blocked",
    }
)

# Brazilian short codes: emergency (19x), utility and public services.
BR_SHORT_CODE_RE = re.compile(r"^(1\d{2}|1\d{4})$")

_NON_DIGITS = re.compile(r"[^\d+]")
# Letters on a keypad, for numbers like 0800-FLORES.
_KEYPAD = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "22233344455566677778889999")

_TYPE_KIND = {
    PhoneNumberType.FIXED_LINE: FIXED,
    PhoneNumberType.MOBILE: MOBILE,
    PhoneNumberType.FIXED_LINE_OR_MOBILE: FIXED,
    PhoneNumberType.TOLL_FREE: TOLL_FREE,
    PhoneNumberType.PREMIUM_RATE: NON_GEOGRAPHIC,
    PhoneNumberType.SHARED_COST: NON_GEOGRAPHIC,
    PhoneNumberType.UAN: NON_GEOGRAPHIC,
    PhoneNumberType.VOIP: FIXED,
    PhoneNumberType.PERSONAL_NUMBER: MOBILE,
    PhoneNumberType.PAGER: MOBILE,
}


@dataclass(frozen=True)
class Number:
    """The result of reading one number."""

    raw: str
    kind: str
    e164: str | None = None
    country_code: int | None = None
    # DDD for Brazilian geographic numbers (the national destination code).
    area_code: str | None = None
    # National significant number (digits, without country code).
    national_number: str | None = None
    # What a short code or unparseable input reduces to, for display.
    digits: str = ""
    reason: str | None = None

    @property
    def valid(self):
        return self.e164 is not None

    @property
    def e164_digits(self):
        """E.164 without the plus, the form rate prefixes are matched on."""
        return self.e164[1:] if self.e164 else ""


def _clean(raw):
    text = (raw or "").strip()
    if "@" in text:
        # SIP URIs: sip:+551134567890@host;user=phone
        text = text.split("@", 1)[0]
    text = re.sub(r"^(sips?|tel):", "", text, flags=re.IGNORECASE)
    # Extensions ("ramal", "ext", "x123") are not part of the number.
    text = re.split(r"(?i)\s*(?:ext\.?|ramal|r\.|x)\s*\d+$", text)[0]
    if re.search(r"[A-Za-z]", text) and re.fullmatch(r"[\d\s()+\-.A-Za-z]+", text):
        text = text.upper().translate(_KEYPAD)
    cleaned = _NON_DIGITS.sub("", text)
    # A "+" is only meaningful as the first character.
    return cleaned[0] + cleaned[1:].replace("+", "") if cleaned else cleaned


def _kind(number, default_country):
    region = phonenumbers.region_code_for_number(number)
    if region != default_country:
        return INTERNATIONAL
    return _TYPE_KIND.get(phonenumbers.number_type(number), FIXED)


def _area_code(number):
    nsn = phonenumbers.national_significant_number(number)
    length = phonenumbers.length_of_geographical_area_code(number)
    return nsn[:length] if length else None


def _result(raw, number, default_country):
    if not phonenumbers.is_valid_number(number):
        return None
    return Number(
        raw=raw,
        kind=_kind(number, default_country),
        e164=phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164),
        country_code=number.country_code,
        area_code=_area_code(number),
        national_number=phonenumbers.national_significant_number(number),
        digits=phonenumbers.national_significant_number(number),
    )


def _try(text, region, raw, default_country):
    try:
        number = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException:
        return None
    return _result(raw, number, default_country)


def _br_candidates(digits, area_code):
    """National forms a Brazilian dialled string may stand for, best first."""
    candidates = []
    if digits.startswith("00"):
        rest = digits[2:]
        # 00 + CSP + country code + number, then 00 + country code + number.
        candidates += ["+" + rest[2:], "+" + rest]
        return candidates
    if (
        digits.startswith("0")
        and len(digits) >= 11
        and digits[1:4]
        in (
            "300",
            "500",
            "800",
            "900",
        )
    ):
        return [digits]
    if digits.startswith("0"):
        rest = digits[1:]
        if len(rest) in (12, 13):
            # 0 + CSP + DDD + number
            candidates.append(rest[2:])
        if len(rest) in (10, 11):
            candidates.append(rest)
        if len(rest) in (12, 13):
            candidates.append(rest)
        return candidates
    if len(digits) in (12, 13) and digits.startswith("55"):
        candidates.append("+" + digits)
    if len(digits) == 8 and digits[0] in "6789" and area_code:
        # An old-style 8-digit mobile: add the ninth digit.
        candidates.append(area_code + "9" + digits)
    if len(digits) == 10 and digits[2] in "6789":
        candidates.append(digits[:2] + "9" + digits[2:])
    if len(digits) in (8, 9) and area_code and not digits.startswith(("300", "400")):
        candidates.append(area_code + digits)
    candidates.append(digits)
    return candidates


# ---------------------------------------------------------------- Brazilian fast path

# Brazilian area codes (DDD).
BR_AREA_CODES = frozenset(
    (  # noqa: SIM905 - the table as Anatel publishes it
        "11 12 13 14 15 16 17 18 19 21 22 24 27 28 31 32 33 34 35 37 38 41 42 43 "
        "44 45 46 47 48 49 51 53 54 55 61 62 63 64 65 66 67 68 69 71 73 74 75 77 "
        "79 81 82 83 84 85 86 87 88 89 91 92 93 94 95 96 97 98 99"
    ).split()
)
# DDD + first subscriber digit of a fixed line (2-5, then 7 digits) and of a
# mobile (9, then 8 digits): the common shapes, decided by one set lookup.
_BR_FIXED_PREFIXES = frozenset(ddd + first for ddd in BR_AREA_CODES for first in "2345")
_BR_MOBILE_PREFIXES = frozenset(ddd + "9" for ddd in BR_AREA_CODES)
_GEOGRAPHIC_KINDS = frozenset({FIXED, MOBILE})
_BR_NON_GEOGRAPHIC_TRUNK = ("300", "500", "800", "900")


def _desc_matcher(desc, general):
    """A predicate for one phonenumbers PhoneNumberDesc (lengths + pattern),
    as phonenumbers applies it; None when the desc is empty."""
    if desc is None or not desc.national_number_pattern:
        return None
    lengths = frozenset(desc.possible_length or general.possible_length or ())
    pattern = re.compile(desc.national_number_pattern)

    def matches(nsn):
        return (not lengths or len(nsn) in lengths) and (
            pattern.fullmatch(nsn) is not None
        )

    return matches


def _br_matchers():
    """Brazil's number types straight from phonenumbers' metadata, in the
    order phonenumbers tests them, so the fast path cannot drift from it."""
    meta = phonenumbers.PhoneMetadata.metadata_for_region("BR")
    general = meta.general_desc
    ordered = (
        (meta.premium_rate, NON_GEOGRAPHIC),
        (meta.toll_free, TOLL_FREE),
        (meta.shared_cost, NON_GEOGRAPHIC),
        (meta.voip, FIXED),
        (meta.personal_number, MOBILE),
        (meta.pager, MOBILE),
        (meta.uan, NON_GEOGRAPHIC),
        (meta.voicemail, None),
        (meta.fixed_line, FIXED),
        (meta.mobile, MOBILE),
    )
    matchers = []
    for desc, kind in ordered:
        matcher = _desc_matcher(desc, general)
        if matcher is not None:
            matchers.append((matcher, kind))
    return _desc_matcher(general, general), tuple(matchers)


_BR_GENERAL, _BR_TYPES = _br_matchers()


def _br_geographic(nsn):
    """DDD + fixed line or DDD + mobile in their common shapes."""
    if len(nsn) == 10:
        return nsn[:3] in _BR_FIXED_PREFIXES
    return len(nsn) == 11 and nsn[:3] in _BR_MOBILE_PREFIXES


def br_kind(nsn):
    """Kind of a Brazilian national significant number (the digits after
    ``+55``), as :func:`parse` would say, read without parsing: ``fixed``,
    ``mobile``, ``toll_free`` or ``non_geographic``; None when it is no valid
    Brazilian number."""
    size = len(nsn)
    if size == 10 and nsn[:3] in _BR_FIXED_PREFIXES:
        return FIXED
    if size == 11 and nsn[:3] in _BR_MOBILE_PREFIXES:
        return MOBILE
    if not nsn.isdigit() or _BR_GENERAL is None or not _BR_GENERAL(nsn):
        return None
    for matches, kind in _BR_TYPES:
        if matches(nsn):
            return kind
    return None


def fast_e164(raw, area=None):
    """E.164 (or the digits of a short code) of clean Brazilian input, else
    None: then only :func:`parse_with_phonenumbers` can tell.

    ``raw``: digits, or ``+`` and digits, as dialled in Brazil from area code
    ``area`` (a DDD; anything else counts as none). Only forms whose answer
    is certain are read: the answer is the one of
    :func:`parse_with_phonenumbers` (tests compare them).
    """
    if raw[:1] == "+":
        body = raw[1:]
        if body[:2] == "55" and len(body) in (12, 13) and body.isdigit():
            return "+" + body if _br_geographic(body[2:]) else None
        return None
    if not (raw.isdigit() and raw.isascii()):
        return None
    size = len(raw)
    if size in (10, 11):
        if _br_geographic(raw):
            return "+55" + raw
        if raw[0] == "0":
            if _br_geographic(raw[1:]):
                return "+55" + raw[1:]
            if size == 11 and raw[1:4] in _BR_NON_GEOGRAPHIC_TRUNK:
                return "+55" + raw[1:]  # 0800 123 4567 and the like
        return None
    if size in (12, 13):
        if raw[0] == "0" and raw[1] != "0":
            # 0 + DDD + 9 digits, or 0 + CSP + DDD + 8 digits
            national = raw[1:] if size == 12 else raw[3:]
            return "+55" + national if _br_geographic(national) else None
        if raw[:2] == "55" and _br_geographic(raw[2:]):
            return "+" + raw
        return None
    if size == 14 and raw[0] == "0" and raw[1] != "0":
        national = raw[3:]  # 0 + CSP + DDD + 9 digits
        return "+55" + national if _br_geographic(national) else None
    if size in (3, 5) and raw[0] == "1":
        return raw  # short code (emergency, utilities)
    return _br_local(raw, size, area)


def _br_local(digits, size, area):
    """A local fixed line or mobile dialled without its area code ``area``."""
    if area not in BR_AREA_CODES:
        return None
    if size == 8 and digits[0] in "2345" and digits[:3] not in ("300", "400"):
        return "+55" + area + digits
    if size == 9 and digits[0] == "9":
        return "+55" + area + digits
    return None


def _br_fast_number(raw, text, area_code):
    """:class:`Number` of clean Brazilian ``text`` by the fast path, or None.
    A number given with ``+55`` is judged by its metadata patterns alone."""
    if text[:3] == "+55":
        found = text
    else:
        found = fast_e164(text, area_code)
        if found is None:
            return None
    if found[:1] != "+":
        return Number(raw=raw, kind=SHORT_CODE, digits=found)
    nsn = found[3:]
    kind = br_kind(nsn)
    if kind is None:
        return None
    return Number(
        raw=raw,
        kind=kind,
        e164=found,
        country_code=55,
        area_code=nsn[:2] if kind in _GEOGRAPHIC_KINDS else None,
        national_number=nsn,
        digits=nsn,
    )


@lru_cache(maxsize=65536)
def area_code(e164, country="BR"):
    """The area code (DDD) of a number in E.164, None when it has none (a
    non-geographic or foreign number, or none at all). Brazilian numbers are
    read by the fast path; a line's own number is asked for on every rating."""
    if not e164:
        return None
    if (country or "BR").upper() == "BR" and e164[:3] == "+55":
        nsn = e164[3:]
        kind = br_kind(nsn)
        if kind is not None:
            return nsn[:2] if kind in _GEOGRAPHIC_KINDS else None
    return parse(e164, country).area_code


def parse(raw, country="BR", area_code=None):
    """Read ``raw`` as dialled or displayed in ``country`` with ``area_code``.

    Returns a :class:`Number`; never raises on bad input (``kind`` says
    ``invalid`` and ``reason`` says why). Clean Brazilian input takes the
    fast path; the rest is parsed by :func:`parse_with_phonenumbers`.
    """
    if (country or "BR").upper() == "BR" and raw:
        text = str(raw).strip()
        if text and (text.isdigit() or (text[0] == "+" and text[1:].isdigit())):
            area = area_code
            if area and not (isinstance(area, str) and area.isdigit()):
                area = re.sub(r"\D", "", str(area)) or None
            found = _br_fast_number(str(raw), text, area)
            if found is not None:
                return found
    return parse_with_phonenumbers(raw, country, area_code)


def parse_with_phonenumbers(raw, country="BR", area_code=None):
    """:func:`parse` without the fast path: every number through
    ``phonenumbers`` (the reference the fast path is tested against)."""
    raw = "" if raw is None else str(raw)
    if raw.strip().lower() in WITHHELD_WORDS:
        return Number(raw=raw, kind=WITHHELD, reason="number withheld")
    digits = _clean(raw)
    bare = digits.lstrip("+")
    if not bare:
        return Number(raw=raw, kind=INVALID, reason="no digits")
    if len(bare) > 17:
        return Number(raw=raw, kind=INVALID, digits=bare, reason="too many digits")
    country = (country or "BR").upper()
    area_code = re.sub(r"\D", "", area_code or "") or None

    if digits.startswith("+"):
        found = _try(digits, None, raw, country)
        if found:
            return found
        return Number(raw=raw, kind=INVALID, digits=bare, reason="not a valid number")

    if country == "BR":
        if BR_SHORT_CODE_RE.match(bare):
            return Number(raw=raw, kind=SHORT_CODE, digits=bare)
        for candidate in _br_candidates(bare, area_code):
            found = _try(candidate, "BR", raw, country)
            if found:
                return found
    else:
        candidates = [bare]
        if area_code:
            candidates.insert(0, area_code + bare)
        for candidate in candidates:
            found = _try(candidate, country, raw, country)
            if found:
                return found
    return Number(raw=raw, kind=INVALID, digits=bare, reason="not a valid number")


def to_e164(raw, country="BR", area_code=None):
    """The E.164 form of ``raw``, or ``None`` when it has none."""
    return parse(raw, country, area_code).e164
