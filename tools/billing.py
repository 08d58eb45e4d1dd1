# Copyright 2026 isp_telephony authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Which billing cycle a billing month closes, and the rounding of minutes.

Plain Python, no Odoo. A line's cycle runs from local midnight of its due
day (1-25) to local midnight of the next month's due day (see
:func:`rating.cycle_bounds`). The billing month M bills the cycle that
*resets* in M: the one that starts on the due day of M - 1 and ends (its
franchise resets) on the due day of M. Due day 10, billing month 2026-03:
2026-02-10 00:00 -> 2026-03-10 00:00 local.
"""

from datetime import date, datetime

from . import rating, timezones


def month_start(value):
    """The first day of the month of a date (or ``"YYYY-MM"`` string)."""
    if isinstance(value, str):
        year, month = value.split("-")[:2]
        return date(int(year), int(month), 1)
    return date(value.year, value.month, 1)


def previous_month(value):
    """The first day of the month before ``value``'s month."""
    first = month_start(value)
    if first.month == 1:
        return date(first.year - 1, 12, 1)
    return date(first.year, first.month - 1, 1)


def billing_cycle(billing_month, due_day, tz_name):
    """``(start_utc, end_utc)`` naive UTC bounds of the cycle billed in
    ``billing_month`` for a line with ``due_day``, in ``tz_name``."""
    if not 1 <= int(due_day) <= 25:
        raise ValueError(f"due day must be between 1 and 25, not {due_day!r}")
    first = previous_month(billing_month)
    start = timezones.local_to_utc(
        datetime(first.year, first.month, int(due_day)), tz_name
    )
    return rating.cycle_bounds(start, int(due_day), tz_name)


def cycle_dates(billing_month, due_day):
    """Local ``(first_day, last_day, reset_day)`` dates of the cycle billed in
    ``billing_month``: last_day is the day before the franchise resets."""
    first = previous_month(billing_month)
    start = date(first.year, first.month, int(due_day))
    month = month_start(billing_month)
    reset = date(month.year, month.month, int(due_day))
    return start, date.fromordinal(reset.toordinal() - 1), reset


def minutes(seconds):
    """Seconds as minutes with two decimals, for display (never for money)."""
    return round((seconds or 0) / 60.0, 2)


def cycle_last_day(cycle_start):
    """The last local day of the cycle that starts on ``cycle_start``."""
    following = month_start(date.fromordinal(month_start(cycle_start).toordinal() + 31))
    reset = date(following.year, following.month, cycle_start.day)
    return date.fromordinal(reset.toordinal() - 1)


def period_label(first_day, last_day, date_format="%d/%m/%Y"):
    """``"10/02/2026 - 09/03/2026"``: a cycle as the statement and the
    invoice line both print it, in the reader's date format."""
    if not first_day or not last_day:
        return ""
    return f"{first_day.strftime(date_format)} - {last_day.strftime(date_format)}"
