# Copyright 2026 isp_telephony authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""CallMyWay CDR API items (or webhook data) mapped to CDR records."""

import json
from datetime import timedelta

from .cdr_layouts import STANDARD_DATE_FORMAT
from .cdr_record import (
    CdrRecord,
    Rejection,
    _check_texts,
    _digits,
    _money,
    _numbers,
    _own_area,
    _Reject,
    _seconds,
)
from .clock import _clock
from .direction import DIRECTIONS

_CMW_NOT_CONNECTED = frozenset({"", "1970-01-01 00:00:00", "0000-00-00 00:00:00"})


def _cmw_text(item, key):
    value = item.get(key)
    return "" if value is None else str(value).strip()


def from_callmyway(item, tz="America/Sao_Paulo", country="BR", area_code=None):
    """Map one CallMyWay CDR API (or webhook ``data``) item.

    Returns a :class:`CdrRecord` or a :class:`Rejection` (line_no 0).
    ``callid`` is the unique call id; ``connect_time`` "1970-01-01 00:00:00"
    means not connected. ``duration`` is read as the connected (billed)
    seconds of an answered call and as the ringing time of one that was not.
    The direction is ``type`` when given, else inferred from which side is a
    CallMyWay user (``ani_user``/``dnis_user``), else ``out``.
    """
    raw = json.dumps(item, sort_keys=True, ensure_ascii=False, default=str)
    try:
        return _from_callmyway(item, raw, tz, country, area_code)
    except _Reject as exc:
        return Rejection(0, raw, str(exc))


def _from_callmyway(item, raw, tz, country, area_code):  # noqa: C901
    if not isinstance(item, dict):
        raise _Reject("not a JSON object")
    to_utc = _clock(tz).parser(STANDARD_DATE_FORMAT)
    call_id = _cmw_text(item, "callid")
    if not call_id:
        raise _Reject("missing callid")
    text = _cmw_text(item, "detect_time")
    detect = to_utc(text)
    if detect is None:
        raise _Reject(f"unreadable detect_time {text!r}" if text else "no detect_time")
    text = _cmw_text(item, "connect_time")
    connect = None
    if text not in _CMW_NOT_CONNECTED:
        connect = to_utc(text)
        if connect is None:
            raise _Reject(f"unreadable connect_time {text!r}")
    text = _cmw_text(item, "disconnect_time")
    disconnect = None
    if text not in _CMW_NOT_CONNECTED:
        disconnect = to_utc(text)
        if disconnect is None:
            raise _Reject(f"unreadable disconnect_time {text!r}")
    seconds = _seconds(_cmw_text(item, "duration"), "duration") or 0
    if connect is not None:
        if connect < detect:
            raise _Reject("connect_time before detect_time")
        billsec = seconds
        if disconnect is None:
            disconnect = connect + timedelta(seconds=billsec)
        elif disconnect < connect:
            raise _Reject("disconnect_time before connect_time")
        disposition = "answered"
    else:
        billsec = 0
        if disconnect is None:
            disconnect = detect + timedelta(seconds=seconds)
        elif disconnect < detect:
            raise _Reject("disconnect_time before detect_time")
        disposition = "no_answer"
    duration = int((disconnect - detect).total_seconds())
    if billsec > duration:
        raise _Reject(f"billsec ({billsec}) longer than duration ({duration})")
    direction = _cmw_text(item, "type").lower()
    if direction not in DIRECTIONS:
        ani_user = _cmw_text(item, "ani_user")
        dnis_user = _cmw_text(item, "dnis_user")
        if ani_user and dnis_user:
            direction = "internal"
        elif dnis_user and not ani_user:
            direction = "in"
        else:
            direction = "out"
    e164 = _numbers(country or "BR").e164
    area = _digits(area_code)
    ani = _cmw_text(item, "ani")
    dnis = _cmw_text(item, "dnis")
    _check_texts(ani, dnis, _cmw_text(item, "route_name"), "", "")
    if direction == "in":
        dnis_e164 = e164(dnis, area)
        ani_e164 = e164(ani, _own_area(dnis_e164, area))
    else:
        ani_e164 = e164(ani, area)
        dnis_e164 = e164(dnis, _own_area(ani_e164, area))
    return CdrRecord(
        call_id=call_id,
        original_call_id=call_id,
        direction=direction,
        ani_raw=ani,
        dnis_raw=dnis,
        ani_e164=ani_e164,
        dnis_e164=dnis_e164,
        detect_time=detect,
        connect_time=connect,
        disconnect_time=disconnect,
        duration=duration,
        billsec=billsec,
        disposition=disposition,
        cost=_money(_cmw_text(item, "cost"), "cost", False),
        access_fee=_money(_cmw_text(item, "access_fee"), "access fee", False),
        rate=_money(_cmw_text(item, "rate"), "rate", False),
        route_pattern=_cmw_text(item, "route_pattern"),
        route_name=_cmw_text(item, "route_name"),
        account_code=_cmw_text(item, "account_id"),
        terminal=_cmw_text(item, "endpoint_id"),
        line_no=0,
        raw=raw,
    )
