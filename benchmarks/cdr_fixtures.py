# Copyright 2026 isp_telephony authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Test data: realistic Asterisk Master.csv files for tests and benchmarks."""

import heapq
import random
from datetime import datetime, timedelta

# The timestamp format of Master.csv, and the epoch of its numeric times.
STANDARD_DATE_FORMAT = "%Y-%m-%d %H:%M:%S"
_EPOCH = datetime(1970, 1, 1)

_OTHER_DDD = ("21", "31", "41", "51", "61", "71", "81", "85", "91", "19", "47")
_CSP = ("12", "14", "15", "21", "31", "41")
_FOREIGN = ("12125550143", "351213456789", "5491145678901", "34912345678")
_SHORT = ("190", "192", "193", "100", "102", "10315")
_DISPOSITIONS = (
    ("ANSWERED", 75),
    ("NO ANSWER", 15),
    ("BUSY", 7),
    ("FAILED", 3),
)


def _dialled(rnd, area):
    """A number as a subscriber dials it from ``area`` (Brazilian habits)."""
    pick = rnd.random()
    if pick < 0.30:
        return f"{rnd.randint(2, 5)}{rnd.randint(0, 9999999):07d}"  # local fixed
    if pick < 0.55:
        return f"9{rnd.randint(0, 99999999):08d}"  # local mobile
    if pick < 0.65:
        return f"{area}9{rnd.randint(0, 99999999):08d}"  # mobile with DDD
    if pick < 0.80:
        ddd = rnd.choice(_OTHER_DDD)
        number = f"{rnd.randint(2, 5)}{rnd.randint(0, 9999999):07d}"
        if rnd.random() < 0.5:
            number = f"9{rnd.randint(0, 99999999):08d}"
        return f"0{rnd.choice(_CSP)}{ddd}{number}"  # long distance with CSP
    if pick < 0.87:
        return f"0800{rnd.randint(0, 9999999):07d}"
    if pick < 0.93:
        return f"00{rnd.choice(_CSP)}{rnd.choice(_FOREIGN)}"
    if pick < 0.97:
        return rnd.choice(_SHORT)
    return f"+55{rnd.choice(_OTHER_DDD)}9{rnd.randint(0, 99999999):08d}"


def generate_master_csv(
    target,
    rows,
    seed=1,
    start=datetime(2024, 1, 1),
    lines=3000,
    area_code="11",
    days=None,
    inbound_share=0.2,
):
    """Write ``rows`` realistic Asterisk Master.csv rows (local times).

    ``target`` is a path or a binary stream. The ISP's ``lines`` numbers
    (``area_code`` + 3000xxxx...) call out (dcontext from-internal) to local,
    national, mobile, 0800, international and short-code numbers, and
    receive calls (from-trunk); some calls are NO ANSWER/BUSY/FAILED. Rows
    are in end-time order, as Asterisk writes them, over ``days`` days
    (default: about ten calls a day per line). Returns ``rows``.
    """
    if isinstance(target, (str, bytes)) or hasattr(target, "__fspath__"):
        with open(target, "wb") as stream:
            return generate_master_csv(
                stream, rows, seed, start, lines, area_code, days, inbound_share
            )
    rnd = random.Random(seed)
    own = [f"{area_code}3{100000 + i * 7:07d}" for i in range(lines)]
    statuses = [name for name, weight in _DISPOSITIONS for _ in range(weight)]
    if days is None:
        days = max(1, round(rows / (lines * 10)))
    step = days * 86400 / max(rows, 1)
    base_epoch = int((start - _EPOCH).total_seconds())
    chunk = []
    running = []
    for seq in range(rows):
        begin = start + timedelta(seconds=int(seq * step))
        line = rnd.choice(own)
        status = rnd.choice(statuses)
        if rnd.random() < inbound_share:
            src = f"0{rnd.choice(_OTHER_DDD)}9{rnd.randint(0, 99999999):08d}"
            dst, context = line, "from-trunk"
            channel = f"SIP/carrier-{seq:08x}"
            dstchannel = f"SIP/{line}-{seq + 1:08x}"
        else:
            src, dst, context = line, _dialled(rnd, area_code), "from-internal"
            channel = f"SIP/{line}-{seq:08x}"
            dstchannel = f"SIP/carrier-{seq + 1:08x}"
        ring = rnd.randint(0, 25)
        if status == "ANSWERED":
            talk = int(rnd.expovariate(1 / 150)) + 1
            answer = begin + timedelta(seconds=ring)
            end = answer + timedelta(seconds=talk)
            answer_text = answer.strftime(STANDARD_DATE_FORMAT)
        else:
            talk = 0
            end = begin + timedelta(seconds=ring)
            answer_text = ""
        values = (
            "",
            src,
            dst,
            context,
            f'""Cliente {line[-4:]}"" <{src}>',
            channel,
            dstchannel,
            "Dial",
            f"SIP/carrier/{dst},60,tT",
            begin.strftime(STANDARD_DATE_FORMAT),
            answer_text,
            end.strftime(STANDARD_DATE_FORMAT),
        )
        quoted = ",".join(f'"{value}"' for value in values)
        # Asterisk writes a CDR when its call ends: calls still running are
        # held until every call that ends before them is written.
        line_text = (
            f"{quoted},{ring + talk},{talk},"
            f'"{status}","DOCUMENTATION","{base_epoch + seq}.{seq}",""\n'
        )
        heapq.heappush(running, (end, seq, line_text))
        while running and running[0][0] <= begin:
            chunk.append(heapq.heappop(running)[2])
        if len(chunk) >= 5000:
            target.write("".join(chunk).encode("utf-8"))
            chunk.clear()
    while running:
        chunk.append(heapq.heappop(running)[2])
    if chunk:
        target.write("".join(chunk).encode("utf-8"))
    return rows
