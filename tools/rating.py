# Copyright 2026 isp_telephony authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The rating core: price the calls of one line in one billing cycle.

Plain Python, no Odoo, no database. The rule (docs/rating.md has it with
worked examples):

1. Unanswered (disposition not answered, or billable seconds 0): charge 0.
2. Billable seconds below the plan's minimum: charge 0.
3. Rounded seconds b = the initial block when the call is no longer than it,
   else initial block + ceil((seconds - initial block) / increment) * increment.
4. Franchise: the call consumes min(remaining, b) from the bucket of its class
   in the line's cycle, in chronological order of connect time; excess =
   b - covered. A call that crosses the end of the franchise is split: only
   its excess is charged.
5. Charge = (connection fee if excess > 0 else 0) + excess * price per
   minute / 60, rounded half-up to the currency's precision, per call.

Money is kept in integers: prices in micro-units (1e-6 of the currency) and
charges in minor units (cents for 2 digits), so the hot loop never touches
Decimal. :attr:`Result.charge` gives the Decimal back.
"""

import bisect
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import NamedTuple

from . import destination as dest
from . import direction as call_direction
from . import timezones

RATED = "rated"
FREE = "free"
NO_RATE = "no_rate"
STATUSES = (RATED, FREE, NO_RATE)

MICRO = 1_000_000
_MICRO_DIGITS = 6

# Classes that are free unless the plan has a rate for exactly that class;
# prefixes and the default rate never apply to them.
CLASS_ONLY = frozenset({dest.INBOUND, dest.ON_NET})
# Classes that are always free (Anatel: emergency and public-utility codes).
ALWAYS_FREE = frozenset({dest.EMERGENCY})

_NO_TIME = datetime.min
_MISSING = object()


def to_micro(amount):
    """Integer micro-units of a money amount (Decimal, int, str or float).

    Raises ValueError when the amount has more than 6 decimals or is
    negative: a price is never rounded silently.
    """
    try:
        value = Decimal(str(amount)) if isinstance(amount, float) else Decimal(amount)
    except (InvalidOperation, TypeError, ValueError) as exc:
        raise ValueError(f"not an amount: {amount!r}") from exc
    if not value.is_finite() or value < 0:
        raise ValueError(f"not a non-negative amount: {amount!r}")
    micro = value.scaleb(_MICRO_DIGITS)
    if micro != micro.to_integral_value():
        raise ValueError(f"amount {amount!r} has more than 6 decimals")
    return int(micro)


def rounded_seconds(billsec, initial_block=60, increment=60):
    """Seconds billed for ``billsec`` seconds talked (rule step 3)."""
    if billsec <= initial_block:
        return initial_block
    return initial_block + -(-(billsec - initial_block) // increment) * increment


def charge_minor(excess, price_micro, fee_micro, currency_digits=2):
    """Charge in minor units for ``excess`` seconds (rule step 5).

    Exact integer half-up rounding: the unrounded charge in micro-units is
    (fee * 60 + excess * price) / 60; one minor unit is 10 ** (6 - digits)
    micro-units.
    """
    if excess <= 0:
        return 0
    numerator = fee_micro * 60 + excess * price_micro
    unit = 60 * 10 ** (_MICRO_DIGITS - currency_digits)
    return (2 * numerator + unit) // (2 * unit)


@dataclass(frozen=True)
class Rate:
    """A price. ``prefix`` is E.164 digits without ``+``; ``dest_class`` a
    class of :mod:`destination`. Both set: the prefix only for that class."""

    id: object
    prefix: str | None
    dest_class: str | None
    price_per_minute: object
    connection_fee: object = 0
    initial_block: int = 60
    increment: int = 60
    price_micro: int = field(init=False, repr=False, compare=False)
    fee_micro: int = field(init=False, repr=False, compare=False)

    def __post_init__(self):
        prefix = self.prefix
        if prefix is not None:
            prefix = prefix.strip().lstrip("+")
            if not prefix.isdigit():
                raise ValueError(
                    f"rate {self.id}: prefix {self.prefix!r} is not digits"
                )
            object.__setattr__(self, "prefix", prefix)
        if self.dest_class is not None and self.dest_class not in dest.CLASSES:
            raise ValueError(f"rate {self.id}: unknown class {self.dest_class!r}")
        if int(self.initial_block) < 0 or int(self.increment) < 1:
            raise ValueError(
                f"rate {self.id}: initial block must be >= 0 and increment >= 1"
            )
        object.__setattr__(self, "initial_block", int(self.initial_block))
        object.__setattr__(self, "increment", int(self.increment))
        object.__setattr__(self, "price_micro", to_micro(self.price_per_minute))
        object.__setattr__(self, "fee_micro", to_micro(self.connection_fee or 0))


class RateTable:
    """The rates of one plan, indexed for longest-prefix lookup.

    Built once per plan: a dict of prefix -> {class or None: rate} and the
    list of prefix lengths present, longest first. A rate with neither prefix
    nor class is the default. Two rates for the same (prefix, class) are an
    error, never a silent pick.
    """

    _CACHE_LIMIT = 1 << 17

    def __init__(self, rates, default=None):
        self.rates = tuple(rates)
        self.by_prefix = {}
        self.by_class = {}
        self.default = default
        for rate in self.rates:
            if rate.prefix is not None:
                slot = self.by_prefix.setdefault(rate.prefix, {})
                if rate.dest_class in slot:
                    raise ValueError(f"duplicate rate for prefix {rate.prefix}")
                slot[rate.dest_class] = rate
            elif rate.dest_class is not None:
                if rate.dest_class in self.by_class:
                    raise ValueError(f"duplicate rate for class {rate.dest_class}")
                self.by_class[rate.dest_class] = rate
            else:
                if self.default is not None:
                    raise ValueError("more than one default rate")
                self.default = rate
        self.lengths = tuple(sorted({len(p) for p in self.by_prefix}, reverse=True))
        self._cache = {}

    def _lookup(self, digits, dest_class):
        by_prefix = self.by_prefix
        if digits:
            size = len(digits)
            for length in self.lengths:
                if length > size:
                    continue
                slot = by_prefix.get(digits[:length])
                if slot is not None:
                    rate = slot.get(dest_class) or slot.get(None)
                    if rate is not None:
                        return rate
        rate = self.by_class.get(dest_class)
        if rate is not None:
            return rate
        return self.default

    def lookup(self, e164_digits, dest_class):
        """Longest matching prefix; else the class's rate; else the default;
        else None (the caller flags the call ``no_rate``)."""
        key = (e164_digits, dest_class)
        cache = self._cache
        rate = cache.get(key, _MISSING)
        if rate is not _MISSING:
            return rate
        rate = self._lookup(e164_digits, dest_class)
        if len(cache) >= self._CACHE_LIMIT:
            cache.clear()
        cache[key] = rate
        return rate

    def class_rate(self, dest_class):
        """The rate for exactly ``dest_class`` (no prefix, no default)."""
        return self.by_class.get(dest_class)


@dataclass(frozen=True)
class Bucket:
    """Franchise: ``seconds`` free per cycle for calls of ``classes``."""

    id: object
    seconds: int
    classes: frozenset

    def __post_init__(self):
        if int(self.seconds) < 0:
            raise ValueError(f"bucket {self.id}: negative seconds")
        object.__setattr__(self, "seconds", int(self.seconds))
        object.__setattr__(self, "classes", frozenset(self.classes))


@dataclass(frozen=True)
class Plan:
    id: object
    min_billable_seconds: int
    buckets: tuple
    rates: RateTable
    currency_digits: int = 2
    bucket_of_class: dict = field(init=False, repr=False, compare=False)

    def __post_init__(self):
        buckets = tuple(self.buckets or ())
        object.__setattr__(self, "buckets", buckets)
        if not 0 <= int(self.currency_digits) <= _MICRO_DIGITS:
            raise ValueError("currency digits must be between 0 and 6")
        mapping = {}
        for bucket in buckets:
            for dest_class in bucket.classes:
                if dest_class in mapping:
                    raise ValueError(f"class {dest_class} is in two buckets")
                mapping[dest_class] = bucket
        object.__setattr__(self, "bucket_of_class", mapping)


@dataclass(frozen=True)
class Call:
    """One CDR. ``connect_time`` is a naive UTC datetime (None when the call
    never connected); ``billsec`` the billable seconds."""

    id: object
    direction: str
    dialled: str
    connect_time: datetime | None
    billsec: int
    answered: bool


class Result(NamedTuple):
    """The rating of one call. A named tuple, not a frozen dataclass: it is
    built once per CDR in the hot loop and this is 4x cheaper."""

    call_id: object
    dest_class: str
    rate_id: object  # None: free or no rate (see status)
    rounded_seconds: int
    franchise_seconds: int
    excess_seconds: int
    charge_minor: int  # minor units of the currency (cents for 2 digits)
    bucket_id: object
    status: str  # rated | free | no_rate
    currency_digits: int = 2

    @property
    def charge(self):
        """The charge as a Decimal with the currency's precision."""
        return Decimal(self.charge_minor).scaleb(-self.currency_digits)


