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
"""

import re
from dataclasses import dataclass

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


def parse(raw, country="BR", area_code=None):
    """Read ``raw`` as dialled or displayed in ``country`` with ``area_code``.

    Returns a :class:`Number`; never raises on bad input (``kind`` says
    ``invalid`` and ``reason`` says why).
    """
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


# Brazilian area codes (DDD) in use: their fixed (8 digits, 2-5 first) and
# mobile (9 digits, 9 first) numbers are written (DD) NNNN-NNNN and
# (DD) 9NNNN-NNNN, which format_national writes without phonenumbers' parse
# (a call statement formats thousands of numbers; tests compare both ways).
BR_AREA_CODES = frozenset(
    str(area)
    for area in (
        *range(11, 20),
        *(21, 22, 24, 27, 28),
        *(31, 32, 33, 34, 35, 37, 38),
        *range(41, 50),
        *(51, 53, 54, 55),
        *range(61, 70),
        *(71, 73, 74, 75, 77, 79),
        *range(81, 90),
        *range(91, 100),
    )
)
_BR_GEOGRAPHIC = re.compile(r"^\+55(\d\d)([2-5]\d{7}|9\d{8})$")


def format_national(e164):
    """Display form for people of the number's own country: (11) 3456-7890."""
    if not e164:
        return ""
    match = _BR_GEOGRAPHIC.match(e164)
    if match and match.group(1) in BR_AREA_CODES:
        area, subscriber = match.groups()
        return f"({area}) {subscriber[:-4]}-{subscriber[-4:]}"
    try:
        number = phonenumbers.parse(e164, None)
    except phonenumbers.NumberParseException:
        return e164
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)


def format_international(e164):
    """Display form for anybody: +55 11 3456-7890."""
    if not e164:
        return ""
    try:
        number = phonenumbers.parse(e164, None)
    except phonenumbers.NumberParseException:
        return e164
    return phonenumbers.format_number(
        number, phonenumbers.PhoneNumberFormat.INTERNATIONAL
    )


def format_display(e164, country="BR", raw=""):
    """How a person of ``country`` reads the number: its national form for a
    number of that country, ``(11) 3500-0012``, the international one for
    any other, ``+1 212-555-0100``; what was received when it is no E.164."""
    if not e164:
        return raw or ""
    try:
        number = phonenumbers.parse(e164, None)
    except phonenumbers.NumberParseException:
        return e164
    if phonenumbers.region_code_for_number(number) == country:
        form = phonenumbers.PhoneNumberFormat.NATIONAL
    else:
        form = phonenumbers.PhoneNumberFormat.INTERNATIONAL
    return phonenumbers.format_number(number, form)


def dial_string(raw, country="BR", area_code=None, outside_prefix="", csp=""):
    """What a PBX in ``country``/``area_code`` dials to reach ``raw``.

    Local numbers are dialled bare, other area codes with ``0 + CSP + DDD``
    (``0 + DDD`` without a CSP), other countries with ``00 (+CSP) + code``.
    ``outside_prefix`` (the PBX's line-seizure digit) goes in front.
    """
    number = parse(raw, country, area_code)
    if number.kind == SHORT_CODE:
        return outside_prefix + number.digits
    if not number.valid:
        raise ValueError(f"cannot dial {raw!r}: {number.reason}")
    own_code = phonenumbers.country_code_for_region((country or "BR").upper())
    nsn = number.national_number
    if number.country_code != own_code:
        return f"{outside_prefix}00{csp}{number.country_code}{nsn}"
    if number.kind in (TOLL_FREE, NON_GEOGRAPHIC) and len(nsn) >= 10:
        return f"{outside_prefix}0{nsn}"
    if number.kind in (TOLL_FREE, NON_GEOGRAPHIC):
        return f"{outside_prefix}{nsn}"
    if area_code and number.area_code == area_code:
        return outside_prefix + nsn[len(area_code) :]
    return f"{outside_prefix}0{csp}{nsn}"


def e164_digits_candidates(text, country="BR", area_code=None):
    """E.164 strings a search text may mean, for "search on numbers in any
    format a person types". Empty when the text is not a number."""
    number = parse(text, country, area_code)
    return [number.e164] if number.valid else []
