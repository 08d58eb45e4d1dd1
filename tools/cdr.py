# Copyright 2026 isp_telephony authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Call detail records: read a CDR source into normalised records.

Plain Python, no Odoo, no database. ``iter_file(stream, layout)`` streams a
binary CSV file line by line and yields :class:`CdrRecord` (times in naive
UTC, numbers in E.164) or :class:`Rejection` (a row that cannot be read, with
the reason). Problems with the whole file raise :class:`CdrFileError`.
The CallMyWay CDR API is mapped in :mod:`.callmyway_cdr`, times are read
by :mod:`.clock`.

It is built for speed (an import must sustain tens of thousands of rows per
second): numbers go through the Brazilian fast path of :mod:`.phone` for
already-clean input and a bounded LRU cache in front of :func:`.phone.parse`;
standard timestamps are sliced instead of ``strptime``-ed and their UTC
offset is cached per minute.

Since a file-level error can surface after records were yielded (a truncated
last line), callers must treat one file as one transaction.
"""

import contextlib
import csv
import hashlib
import io
import math
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache
from itertools import chain

from . import phone, safe_text
from .cdr_layouts import (
    ASTERISK_MASTER_CSV,
    COLUMN_FIELDS,
    PRESETS,
    SUMMIT_CSV,
    Layout,
    preset,
)
from .clock import _clock

__all__ = [
    "ASTERISK_MASTER_CSV",
    "PRESETS",
    "SUMMIT_CSV",
    "CdrFileError",
    "CdrRecord",
    "Layout",
    "Rejection",
    "checksum",
    "iter_file",
    "normalise_number",
    "preset",
]

# How many leading rows are judged before anything is yielded, and the
# smallest sample on which "mostly unreadable" means "garbled file".
SAMPLE_ROWS = 200
SAMPLE_MIN_ROWS = 5
NUMBER_CACHE_SIZE = 100000

# Values meaning "the call was never connected" in a connect-time column.
NOT_CONNECTED = frozenset(
    {"", "0", "1970-01-01 00:00:00", "0000-00-00 00:00:00", "null", "NULL"}
)

# Strips a time as written down to its digits: the sortable head of the
# call id of a row without one.
_NON_DIGITS = re.compile(r"\D+", re.ASCII)

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


# ---------------------------------------------------------------- numbers


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


# ---------------------------------------------------------------- values


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


# ---------------------------------------------------------------- rows


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


def _check_sample(sample):
    bad = [item for item in sample if isinstance(item, Rejection)]
    if len(sample) >= SAMPLE_MIN_ROWS and len(bad) * 2 > len(sample):
        first = bad[0]
        raise CdrFileError(
            f"the file looks garbled or of another format: {len(bad)} of the "
            f"first {len(sample)} rows are unreadable (line {first.line_no}: "
            f"{first.reason})"
        )


def iter_file(stream, layout):
    """Yield a CdrRecord or a Rejection for each row of a binary ``stream``.

    ``layout`` is a :class:`Layout`, its dict form, or a preset name. Memory
    stays constant whatever the file size. Raises :class:`CdrFileError` when
    the file as a whole is unusable (binary or undecodable content, a header
    not matching the layout, a truncated last line, mostly unreadable rows).
    The caller's stream is left open.
    """
    if isinstance(layout, str):
        layout = preset(layout)
    elif isinstance(layout, dict):
        layout = Layout.from_dict(layout)
    else:
        layout.validate()
    text = io.TextIOWrapper(stream, encoding=layout.encoding, newline="")
    try:
        yield from _iter_text(text, layout)
    finally:
        with contextlib.suppress(ValueError):  # already detached or closed
            text.detach()


class _Lines:
    """Decoded lines of a text stream, read in chunks, for ``csv.reader``.

    Keeps the last two chunks so the text of the row just parsed can be
    sliced out by physical line numbers (``csv.reader.line_num``).
    """

    def __init__(self, text, encoding):
        self.text = text
        self.encoding = encoding
        self.window = []  # [(number of lines before the chunk, lines)]
        self.read = 0

    def chunks(self):
        while True:
            try:
                lines = self.text.readlines(_CHUNK_CHARS)
            except UnicodeDecodeError as exc:
                raise CdrFileError(
                    f"cannot decode the file as {self.encoding} after line "
                    f"{self.read} ({exc.reason}); check the layout's encoding"
                ) from None
            if not lines:
                return
            if "\x00" in "".join(lines):
                where = self.read + next(
                    n for n, line in enumerate(lines, 1) if "\x00" in line
                )
                raise CdrFileError(
                    f"binary content (NUL byte) on line {where}: this is not a "
                    "CDR text file"
                )
            self.window.append((self.read, lines))
            if len(self.window) > 2:
                del self.window[0]
            self.read += len(lines)
            yield lines

    def between(self, start, end):
        """Text of physical lines ``start`` (0-based) up to ``end``."""
        parts = []
        for base, lines in self.window:
            low = max(start - base, 0)
            high = min(end - base, len(lines))
            if low < high:
                parts.extend(lines[low:high])
        return "".join(parts)


_CHUNK_CHARS = 1 << 20


def _iter_text(text, layout):  # noqa: C901 - one streaming loop, kept together
    source = _Lines(text, layout.encoding)
    reader = csv.reader(
        chain.from_iterable(source.chunks()),
        delimiter=layout.delimiter,
        quotechar=layout.quotechar,
    )
    window = source.window
    done = 0  # physical lines consumed by the rows handled so far
    header = None
    if layout.has_header:
        for row in reader:
            done = reader.line_num
            if row and any(cell.strip() for cell in row):
                header = row
                break
        else:
            return  # empty file: nothing to import
    index, width, low, high = _resolve_columns(layout, header)
    parse_row = _row_parser(layout, index, width)
    quote = layout.quotechar
    pad = [""] * (width + 1)
    sample = []
    sampling = True
    while True:
        try:
            for row in reader:
                end = reader.line_num
                base, lines = window[-1]
                if end - done == 1 and done >= base:
                    raw = lines[done - base]
                else:
                    raw = source.between(done, end)
                line_no = done + 1
                done = end
                if raw[-1:] == "\n":
                    last_line = False
                    raw = raw.rstrip("\r\n")
                else:
                    last_line = True
                count = len(row)
                if low <= count <= high and not (last_line and raw.count(quote) % 2):
                    if count <= width:
                        row += pad[count:]
                    try:
                        result = parse_row(row, line_no, raw)
                    except _Reject as exc:
                        result = Rejection(line_no, raw, str(exc))
                elif not row or (count == 1 and not row[0].strip()):
                    continue  # blank line
                elif last_line:
                    raise CdrFileError(
                        f"the file is truncated: its last line ({line_no}) has no "
                        f"line end and {count} column(s) where {low} are needed"
                        + (", and ends inside a quoted value" if count >= low else "")
                    )
                elif low == high:
                    result = Rejection(
                        line_no, raw, f"expected {low} columns, found {count}"
                    )
                else:
                    result = Rejection(
                        line_no, raw, f"expected {low} to {high} columns, found {count}"
                    )
                if sampling:
                    sample.append(result)
                    if len(sample) >= SAMPLE_ROWS:
                        _check_sample(sample)
                        yield from sample
                        sample = None
                        sampling = False
                else:
                    yield result
            break
        except csv.Error as exc:
            end = max(reader.line_num, done + 1)
            result = Rejection(
                done + 1,
                source.between(done, end).rstrip("\r\n"),
                f"unreadable CSV: {exc}",
            )
            done = end
            if sampling:
                sample.append(result)
            else:
                yield result
    if sampling:
        _check_sample(sample)
        yield from sample


def checksum(stream, chunk_size=1 << 20):
    """SHA-256 hex digest of the rest of a binary stream, read in chunks."""
    digest = hashlib.sha256()
    while True:
        chunk = stream.read(chunk_size)
        if not chunk:
            break
        digest.update(chunk)
    return digest.hexdigest()
