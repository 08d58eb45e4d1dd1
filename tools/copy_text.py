# Copyright 2026 isp_telephony authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""PostgreSQL ``COPY ... FROM STDIN`` text format: the one encoder of the
values the addon bulk-loads (CDRs, rating results, billing cycles).

In COPY text a tab separates fields, a newline ends the row, ``\\N`` is
NULL and a backslash escapes: a value holding any of them is escaped, so
that no text read from a platform can shift a column or a row.
"""

NULL = "\\N"
# Backslash, tab, newline and carriage return are special in COPY text.
ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def escape(text):
    """``text`` with COPY's special characters escaped."""
    return text.translate(ESCAPES)


def field(value):
    """One value: None is NULL, text is escaped (an empty string stays an
    empty string), anything else is written with ``str``."""
    if value is None:
        return NULL
    if isinstance(value, str):
        return value.translate(ESCAPES)
    return str(value)


def rows_text(rows):
    """The COPY text of ``rows`` (tuples of values), one line each."""
    return "".join("\t".join(map(field, row)) + "\n" for row in rows)
