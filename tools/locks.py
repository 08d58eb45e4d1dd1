# Copyright 2026 isp_telephony authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Locks between workers: the one way the addon locks.

Every lock is a PostgreSQL transaction-level advisory *try*-lock taken here:
it never waits (a busy lock answers False at once), and it is released when
the transaction commits or rolls back, never by hand. Each lock belongs to a
namespace of the registry below (the first key), so two kinds of work can
never take each other's lock by accident; the second key is a record id or
a text (hashed here). The caller decides what a busy lock means: a job tries
again later without counting an attempt, a user gets a plain-words error, a
cron skips the record and logs it. docs/architecture.md "Locking" lists
every namespace and what a busy lock does.

Plain Python: ``cr`` is any DB-API cursor (an Odoo cursor or psycopg2's).
PostgreSQL keeps the two-key locks taken here apart from the one-key
(bigint) locks of Odoo and queue_job's runner: they can never meet.
"""

import zlib
from dataclasses import dataclass

INT4_MIN = -(2**31)
INT4_MAX = 2**31 - 1


@dataclass(frozen=True)
class Namespace:
    """A kind of lock: ``code`` is its first key, ``protects`` says what two
    workers holding it at once would break."""

    code: int
    name: str
    protects: str


REGISTRY = {}


def namespace(code, name, protects):
    """Register a namespace; a code or a name used twice is refused."""
    if not INT4_MIN <= code <= INT4_MAX:
        raise ValueError(f"lock namespace {name}: {code} is not a 32-bit integer")
    for known in REGISTRY.values():
        if code == known.code or name == known.name:
            raise ValueError(f"lock namespace {name} ({code}) collides with {known}")
    REGISTRY[code] = Namespace(code, name, protects)
    return REGISTRY[code]


# The first keys are 0x15B1_00xx ("ISP telephony"), one per namespace.
CLOSE_COMPANY = namespace(
    0x15B10001,
    "close_company",
    "A month close of one company (key: company id): a whole-company close "
    "takes it exclusively, each chunk job of a close shares it.",
)
CLOSE_CONTRACT = namespace(
    0x15B10002,
    "close_contract",
    "The contracts a chunk job closes (key: contract id): two chunks never "
    "charge the same contract at once.",
)
CDR_FILE = namespace(
    0x15B10003,
    "cdr_file",
    "One file of a CDR directory (key: 'integration id:path'): one worker "
    "imports it, the others skip it.",
)
CDR_UPLOAD = namespace(
    0x15B10004,
    "cdr_upload",
    "One uploaded CDR file (key: 'integration id:checksum'): the same file "
    "uploaded twice at once is imported once.",
)
CDR_API_WINDOW = namespace(
    0x15B10005,
    "cdr_api_window",
    "The platform API window of an integration (key: integration id): one "
    "window at a time, so the watermark moves in order.",
)
CDR_MATCH = namespace(
    0x15B10006,
    "cdr_match",
    "Matching an integration's calls to its lines (key: integration id): "
    "imports hold it shared while they write, a re-match exclusively, so a "
    "re-match never runs beside another one or an import of the platform.",
)
LINE_PLATFORM = namespace(
    0x15B10007,
    "line_platform",
    "A SIP line on its platform (key: line id): one provisioning job at a "
    "time sends to the platform and takes the answer.",
)
AGENT_DIAL = namespace(
    0x15B10008,
    "agent_dial",
    "An agent's click-to-dial (key: agent id): two clicks cannot both pass "
    "the one-call-at-a-time check.",
)
LINE_RATING = namespace(
    0x15B10009,
    "line_rating",
    "Rating a SIP line's new calls and checking its spend (key: line id): "
    "the checks after CDR imports, the hourly rating and a manager's check "
    "never rate, warn or block one line twice at once.",
)


def key_of(key):
    """The second key: a record id as it is, a text hashed to 32 bits
    (CRC-32, the same on every server and every PostgreSQL version)."""
    if isinstance(key, bool):
        raise TypeError("a lock key is an int or a str, not a bool")
    if isinstance(key, int):
        if not INT4_MIN <= key <= INT4_MAX:
            raise ValueError(f"lock key {key} is not a 32-bit integer")
        return key
    if isinstance(key, str):
        value = zlib.crc32(key.encode())
        return value - 2**32 if value > INT4_MAX else value
    raise TypeError(f"a lock key is an int or a str, not {type(key).__name__}")


def _function(shared):
    return "pg_try_advisory_xact_lock_shared" if shared else "pg_try_advisory_xact_lock"


def _check(space):
    if REGISTRY.get(getattr(space, "code", None)) is not space:
        raise ValueError(f"{space!r} is not a registered lock namespace")


def try_lock(cr, space, key, shared=False):
    """Take the lock ``(space, key)`` for the rest of the transaction, or
    answer False at once when another transaction holds it (``shared``:
    shared locks of one key go together, an exclusive one excludes them)."""
    _check(space)
    cr.execute(f"SELECT {_function(shared)}(%s, %s)", (space.code, key_of(key)))
    return bool(cr.fetchone()[0])


def try_lock_all(cr, space, keys, shared=False):
    """Take the locks of every key in one query; False when any is busy.
    On False, the keys that were free stay held until the transaction ends:
    the caller gives the work up (rolls back or leaves it for later)."""
    _check(space)
    values = sorted({key_of(key) for key in keys})
    if not values:
        return True
    cr.execute(
        f"SELECT bool_and({_function(shared)}(%s, k)) FROM unnest(%s::int[]) AS k",
        (space.code, values),
    )
    return bool(cr.fetchone()[0])


def try_lock_each(cr, space, keys):
    """Take the exclusive lock of each key that is free; returns the keys
    taken (the others are held by another transaction)."""
    _check(space)
    by_value = {}
    for key in keys:
        by_value.setdefault(key_of(key), []).append(key)
    if not by_value:
        return set()
    cr.execute(
        "SELECT k FROM unnest(%s::int[]) AS k WHERE pg_try_advisory_xact_lock(%s, k)",
        (sorted(by_value), space.code),
    )
    return {key for row in cr.fetchall() for key in by_value[row[0]]}
