# Copyright 2026 isp_telephony authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Clocks: local wall-clock strings of a time zone (or epochs) to naive UTC,
fast.
"""

import math
import re
from datetime import datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

from .cdr_layouts import (
    EPOCH,
    STANDARD_DATE_FORMAT,
)

_MINUTE_CACHE_SIZE = 200000


_EPOCH = datetime(1970, 1, 1)
_SECONDS = {f"{s:02d}": timedelta(seconds=s) for s in range(60)}
_STANDARD_RE = re.compile(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d", re.ASCII)


class _Clock:
    """Local wall-clock strings of one time zone to naive UTC datetimes.

    Ambiguous local times (the repeated hour when DST ends) are read as the
    first occurrence; non-existent ones (the hour skipped when DST starts)
    with the offset in force before the jump (``fold=0`` in both cases).
    """

    def __init__(self, tzname):
        self.tzname = tzname
        self.tz = ZoneInfo(tzname)
        self.minutes = {}
        self.hours = {}

    def to_utc(self, local):
        return local - local.replace(tzinfo=self.tz).utcoffset()

    def parser(self, date_format):
        """A function: text -> naive UTC datetime, or None if unreadable."""
        if date_format == EPOCH:
            return _parse_epoch
        if date_format == STANDARD_DATE_FORMAT:
            return self._standard_parser()
        to_utc = self.to_utc

        def parse(text):
            try:
                return to_utc(datetime.strptime(text.strip(), date_format))
            except ValueError:
                return None

        return parse

    def _standard_parser(self):
        # "YYYY-MM-DD HH:MM:SS": the minute from a cache, seconds by lookup.
        get_minute = self.minutes.get
        seconds_of = _SECONDS.get
        slow = self._standard_slow

        def parse(text):
            base = get_minute(text[:16])
            if base is not None and len(text) == 19 and text[16] == ":":
                seconds = seconds_of(text[17:])
                if seconds is not None:
                    return base + seconds
            return slow(text)

        return parse

    def _standard_slow(self, text):
        text = text.strip()
        if not _STANDARD_RE.fullmatch(text):
            return None
        try:
            minute = datetime(
                int(text[0:4]),
                int(text[5:7]),
                int(text[8:10]),
                int(text[11:13]),
                int(text[14:16]),
            )
        except ValueError:
            return None
        seconds = _SECONDS.get(text[17:19])
        if seconds is None:
            return None
        offset = self.hours.get(text[:13])
        if offset is None:
            offset = self._hour_offset(minute)
            if len(self.hours) >= _MINUTE_CACHE_SIZE:
                self.hours.clear()
            self.hours[text[:13]] = offset
        utc_minute = self.to_utc(minute) if offset is False else minute - offset
        if len(self.minutes) >= _MINUTE_CACHE_SIZE:
            self.minutes.clear()
        self.minutes[text[:16]] = utc_minute
        return utc_minute + seconds

    def _hour_offset(self, minute):
        """The hour's UTC offset, or False when it changes within the hour."""
        start = minute.replace(minute=0, tzinfo=self.tz).utcoffset()
        end = minute.replace(minute=59, second=59, tzinfo=self.tz).utcoffset()
        return start if start == end else False


def _parse_epoch(text):
    try:
        value = float(text)
    except ValueError:
        return None
    if not math.isfinite(value):
        return None
    return _EPOCH + timedelta(seconds=int(value))


@lru_cache(maxsize=32)
def _clock(tzname):
    return _Clock(tzname)
