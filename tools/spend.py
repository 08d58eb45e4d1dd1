# Copyright 2026 isp_telephony authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The spend-control core: where a line stands against its credit limit in
its cycle, what must happen when that changes, and the fraud guard.

Plain Python, no Odoo, no database (docs/spend-control.md has the rule):

* Credit: spend = the rated charges of the line's calls in its current
  cycle. No limit (0 or none): state ``none``. ``spend >= limit``: ``limit``;
  ``spend >= limit * warning share``: ``warning``; otherwise ``ok``.
* Transitions (:func:`credit_actions`): the warning is given once per
  cycle; the line is blocked once per cycle at the limit, unless a manager
  lifted it in that cycle; a credit block ends as soon as the line is below
  its limit (new cycle, limit raised).
* Fraud guard: the most a line may spend on costly destinations in any
  rolling hour (:func:`hour_peak`), and optionally how many costly calls
  may overlap (:func:`max_overlap`).
"""

from datetime import timedelta
from decimal import Decimal
from typing import NamedTuple

NONE = "none"
OK = "ok"
WARNING = "warning"
LIMIT = "limit"
STATES = (NONE, OK, WARNING, LIMIT)

WARN = "warn"
BLOCK = "block"
RELEASE = "release"

HOUR = timedelta(hours=1)
# Default warning share of the limit, in percent (company setting).
DEFAULT_WARNING_PERCENT = 80.0


def _money(value):
    if value is None or value is False:
        return Decimal(0)
    if isinstance(value, Decimal):
        return value
    return Decimal(str(value))


def check_warning_percent(percent):
    """Raise ValueError unless 0 < percent <= 100."""
    if not 0 < float(percent) <= 100:
        raise ValueError(
            f"the warning share must be above 0 and at most 100 %, not {percent!r}"
        )


def credit_state(spend, limit, warning_percent=DEFAULT_WARNING_PERCENT):
    """The credit state of a line that spent ``spend`` against ``limit``."""
    check_warning_percent(warning_percent)
    limit = _money(limit)
    if limit <= 0:
        return NONE
    spend = _money(spend)
    if spend >= limit:
        return LIMIT
    if spend * 100 >= limit * _money(warning_percent):
        return WARNING
    return OK


def credit_share(spend, limit):
    """Spend as a percentage of the limit (0 without a limit)."""
    limit = _money(limit)
    if limit <= 0:
        return 0.0
    return float(_money(spend) * 100 / limit)


def credit_actions(state, cycle, blocked, warned_cycle, lifted_cycle):
    """What a line in ``state`` during ``cycle`` needs now, as a tuple of
    :data:`WARN`, :data:`BLOCK`, :data:`RELEASE` (in that order).

    ``blocked``: the line holds a credit block; ``warned_cycle``: the cycle
    in which it was last warned; ``lifted_cycle``: the cycle in which a
    manager last lifted its credit block (no new block in that cycle).
    """
    if state not in STATES:
        raise ValueError(f"unknown credit state {state!r}")
    actions = []
    if state in (WARNING, LIMIT) and warned_cycle != cycle:
        actions.append(WARN)
    if state == LIMIT and not blocked and lifted_cycle != cycle:
        actions.append(BLOCK)
    if blocked and state != LIMIT:
        actions.append(RELEASE)
    return tuple(actions)


class CostlyCall(NamedTuple):
    """A call to a costly destination: when it connected (naive UTC), how
    long it talked (seconds) and its charge."""

    connect_time: object
    seconds: int
    charge: object


def hour_peak(calls):
    """``(amount, start)``: the most charged by calls connecting within any
    rolling hour ``[start, start + 1 h)``, and where that hour begins.
    ``(0, None)`` without calls."""
    calls = sorted(
        (c for c in calls if c.connect_time is not None),
        key=lambda c: c.connect_time,
    )
    best, best_start = Decimal(0), None
    total = Decimal(0)
    first = 0
    for call in calls:
        total += _money(call.charge)
        while call.connect_time - calls[first].connect_time >= HOUR:
            total -= _money(calls[first].charge)
            first += 1
        if total > best:
            best, best_start = total, calls[first].connect_time
    return best, best_start


def max_overlap(calls):
    """``(count, moment)``: the most calls talking at the same moment, and
    the first moment it was reached (a call ending when another connects
    does not overlap it)."""
    events = []
    for call in calls:
        if call.connect_time is None or not call.seconds or call.seconds <= 0:
            continue
        events.append((call.connect_time, 1))
        events.append((call.connect_time + timedelta(seconds=call.seconds), -1))
    # Ends sort before starts at the same moment.
    events.sort()
    best, moment, current = 0, None, 0
    for when, delta in events:
        current += delta
        if current > best:
            best, moment = current, when
    return best, moment


class FraudTrip(NamedTuple):
    """Why the fraud guard tripped: ``kind`` is ``"hour"`` or
    ``"simultaneous"``; ``value`` the amount or count seen, ``limit`` the
    plan's and ``moment`` when (naive UTC)."""

    kind: str
    value: object
    limit: object
    moment: object


def fraud_check(calls, hour_limit=0, max_simultaneous=0):
    """The first rule of the guard that ``calls`` (costly calls of one line)
    break, or None. ``hour_limit`` 0: no spend rule; ``max_simultaneous``
    0: no concurrency rule. The hour rule trips when the hour's charges
    exceed the limit (reaching it exactly is allowed)."""
    hour_limit = _money(hour_limit)
    if hour_limit > 0:
        amount, start = hour_peak(calls)
        if amount > hour_limit:
            return FraudTrip("hour", amount, hour_limit, start)
    if max_simultaneous and max_simultaneous > 0:
        count, moment = max_overlap(calls)
        if count > max_simultaneous:
            return FraudTrip("simultaneous", count, max_simultaneous, moment)
    return None
