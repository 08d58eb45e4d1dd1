# Copyright 2026 isp_telephony authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""One CSV row of a CDR layout read into a :class:`.cdr_record.CdrRecord`:
the file's columns resolved from the layout (or its header), the direction
and disposition maps compiled, and a row parser compiled once per file.

Standard timestamps are sliced instead of ``strptime``-ed and their UTC
offset is cached per minute (:mod:`.clock`); a row without a call id gets
one from its times and content, sortable by end time."""

import hashlib
import re
from datetime import timedelta

from .cdr_layouts import COLUMN_FIELDS
from .cdr_record import (
    _DDD,
    _FORMULA_FIRST,
    CdrFileError,
    CdrRecord,
    _check_texts,
    _digits,
    _money,
    _numbers,
    _Reject,
    _seconds,
)
from .clock import _clock

# Values meaning "the call was never connected" in a connect-time column.
NOT_CONNECTED = frozenset(
    {"", "0", "1970-01-01 00:00:00", "0000-00-00 00:00:00", "null", "NULL"}
)

# Strips a time as written down to its digits: the sortable head of the
# call id of a row without one.
_NON_DIGITS = re.compile(r"\D+", re.ASCII)


class _Mapper:
    """Compiled value maps of a layout (direction and disposition)."""

    def __init__(self, layout):
        self.direction_exact = {}
        self.direction_prefixes = []
        for key, value in layout.direction_map.items():
            key = key.strip().lower()
            if key.endswith("*"):
                self.direction_prefixes.append((key[:-1], value))
            else:
                self.direction_exact[key] = value
        # Longest prefix wins.
        self.direction_prefixes.sort(key=lambda item: -len(item[0]))
        self.direction_default = layout.direction_default
        self.direction_seen = {}
        self.dispositions = {
            key.strip().upper(): value for key, value in layout.disposition_map.items()
        }

    def direction(self, text):
        found = self.direction_seen.get(text)
        if found is None:
            key = text.strip().lower()
            found = self.direction_exact.get(key)
            if found is None:
                for prefix, value in self.direction_prefixes:
                    if key.startswith(prefix):
                        found = value
                        break
                else:
                    found = self.direction_default
            if found is None:
                raise _Reject(f"unknown direction {text!r}")
            if len(self.direction_seen) < 10000:
                self.direction_seen[text] = found
        return found

    def disposition(self, text):
        found = self.dispositions.get(text)
        if found is None:
            found = self.dispositions.get(text.strip().upper())
            if found is None:
                raise _Reject(f"unknown disposition {text!r}")
        return found


def _row_parser(layout, index, width):  # noqa: C901 - compiled once per file
    """Compile a function ``(row) -> CdrRecord`` (raises ``_Reject``).

    ``index`` maps every column field to a column number; unmapped fields
    point at ``width``, the empty cell the caller appends to every row.
    """
    clock = _clock(layout.timezone)
    to_utc = clock.parser(layout.date_format)
    e164 = _numbers(layout.country).e164
    area = _digits(layout.area_code)
    mapper = _Mapper(layout)
    direction_of = mapper.direction
    disposition_of = mapper.disposition
    comma = layout.decimal_separator == ","
    mapped = {key for key, col in index.items() if col != width}
    i_call = index["call_id"]
    i_orig = index["original_call_id"]
    i_dir = index["direction"]
    i_ani = index["ani_raw"]
    i_dnis = index["dnis_raw"]
    i_detect = index["detect_time"]
    i_connect = index["connect_time"]
    i_disc = index["disconnect_time"]
    i_dur = index["duration"]
    i_bill = index["billsec"]
    i_disp = index["disposition"]
    i_cost = index["cost"]
    i_fee = index["access_fee"]
    i_rate = index["rate"]
    i_rpat = index["route_pattern"]
    i_rname = index["route_name"]
    i_acct = index["account_code"]
    i_term = index["terminal"]
    has_call_id = "call_id" in mapped
    has_direction = "direction" in mapped
    has_disposition = "disposition" in mapped
    has_connect = "connect_time" in mapped
    has_money = bool(mapped & {"cost", "access_fee", "rate"})
    default_direction = layout.direction_default
    dispositions = mapper.dispositions
    directions_seen = mapper.direction_seen
    ddds = _DDD
    sha1 = hashlib.sha1
    strip_non_digits = _NON_DIGITS.sub
    not_connected = NOT_CONNECTED

    def parse_row(row, line_no, raw):  # noqa: C901 - the hot path, kept flat
        text = row[i_detect]
        detect = to_utc(text)
        if detect is None:
            if not text.strip():
                raise _Reject("missing start time")
            raise _Reject(f"unreadable start time {text!r}")
        text = row[i_connect]
        if text in not_connected:
            connect = None
        else:
            connect = to_utc(text)
            if connect is None and text.strip() not in not_connected:
                raise _Reject(f"unreadable answer time {text!r}")
        text = row[i_disc]
        disconnect = to_utc(text) if text else None
        if disconnect is None and text.strip():
            raise _Reject(f"unreadable end time {text!r}")
        text = row[i_dur]
        try:
            duration = int(text)
        except ValueError:
            duration = _seconds(text, "duration")
        text = row[i_bill]
        try:
            billsec = int(text)
        except ValueError:
            billsec = _seconds(text, "billsec")
        if duration is None:
            if disconnect is None:
                raise _Reject("neither a duration nor an end time")
            duration = int((disconnect - detect).total_seconds())
            if duration < 0:
                raise _Reject("the call ends before it starts")
        elif duration < 0:
            raise _Reject(f"negative duration: {duration}")
        elif disconnect is None:
            disconnect = detect + timedelta(seconds=duration)
        elif disconnect < detect:
            raise _Reject("the call ends before it starts")
        if has_disposition:
            text = row[i_disp]
            disposition = dispositions.get(text) or disposition_of(text)
        elif connect is not None or billsec:
            disposition = "answered"
        else:
            disposition = "no_answer"
        if billsec is None:
            if connect is not None:
                billsec = max(0, int((disconnect - connect).total_seconds()))
            else:
                billsec = 0
        elif billsec < 0:
            raise _Reject(f"negative billsec: {billsec}")
        if billsec > duration:
            raise _Reject(f"billsec ({billsec}) longer than duration ({duration})")
        if connect is None:
            if billsec and not has_connect and disposition == "answered":
                connect = disconnect - timedelta(seconds=billsec)
        elif connect < detect or connect > disconnect:
            raise _Reject("answered outside the call's start and end")
        if has_call_id:
            call_id = row[i_call].strip()
            if not call_id:
                raise _Reject("missing call id")
        else:
            # The row's own digest, headed by its end time as written (its
            # start time when the layout has no end), digits only: ids sort
            # in the order the platform writes calls (Asterisk writes a CDR
            # when the call ends), so new rows are appended to the unique
            # index and need no duplicate probe; taken as written, the id
            # does not move when the layout's time zone is corrected.
            head = strip_non_digits("", row[i_disc] or row[i_detect])
            call_id = f"{head}-{sha1(raw.encode('utf-8', 'surrogatepass')).hexdigest()}"
        if has_direction:
            text = row[i_dir]
            direction = directions_seen.get(text) or direction_of(text)
        else:
            direction = default_direction
        if has_money:
            cost = _money(row[i_cost], "cost", comma)
            fee = _money(row[i_fee], "access fee", comma)
            rate = _money(row[i_rate], "rate", comma)
        else:
            cost = fee = rate = None
        ani = row[i_ani].strip()
        dnis = row[i_dnis].strip()
        if not (ani.isdigit() and dnis.isdigit()) or (
            row[i_rname][:1] in _FORMULA_FIRST
            or row[i_acct][:1] in _FORMULA_FIRST
            or row[i_term][:1] in _FORMULA_FIRST
        ):
            _check_texts(ani, dnis, row[i_rname], row[i_acct], row[i_term])
        # A local number takes the DDD of the line at the other end.
        if direction == "in":
            dnis_e164 = e164(dnis, area)
            if dnis_e164[:3] == "+55" and dnis_e164[3:5] in ddds:
                ani_e164 = e164(ani, dnis_e164[3:5])
            else:
                ani_e164 = e164(ani, area)
        else:
            ani_e164 = e164(ani, area)
            if ani_e164[:3] == "+55" and ani_e164[3:5] in ddds:
                dnis_e164 = e164(dnis, ani_e164[3:5])
            else:
                dnis_e164 = e164(dnis, area)
        return CdrRecord(
            call_id,
            row[i_orig].strip() or call_id,
            direction,
            ani,
            dnis,
            ani_e164,
            dnis_e164,
            detect,
            connect,
            disconnect,
            duration,
            billsec,
            disposition,
            cost,
            fee,
            rate,
            row[i_rpat].strip(),
            row[i_rname].strip(),
            row[i_acct].strip(),
            row[i_term].strip(),
            line_no,
            raw,
        )

    return parse_row


def _resolve_columns(layout, header):
    """(index by field, width, min columns, max columns) for this file."""
    if header is None:
        width = max(layout.columns.values()) + 1
        required = [
            col
            for key, col in layout.columns.items()
            if key not in layout.optional_columns
        ]
        low = layout.min_columns or max(required) + 1
        high = layout.max_columns or width
        width = max(width, high)
        index = dict.fromkeys(COLUMN_FIELDS, width)
        index.update(layout.columns)
        return index, width, low, high
    names = [name.strip().lower() for name in header]
    if names and names[0].startswith("\ufeff"):
        names[0] = names[0][1:]
    width = len(names)
    index = dict.fromkeys(COLUMN_FIELDS, width)
    missing = []
    for key, name in layout.columns.items():
        name = name.strip().lower()
        if name in names:
            index[key] = names.index(name)
        elif key not in layout.optional_columns:
            missing.append(name)
    if missing:
        raise CdrFileError(
            f"the header does not match layout {layout.name!r}: missing "
            f"column(s) {', '.join(missing)}; found: {', '.join(names)}"
        )
    return index, width, width, width