def _sort_key(call):
    return (call.connect_time or _NO_TIME, call.id)


def rate_calls(plan, calls, line_area_code, country="BR", on_net=frozenset()):
    """Rate the calls of ONE line in ONE cycle; results in connect-time order.

    Franchise buckets start full and are consumed in chronological order
    (ties by call id), so re-rating a whole cycle always gives the same
    answer whatever order the CDRs arrived in.
    """
    table = plan.rates
    lookup = table.lookup
    class_rate = table.by_class.get
    bucket_of_class = plan.bucket_of_class
    remaining = {bucket.id: bucket.seconds for bucket in plan.buckets}
    minimum = plan.min_billable_seconds
    digits = plan.currency_digits
    area = line_area_code or None
    classify = dest.destination
    inbound_direction = call_direction.INBOUND
    outbound_directions = (call_direction.OUTBOUND, call_direction.INTERNAL)
    results = []
    append = results.append

    for call in sorted(calls, key=_sort_key):
        direction = call.direction
        if direction in outbound_directions:
            dest_class, e164, prefix_digits = classify(call.dialled, area, country)
            if e164 is not None and e164 in on_net:
                dest_class = dest.ON_NET
        elif direction == inbound_direction:
            dest_class, prefix_digits = dest.INBOUND, ""
        else:
            raise ValueError(f"call {call.id}: unknown direction {direction!r}")
        billsec = call.billsec
        if not call.answered or billsec <= 0 or billsec < minimum:
            append(Result(call.id, dest_class, None, 0, 0, 0, 0, None, FREE, digits))
            continue
        if dest_class in CLASS_ONLY:
            rate = class_rate(dest_class)
        elif dest_class in ALWAYS_FREE:
            rate = None
        else:
            rate = lookup(prefix_digits, dest_class)
            if rate is None:
                append(
                    Result(
                        call.id,
                        dest_class,
                        None,
                        billsec,
                        0,
                        0,
                        0,
                        None,
                        NO_RATE,
                        digits,
                    )
                )
                continue
        if rate is None:
            append(Result(call.id, dest_class, None, 0, 0, 0, 0, None, FREE, digits))
            continue
        rounded = rounded_seconds(billsec, rate.initial_block, rate.increment)
        bucket = bucket_of_class.get(dest_class)
        if bucket is not None:
            bucket_id = bucket.id
            left = remaining[bucket_id]
            covered = min(rounded, left)
            remaining[bucket_id] = left - covered
        else:
            bucket_id = None
            covered = 0
        excess = rounded - covered
        charge = charge_minor(excess, rate.price_micro, rate.fee_micro, digits)
        append(
            Result(
                call.id,
                dest_class,
                rate.id,
                rounded,
                covered,
                excess,
                charge,
                bucket_id,
                RATED,
                digits,
            )
        )
    return results


