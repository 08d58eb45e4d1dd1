# Copyright 2026 isp_telephony authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The blocking core: which service status a contract is in, and which
platform category its lines must have (seed 002 §2.2.1, Anatel Res. 632/2014:
notice, partial suspension, full suspension, termination).

Plain Python, no Odoo. The rule:

1. A terminated contract (OCA ``is_terminated``) is Cancelled.
2. A manual block stays until a manager lifts it: payments never do.
3. Otherwise the oldest overdue instalment decides: ``days >= full_days`` is
   an automatic block, ``days >= partial_days`` a partial block (overdue
   payment, receive-only), anything less is Active. Paying the overdue
   amount therefore releases partial and automatic blocks.

Lines follow the status only in partitions with blocking enabled; a partition
without a partial-block category leaves partially blocked lines on the
default category (they keep consuming normally).
"""

from datetime import date

ACTIVE = "active"
PARTIAL = "partial_block"
BLOCKED_MANUAL = "blocked_manual"
BLOCKED_AUTO = "blocked_auto"
CANCELLED = "cancelled"

STATUSES = (ACTIVE, PARTIAL, BLOCKED_MANUAL, BLOCKED_AUTO, CANCELLED)
# Statuses in which the contract's service is cut, fully.
BLOCKED = frozenset({BLOCKED_MANUAL, BLOCKED_AUTO})
# Statuses the invoices decide; the others are decided by people.
AUTOMATIC = frozenset({ACTIVE, PARTIAL, BLOCKED_AUTO})


def check_thresholds(partial_days, full_days):
    """Raise TypeError unless both are whole numbers of days, ValueError
    unless 1 <= partial_days <= full_days."""
    if not isinstance(partial_days, int) or not isinstance(full_days, int):
        raise TypeError("the block thresholds must be whole numbers of days")
    if partial_days < 1:
        raise ValueError("the partial block needs at least 1 day after the due date")
    if full_days < partial_days:
        raise ValueError(
            "the full block cannot come before the partial block "
            f"({full_days} < {partial_days} days)"
        )


def overdue_days(oldest_due, today):
    """Days ``today`` is past the oldest overdue due date (0 when none)."""
    if not oldest_due:
        return 0
    if not isinstance(oldest_due, date) or not isinstance(today, date):
        raise TypeError("due date and today must be dates")
    return max(0, (today - oldest_due).days)


def status_from_debt(days, partial_days, full_days):
    """The automatic status for ``days`` overdue (rule 3)."""
    if days >= full_days:
        return BLOCKED_AUTO
    if days >= partial_days:
        return PARTIAL
    return ACTIVE


def target_status(current, terminated, days, partial_days, full_days):
    """The status a contract must be in now (rules 1 to 3).

    ``current`` is its status before; ``days`` the days its oldest unpaid
    instalment is overdue.
    """
    if current not in STATUSES:
        raise ValueError(f"unknown service status {current!r}")
    if terminated:
        return CANCELLED
    if current == BLOCKED_MANUAL:
        return BLOCKED_MANUAL
    return status_from_debt(days, partial_days, full_days)


def expected_category(
    status, blocking_enabled, current, default, partial, block, cancel
):
    """The category a line must have on the platform for ``status``.

    Categories are opaque values (ids, codes or records); a false one means
    "not set". Without blocking on the partition the line keeps ``current``.
    A partial block without a partial category keeps the line on
    ``default``: it consumes normally.
    """
    if status not in STATUSES:
        raise ValueError(f"unknown service status {status!r}")
    if not blocking_enabled:
        return current
    if status == CANCELLED:
        return cancel or current
    if status in BLOCKED:
        return block or current
    if status == PARTIAL and partial:
        return partial
    return default or current
