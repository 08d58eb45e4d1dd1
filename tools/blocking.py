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

Spend control (docs/spend-control.md) adds two reasons held by a line, not by
its contract: the credit limit of the cycle (partial block) and the fraud
guard (full block). Every reason is kept apart; the line's status in force is
the strictest of its contract's status and its own reasons
(:func:`line_status`), so lifting one reason leaves the others in force.

No silent suspension (Anatel): a contract is suspended for debt only once the
customer was notified and the notice period has passed
(``suspension_allowed`` of :func:`target_status`, :func:`suspension_dates`).
"""

from datetime import date, timedelta

ACTIVE = "active"
PARTIAL = "partial_block"
BLOCKED_MANUAL = "blocked_manual"
BLOCKED_AUTO = "blocked_auto"
CANCELLED = "cancelled"

STATUSES = (ACTIVE, PARTIAL, BLOCKED_MANUAL, BLOCKED_AUTO, CANCELLED)
# Statuses held by one line (spend control), never by a contract.
PARTIAL_CREDIT = "partial_credit"
BLOCKED_FRAUD = "blocked_fraud"
LINE_STATUSES = STATUSES + (PARTIAL_CREDIT, BLOCKED_FRAUD)

# Statuses in which the service is cut, fully.
BLOCKED = frozenset({BLOCKED_MANUAL, BLOCKED_AUTO, BLOCKED_FRAUD})
# Statuses in which the line only receives calls (and emergency numbers).
PARTIALS = frozenset({PARTIAL, PARTIAL_CREDIT})
# Strictness of a status: the strictest in force decides the category.
LEVEL_ACTIVE, LEVEL_PARTIAL, LEVEL_BLOCKED, LEVEL_CANCELLED = range(4)
LEVELS = {
    ACTIVE: LEVEL_ACTIVE,
    PARTIAL: LEVEL_PARTIAL,
    PARTIAL_CREDIT: LEVEL_PARTIAL,
    BLOCKED_MANUAL: LEVEL_BLOCKED,
    BLOCKED_AUTO: LEVEL_BLOCKED,
    BLOCKED_FRAUD: LEVEL_BLOCKED,
    CANCELLED: LEVEL_CANCELLED,
}
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


def target_status(
    current, terminated, days, partial_days, full_days, suspension_allowed=True
):
    """The status a contract must be in now (rules 1 to 3).

    ``current`` is its status before; ``days`` the days its oldest unpaid
    instalment is overdue. ``suspension_allowed`` is false while the
    customer has not been notified of the debt or the notice period is still
    running: a contract that is not suspended yet stays Active (one already
    suspended stays so while the debt lasts).
    """
    if current not in STATUSES:
        raise ValueError(f"unknown service status {current!r}")
    if terminated:
        return CANCELLED
    if current == BLOCKED_MANUAL:
        return BLOCKED_MANUAL
    target = status_from_debt(days, partial_days, full_days)
    if (
        target != ACTIVE
        and not suspension_allowed
        and current not in (PARTIAL, BLOCKED_AUTO)
    ):
        return ACTIVE
    return target


def notice_period_over(notice_date, notice_days, today):
    """Whether a suspension may happen ``today``: the customer was notified
    on ``notice_date`` and ``notice_days`` have passed since."""
    if not notice_date:
        return False
    return today >= notice_date + timedelta(days=notice_days)


def suspension_dates(oldest_due, notice_date, partial_days, full_days, notice_days):
    """``(partial, full)``: the dates on which an unpaid debt falling due on
    ``oldest_due`` leads to the partial, then the full suspension, for a
    customer notified on ``notice_date``. Neither comes before the notice
    period is over; the full one never before the partial one."""
    if not oldest_due:
        return None, None
    notice_date = notice_date or oldest_due
    partial = max(
        oldest_due + timedelta(days=partial_days),
        notice_date + timedelta(days=notice_days),
    )
    full = max(oldest_due + timedelta(days=full_days), partial)
    return partial, full


def line_status(contract_status, credit_limited=False, fraud_blocked=False):
    """The status in force on a line: the strictest of its contract's status
    and the line's own reasons (credit limit: partial block; fraud guard:
    full block). A cancelled contract wins over everything; otherwise a
    contract's block is kept as it is (its own label) unless a line reason
    is strictly stricter."""
    if contract_status not in STATUSES:
        raise ValueError(f"unknown service status {contract_status!r}")
    status = contract_status
    for held, reason in (
        (fraud_blocked, BLOCKED_FRAUD),
        (credit_limited, PARTIAL_CREDIT),
    ):
        if held and LEVELS[reason] > LEVELS[status]:
            status = reason
    return status


def line_reasons(contract_status, credit_limited=False, fraud_blocked=False):
    """Every reason in force on a line, strictest first (ties in the order
    contract, fraud, credit). Active alone when nothing holds."""
    reasons = []
    if contract_status != ACTIVE:
        reasons.append(contract_status)
    if fraud_blocked:
        reasons.append(BLOCKED_FRAUD)
    if credit_limited:
        reasons.append(PARTIAL_CREDIT)
    if not reasons:
        return [ACTIVE]
    return sorted(reasons, key=lambda reason: -LEVELS[reason])


def expected_category(
    status, blocking_enabled, current, default, partial, block, cancel
):
    """The category a line must have on the platform for ``status``.

    Categories are opaque values (ids, codes or records); a false one means
    "not set". Without blocking on the partition the line keeps ``current``.
    A partial block without a partial category keeps the line on
    ``default``: it consumes normally.
    """
    if status not in LINE_STATUSES:
        raise ValueError(f"unknown service status {status!r}")
    if not blocking_enabled:
        return current
    if status == CANCELLED:
        return cancel or current
    if status in BLOCKED:
        return block or current
    if status in PARTIALS and partial:
        return partial
    return default or current