# ---------------------------------------------------------------------------
# Billing cycle


def _zone(tz_name):
    return timezones.zone(tz_name)


def _add_month(year, month):
    return (year + 1, 1) if month == 12 else (year, month + 1)


def _local_midnight_utc(year, month, day, zone):
    return timezones.local_to_utc(datetime(year, month, day), zone)


def _cycle_start_month(moment_utc, due_day, zone):
    if not 1 <= int(due_day) <= 25:
        raise ValueError(f"due day must be between 1 and 25, not {due_day!r}")
    local = timezones.utc_to_local(moment_utc, zone)
    year, month = local.year, local.month
    start = _local_midnight_utc(year, month, due_day, zone)
    if moment_utc < start:
        year, month = (year - 1, 12) if month == 1 else (year, month - 1)
    return year, month


def cycle_bounds(moment_utc, due_day, tz_name):
    """``(start_utc, end_utc)`` of the cycle that contains ``moment_utc``.

    Naive UTC datetimes; start inclusive = local midnight of the due day
    (1-25), end exclusive = local midnight of the next month's due day, in
    ``tz_name`` (the company's time zone).
    """
    zone = _zone(tz_name)
    year, month = _cycle_start_month(moment_utc, due_day, zone)
    start = _local_midnight_utc(year, month, due_day, zone)
    next_year, next_month = _add_month(year, month)
    end = _local_midnight_utc(next_year, next_month, due_day, zone)
    return start, end


def cycle_key(moment_utc, due_day, tz_name):
    """The cycle of ``moment_utc`` as its local start date, ``"YYYY-MM-DD"``."""
    year, month = _cycle_start_month(moment_utc, due_day, _zone(tz_name))
    return f"{year:04d}-{month:02d}-{int(due_day):02d}"


def group_by_cycle(calls, due_day, tz_name):
    """``{cycle_key: [calls]}`` in input order; calls without a connect
    time (never connected, free anyway) are kept under the key ``None``."""
    zone = _zone(tz_name)
    groups = {}
    bounds = []  # sorted (start, end, key) of the cycles seen so far
    starts = []
    for call in calls:
        moment = call.connect_time
        if moment is None:
            groups.setdefault(None, []).append(call)
            continue
        index = bisect.bisect_right(starts, moment) - 1
        if index >= 0 and moment < bounds[index][1]:
            key = bounds[index][2]
        else:
            year, month = _cycle_start_month(moment, due_day, zone)
            start = _local_midnight_utc(year, month, due_day, zone)
            next_year, next_month = _add_month(year, month)
            end = _local_midnight_utc(next_year, next_month, due_day, zone)
            key = f"{year:04d}-{month:02d}-{int(due_day):02d}"
            position = bisect.bisect_left(starts, start)
            starts.insert(position, start)
            bounds.insert(position, (start, end, key))
        groups.setdefault(key, []).append(call)
    return groups
