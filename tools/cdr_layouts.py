# Copyright 2026 isp_telephony authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""CDR file layouts: how a carrier's or PBX's CSV maps onto a CDR record.

A :class:`Layout` is plain data (an Odoo record stores it as JSON through
:meth:`Layout.to_dict` / :meth:`Layout.from_dict`). The parser in
:mod:`.cdr` compiles it once per file. Two presets ship with the addon:
``asterisk_master_csv`` (Asterisk ``cdr_csv`` Master.csv) and
``summit_csv`` (an ASSUMED Summit Networks export, see docs/cdr-formats.md).
"""

import codecs
from dataclasses import dataclass, field, fields
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from .direction import DIRECTIONS

DISPOSITIONS = ("answered", "no_answer", "busy", "failed")
STANDARD_DATE_FORMAT = "%Y-%m-%d %H:%M:%S"
EPOCH = "epoch"

# CdrRecord fields a layout may read from a column.
COLUMN_FIELDS = (
    "call_id",
    "original_call_id",
    "direction",
    "ani_raw",
    "dnis_raw",
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

# Status words seen in the wild; a layout may extend or replace the map.
DEFAULT_DISPOSITIONS = {
    "ANSWERED": "answered",
    "ANSWER": "answered",
    "ATENDIDA": "answered",
    "NO ANSWER": "no_answer",
    "NO_ANSWER": "no_answer",
    "NOANSWER": "no_answer",
    "CANCEL": "no_answer",
    "CANCELLED": "no_answer",
    "NAO ATENDIDA": "no_answer",
    "NAO_ATENDIDA": "no_answer",
    "BUSY": "busy",
    "OCUPADO": "busy",
    "FAILED": "failed",
    "FAILURE": "failed",
    "CONGESTION": "failed",
    "CHANUNAVAIL": "failed",
    "FALHA": "failed",
}


def _check(condition, message):
    if not condition:
        raise ValueError(message)


@dataclass
class Layout:
    """How to read one CDR file format.

    ``columns`` maps a CdrRecord field (see ``COLUMN_FIELDS``) to a 0-based
    column index, or to a header name when ``has_header``. The ``direction``
    column holds any value that ``direction_map`` translates (Asterisk's
    dcontext, a platform's ``in/out`` flag); keys ending in ``*`` match as
    prefixes; unknown values get ``direction_default`` (``None`` rejects the
    row). ``optional_columns`` may be missing from the header or beyond the
    end of a short row. ``min_columns``/``max_columns`` (0 = derived from
    ``columns``) bound the column count of header-less rows.
    """

    name: str = "custom"
    delimiter: str = ","
    quotechar: str = '"'
    has_header: bool = False
    encoding: str = "utf-8"
    columns: dict = field(default_factory=dict)
    optional_columns: tuple = ()
    min_columns: int = 0
    max_columns: int = 0
    date_format: str = STANDARD_DATE_FORMAT
    timezone: str = "UTC"
    direction_map: dict = field(default_factory=dict)
    direction_default: str | None = "out"
    disposition_map: dict = field(default_factory=lambda: dict(DEFAULT_DISPOSITIONS))
    decimal_separator: str = "."
    country: str = "BR"
    area_code: str = ""

    def validate(self):
        """Raise ``ValueError`` with a plain message when unusable."""
        _check(len(self.delimiter) == 1, "the delimiter must be one character")
        _check(len(self.quotechar) == 1, "the quote character must be one character")
        _check(self.delimiter != self.quotechar, "delimiter and quote are the same")
        try:
            codecs.lookup(self.encoding)
        except LookupError:
            raise ValueError(f"unknown encoding {self.encoding!r}") from None
        try:
            ZoneInfo(self.timezone)
        except (ZoneInfoNotFoundError, ValueError, TypeError, OSError):
            raise ValueError(f"unknown time zone {self.timezone!r}") from None
        _check(
            self.date_format == EPOCH or "%" in self.date_format,
            f"date format {self.date_format!r} is neither 'epoch' nor strptime",
        )
        unknown = sorted(set(self.columns) - set(COLUMN_FIELDS))
        _check(not unknown, f"unknown column field(s): {', '.join(unknown)}")
        for key, where in self.columns.items():
            if self.has_header:
                _check(
                    isinstance(where, str) and where.strip(),
                    f"column {key} must name a header column",
                )
            else:
                _check(
                    isinstance(where, int)
                    and not isinstance(where, bool)
                    and where >= 0,
                    f"column {key} must be a 0-based column number",
                )
        for key in ("ani_raw", "dnis_raw", "detect_time"):
            _check(key in self.columns, f"the layout must map column {key}")
        _check(
            "duration" in self.columns or "disconnect_time" in self.columns,
            "the layout must map duration or disconnect_time",
        )
        bad = sorted(set(self.optional_columns) - set(self.columns))
        _check(not bad, f"optional column(s) not mapped: {', '.join(bad)}")
        for value in self.direction_map.values():
            _check(value in DIRECTIONS, f"direction {value!r} not in {DIRECTIONS}")
        _check(
            self.direction_default in DIRECTIONS + (None,),
            f"default direction {self.direction_default!r} not in {DIRECTIONS}",
        )
        for value in self.disposition_map.values():
            _check(value in DISPOSITIONS, f"disposition {value!r} not known")
        _check(self.decimal_separator in (".", ","), "decimal separator: . or ,")
        _check(self.min_columns >= 0 and self.max_columns >= 0, "negative count")
        _check(
            not self.max_columns or self.max_columns >= self.min_columns,
            "max_columns is below min_columns",
        )
        _check(
            not self.area_code or str(self.area_code).isdigit(),
            "the area code must be digits",
        )
        return self

    def to_dict(self):
        """A JSON-able dict (tuples become lists)."""
        result = {}
        for item in fields(self):
            value = getattr(self, item.name)
            if isinstance(value, tuple):
                value = list(value)
            elif isinstance(value, dict):
                value = dict(value)
            result[item.name] = value
        return result

    @classmethod
    def from_dict(cls, data):
        """Build and validate a layout; unknown keys are an error."""
        known = {item.name for item in fields(cls)}
        unknown = sorted(set(data) - known)
        _check(not unknown, f"unknown layout key(s): {', '.join(unknown)}")
        values = dict(data)
        if "optional_columns" in values:
            values["optional_columns"] = tuple(values["optional_columns"])
        for key in ("columns", "direction_map", "disposition_map"):
            if key in values:
                values[key] = dict(values[key] or {})
        return cls(**values).validate()

    def with_changes(self, **changes):
        """An independent, validated copy with some values changed."""
        data = self.to_dict()
        data.update(changes)
        return Layout.from_dict(data)


# Asterisk cdr_csv Master.csv (no header). Columns 16 (uniqueid) and 17
# (userfield) are only written with loguniqueid/loguserfield; a 17-column row
# is read as having the uniqueid. Times are the PBX's local time.
ASTERISK_MASTER_CSV = Layout(
    name="asterisk_master_csv",
    delimiter=",",
    quotechar='"',
    has_header=False,
    encoding="utf-8",
    columns={
        "account_code": 0,
        "ani_raw": 1,
        "dnis_raw": 2,
        "direction": 3,  # dcontext
        "terminal": 5,  # channel
        "detect_time": 9,  # start
        "connect_time": 10,  # answer
        "disconnect_time": 11,  # end
        "duration": 12,
        "billsec": 13,
        "disposition": 14,
        "original_call_id": 16,  # uniqueid
    },
    optional_columns=("original_call_id",),
    min_columns=16,
    max_columns=18,
    date_format=STANDARD_DATE_FORMAT,
    timezone="America/Sao_Paulo",
    direction_map={
        "from-internal*": "out",
        "macro-dialout*": "out",
        "outbound*": "out",
        "from-trunk*": "in",
        "from-pstn*": "in",
        "from-did*": "in",
        "ext-did*": "in",
        "from-external*": "in",
        "ext-local": "internal",
    },
    direction_default="out",
    disposition_map=dict(DEFAULT_DISPOSITIONS),
    country="BR",
)

# ASSUMED Summit Networks export (no public spec): ';'-separated UTF-8 with a
# header, local times, decimal comma. Documented in docs/cdr-formats.md.
SUMMIT_CSV = Layout(
    name="summit_csv",
    delimiter=";",
    quotechar='"',
    has_header=True,
    encoding="utf-8",
    columns={
        "call_id": "call_id",
        "original_call_id": "original_call_id",
        "direction": "direction",
        "ani_raw": "ani",
        "dnis_raw": "dnis",
        "detect_time": "detect_time",
        "connect_time": "connect_time",
        "disconnect_time": "disconnect_time",
        "duration": "duration",
        "billsec": "billsec",
        "disposition": "status",
        "cost": "cost",
        "access_fee": "access_fee",
        "rate": "rate",
        "route_pattern": "route_pattern",
        "route_name": "route_name",
        "account_code": "account_code",
        "terminal": "terminal",
    },
    optional_columns=(
        "original_call_id",
        "connect_time",
        "billsec",
        "cost",
        "access_fee",
        "rate",
        "route_pattern",
        "route_name",
        "account_code",
        "terminal",
    ),
    date_format=STANDARD_DATE_FORMAT,
    timezone="America/Sao_Paulo",
    direction_map={
        "in": "in",
        "out": "out",
        "internal": "internal",
        "entrada": "in",
        "saida": "out",
        "interna": "internal",
    },
    direction_default=None,
    disposition_map=dict(DEFAULT_DISPOSITIONS),
    decimal_separator=",",
    country="BR",
)

PRESETS = {
    "asterisk_master_csv": ASTERISK_MASTER_CSV,
    "summit_csv": SUMMIT_CSV,
}


def preset(name, **changes):
    """A fresh copy of a preset (so callers never alter the shared one)."""
    try:
        base = PRESETS[name]
    except KeyError:
        raise ValueError(f"unknown CDR layout preset {name!r}") from None
    return base.with_changes(**changes)
