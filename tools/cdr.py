# Copyright 2026 isp_telephony authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Call detail records: read a CDR file into normalised records.

Plain Python, no Odoo, no database. ``iter_file(stream, layout)`` streams a
binary CSV file line by line and yields :class:`CdrRecord` (times in naive
UTC, numbers in E.164) or :class:`Rejection` (a row that cannot be read, with
the reason). Problems with the whole file raise :class:`CdrFileError`.

This file streams and judges the file (decoding, binary content, header,
truncation, a garbled sample, the checksum); each row is read by
:mod:`.cdr_rows`; the record and its values are :mod:`.cdr_record`. The
CallMyWay CDR API is mapped in :mod:`.callmyway_cdr`, times are read by
:mod:`.clock`.

Since a file-level error can surface after records were yielded (a truncated
last line), callers must treat one file as one transaction.
"""

import contextlib
import csv
import hashlib
import io
from itertools import chain

from .cdr_layouts import (
    ASTERISK_MASTER_CSV,
    PRESETS,
    SUMMIT_CSV,
    Layout,
    preset,
)
from .cdr_record import (
    CdrFileError,
    CdrRecord,
    Rejection,
    _Reject,
    normalise_number,
)
from .cdr_rows import _resolve_columns, _row_parser

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
