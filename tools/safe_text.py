# Copyright 2026 isp_telephony authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Numbers and short texts that come from outside (CDR files, platform
APIs, call events) and end up in lists that users export to spreadsheets.

A caller ID is chosen by the caller: ``=HYPERLINK("http://...","x")`` as an
ANI became a live formula in Odoo's XLSX export. :func:`number_problem`
says why a number as a platform wrote it cannot be stored (the CDR importer
rejects the row with that reason); :func:`neutralise_number` keeps what can
be kept of it (live call events, where the call must still reach the agent);
:func:`formula_problem` refuses other short texts (route names, account
codes) that a spreadsheet would run as a formula.

Plain Python, no Odoo.
"""

import re

# What a number may look like as platforms write it: digits and the usual
# separators, the keypad's * and #, and words and SIP addresses for special
# callers ("anonymous", "unknown", "sip:1001@pbx", "PJSIP/1001").
NUMBER_CHARS = re.compile(r"[0-9A-Za-z +*#.()\-_/:@]*")
NOT_NUMBER_CHARS = re.compile(r"[^0-9A-Za-z +*#.()\-_/:@]")
MAX_NUMBER_LENGTH = 64
# First characters with which spreadsheets start a formula.
FORMULA_START = "=+-@"
HAS_LETTER = re.compile(r"[A-Za-z]")


def _formula_like(text):
    """True when a spreadsheet would read ``text`` as a formula: it starts
    with = or @, or with + or - followed by a word (a function name); a
    signed number such as +55 11 3333-4444 is not one."""
    first = text[:1]
    if first in ("=", "@"):
        return True
    return first in ("+", "-") and HAS_LETTER.search(text) is not None


def number_problem(text):
    """'' when ``text`` (stripped) may be stored as a number; otherwise a
    short reason that does not repeat the text."""
    if not text or text.isdigit():
        return ""
    if len(text) > MAX_NUMBER_LENGTH:
        return f"longer than {MAX_NUMBER_LENGTH} characters"
    if not NUMBER_CHARS.fullmatch(text):
        return "holds characters that are not part of a phone number"
    if _formula_like(text):
        return "looks like a spreadsheet formula"
    return ""


def neutralise_number(text):
    """``text`` with what cannot be part of a number removed, and without
    a formula's leading sign: what a call event's number is stored as."""
    if not text or text.isdigit():
        return text or ""
    text = NOT_NUMBER_CHARS.sub("", text)[:MAX_NUMBER_LENGTH].strip()
    while text and _formula_like(text):
        text = text[1:].lstrip()
    return text


def formula_problem(text):
    """'' unless a spreadsheet would run ``text`` as a formula."""
    if text and text[0] in FORMULA_START and _formula_like(text):
        return "looks like a spreadsheet formula"
    return ""
