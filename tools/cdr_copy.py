# Copyright 2026 isp_telephony authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Turn parsed CDRs into PostgreSQL ``COPY`` text, in a background thread.

Plain Python, no Odoo: :class:`ChunkProducer` runs a CDR source (the
iterator of :func:`.cdr.iter_file`, or mapped API items) in a thread and
hands out text chunks in ``COPY ... FROM STDIN`` text format, each with its
rejections. Parsing is pure Python and holds the GIL, while the database
work of the importer waits on the socket without it: with the producer one
step ahead, PostgreSQL inserts batch *n* on one core while Python parses
batch *n + 1* on the other. The queue between them is bounded, so memory
stays flat whatever the file size.
"""

import contextlib
import queue
import threading
from datetime import datetime, timedelta
from operator import attrgetter

from .cdr_record import Rejection
from .copy_text import ESCAPES as _ESCAPES
from .copy_text import NULL

# Columns of the COPY text, in order (the importer's temporary table).
# Times travel as Unix seconds (UTC): formatting an int is three times
# cheaper than ``str(datetime)``; PostgreSQL converts them back.
COPY_COLUMNS = (
    "call_id",
    "original_call_id",
    "direction",
    "ani",
    "dnis",
    "ani_e164",
    "dnis_e164",
    "detect_epoch",
    "connect_epoch",
    "disconnect_epoch",
    "duration",
    "billsec",
    "disposition",
    "platform_cost",
    "access_fee",
    "platform_rate",
    "route_pattern",
    "route_name",
    "account_code",
    "terminal",
)

# Rows per chunk handed from the parsing thread to the writer.
CHUNK_ROWS = 5000
# Chunks the parser may run ahead of the writer (bounds memory).
QUEUE_CHUNKS = 8
_EPOCH = datetime(1970, 1, 1)
_SECOND = timedelta(seconds=1)
_VALUES = attrgetter(
    "call_id",
    "original_call_id",
    "direction",
    "ani_raw",
    "dnis_raw",
    "ani_e164",
    "dnis_e164",
    "detect_time",
    "connect_time",
    "disconnect_time",
    "duration",
    "billsec",
    "disposition",
    "cost",
    "access_fee",
    "rate",
    "route_pattern",
    "route_name",
    "account_code",
    "terminal",
)


def text(value):
    """A text value in COPY format: '' and None become NULL."""
    if not value:
        return NULL
    return value.translate(_ESCAPES)


def number(value):
    return NULL if value is None else repr(value)


def epoch(value):
    """Unix seconds of a naive UTC datetime, or NULL."""
    return NULL if value is None else str((value - _EPOCH) // _SECOND)


def copy_line(record):
    """One COPY text line (with its newline) for a :class:`.cdr.CdrRecord`.

    The hot path formats the values as they are, then checks the free-text
    values once: only a row whose texts hold a tab, newline, carriage return
    or backslash is built again with every text value escaped.
    """
    (
        call_id,
        original,
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
        pattern,
        route,
        account,
        terminal,
    ) = _VALUES(record)
    epoch0 = _EPOCH
    second = _SECOND
    null = NULL
    line = (
        f"{call_id}\t{original or null}\t{direction}\t{ani or null}\t"
        f"{dnis or null}\t{ani_e164 or null}\t{dnis_e164 or null}\t"
        f"{(detect - epoch0) // second}\t"
        f"{null if connect is None else (connect - epoch0) // second}\t"
        f"{(disconnect - epoch0) // second}\t{duration}\t{billsec}\t"
        f"{disposition}\t{null if cost is None else cost}\t"
        f"{null if fee is None else fee}\t{null if rate is None else rate}\t"
        f"{pattern or null}\t{route or null}\t{account or null}\t"
        f"{terminal or null}\n"
    )
    texts = f"{call_id}{original}{ani}{dnis}{pattern}{route}{account}{terminal}"
    if "\\" in texts or "\t" in texts or "\n" in texts or "\r" in texts:
        return _escaped_line(record)
    return line


def _escaped_line(record):
    return (
        "\t".join(
            (
                text(record.call_id),
                text(record.original_call_id),
                text(record.direction),
                text(record.ani_raw),
                text(record.dnis_raw),
                text(record.ani_e164),
                text(record.dnis_e164),
                epoch(record.detect_time),
                epoch(record.connect_time),
                epoch(record.disconnect_time),
                str(record.duration),
                str(record.billsec),
                text(record.disposition),
                number(record.cost),
                number(record.access_fee),
                number(record.rate),
                text(record.route_pattern),
                text(record.route_name),
                text(record.account_code),
                text(record.terminal),
            )
        )
        + "\n"
    )


class Chunk:
    """Up to ``CHUNK_ROWS`` records as COPY text, and the rejections met."""

    __slots__ = ("rejections", "rows", "text")

    def __init__(self, text_, rows, rejections):
        self.text = text_
        self.rows = rows
        self.rejections = rejections


_END = object()


class ChunkProducer:
    """Iterate ``source`` (CdrRecord | Rejection items) in a daemon thread.

    Use as a context manager; iterate it to get :class:`Chunk` objects. An
    exception raised by the source (a ``CdrFileError``) is re-raised in the
    consumer, after the chunks produced before it. Leaving the context early
    stops the thread.
    """

    def __init__(self, source, chunk_rows=CHUNK_ROWS, queue_chunks=QUEUE_CHUNKS):
        self.source = source
        self.chunk_rows = chunk_rows
        self.queue = queue.Queue(maxsize=queue_chunks)
        self.stop = threading.Event()
        self.thread = threading.Thread(
            target=self._run, name="isp-cdr-parser", daemon=True
        )
        self.error = None

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.stop.set()
        # Unblock a producer waiting on a full queue.
        while self.thread.is_alive():
            with contextlib.suppress(queue.Empty):
                self.queue.get(timeout=0.05)
        self.thread.join()

    def _put(self, item):
        while not self.stop.is_set():
            try:
                self.queue.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def _run(self):
        lines = []
        rejections = []
        append = lines.append
        size = self.chunk_rows
        to_line = copy_line
        try:
            for item in self.source:
                if item.__class__ is Rejection:
                    rejections.append(item)
                    continue
                append(to_line(item))
                if len(lines) >= size:
                    if not self._put(Chunk("".join(lines), len(lines), rejections)):
                        return
                    lines = []
                    append = lines.append
                    rejections = []
            if (lines or rejections) and not self._put(
                Chunk("".join(lines), len(lines), rejections)
            ):
                return
        except Exception as exc:  # noqa: BLE001 - re-raised by the consumer
            self.error = exc
        self._put(_END)

    def __iter__(self):
        while True:
            item = self.queue.get()
            if item is _END:
                if self.error is not None:
                    raise self.error
                return
            yield item


class CopyReader:
    """A file-like object for ``cursor.copy_expert``: reads the text of up
    to ``max_rows`` rows from a chunk iterator, then reports end of data.
    Rejections of the chunks read are collected in ``rejections``; call
    :meth:`next_batch` to continue with the following rows.

    psycopg2 turns an exception raised in ``read`` into an aborted
    transaction, so a source error ends the data quietly and is kept in
    ``error`` for the caller to raise once ``copy_expert`` returns."""

    def __init__(self, chunks, max_rows):
        self.chunks = iter(chunks)
        self.max_rows = max_rows
        self.rows = 0
        self.rejections = []
        self.exhausted = False
        self.error = None

    def next_batch(self):
        self.rows = 0
        self.rejections = []

    def read(self, size=-1):  # pylint: disable=method-required-super
        if self.exhausted or self.rows >= self.max_rows:
            return ""
        try:
            for chunk in self.chunks:
                self.rows += chunk.rows
                self.rejections.extend(chunk.rejections)
                if chunk.text:
                    return chunk.text
                if self.rows >= self.max_rows:
                    return ""
        except Exception as exc:  # noqa: BLE001 - re-raised after the COPY
            self.error = exc
        self.exhausted = True
        return ""

    readline = read
