# Copyright 2026 isp_telephony authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Telephone numbers written for people and dialled by a PBX: the national
form ``(11) 3456-7890``, the international one ``+55 11 3456-7890``, the form
a reader of a country expects, and the digits a PBX dials to reach a number
from its own area code. Plain Python on top of ``phonenumbers``; numbers are
read by :mod:`.phone`.
"""

import re

import phonenumbers

from .phone import BR_AREA_CODES, NON_GEOGRAPHIC, SHORT_CODE, TOLL_FREE, parse

# Numbers of a Brazilian area code (BR_AREA_CODES) in use: fixed (8 digits,
# 2-5 first) and mobile (9 digits, 9 first) are written (DD) NNNN-NNNN and
# (DD) 9NNNN-NNNN, which format_national writes without phonenumbers' parse
# (a call statement formats thousands of numbers; tests compare both ways).
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
