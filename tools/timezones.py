# Copyright 2026 isp_telephony authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Time zones: the one place that turns naive UTC datetimes (what Odoo
stores) into local ones and back.

Platforms write call times in their own zone, cycles and months start at
local midnight; Odoo stores naive UTC. Every conversion goes through these
functions; an empty zone name means UTC.
"""

from datetime import datetime, time, timezone
from zoneinfo import ZoneInfo


def zone(tz):
    """The tzinfo of ``tz``: a zone name (empty: UTC) or a tzinfo, returned
    as is. An unknown name raises ValueError (ZoneInfoNotFoundError)."""
    if not tz:
        return timezone.utc
    if hasattr(tz, "utcoffset"):
        return tz
    return ZoneInfo(tz)


def utc_to_local(moment_utc, tz):
    """The naive local time of a naive UTC datetime."""
    local = moment_utc.replace(tzinfo=timezone.utc).astimezone(zone(tz))
    return local.replace(tzinfo=None)


def local_to_utc(local, tz):
    """The naive UTC time of a naive local datetime (a time skipped or
    repeated by a daylight-saving change takes its first offset)."""
    aware = local.replace(tzinfo=zone(tz))
    return aware.astimezone(timezone.utc).replace(tzinfo=None)


def local_date(moment_utc, tz):
    """The local date of a naive UTC datetime."""
    return utc_to_local(moment_utc, tz).date()


def local_midnight_utc(day, tz):
    """Naive UTC time of the local midnight that starts ``day`` (a date)."""
    return local_to_utc(datetime.combine(day, time(0, 0)), tz)


def local_now(tz):
    """The current naive local time in ``tz``."""
    return datetime.now(zone(tz)).replace(tzinfo=None)
