# Copyright 2026 isp_telephony authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Speed of the database-free rating core.

Generates synthetic calls (1,000,000 by default) over a few thousand lines,
then times :func:`tools.rating.rate_calls` line by line, classification
included (the cache starts cold). Generation is not timed. The last line
printed is a JSON object::

    {"bench": "rating_core", "cdrs": N, "seconds": s, "cpu_seconds": c,
     "core_cdrs_per_s": N / c, "wall_cdrs_per_s": N / s}

``core_cdrs_per_s`` uses the process's CPU time, i.e. the speed of one core
even when the machine is shared; on an idle machine the two agree.

Run from the addon directory (no Odoo needed)::

    python3 benchmarks/rating_core.py [--calls N] [--lines N]
"""

import argparse
import importlib.util
import json
import random
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path


def _load_tools():
    """Import the addon's ``tools`` package on its own: the addon's
    ``__init__`` imports Odoo models, which the rating core does not need."""
    tools_dir = Path(__file__).resolve().parent.parent / "tools"
    spec = importlib.util.spec_from_file_location(
        "_isp_telephony_tools",
        tools_dir / "__init__.py",
        submodule_search_locations=[str(tools_dir)],
    )
    package = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = package
    spec.loader.exec_module(package)
    return (
        importlib.import_module(spec.name + ".rating"),
        importlib.import_module(spec.name + ".destination"),
    )


rating, destination = _load_tools()

DDDS = ("11", "21", "31", "41", "51", "61", "71", "81", "85", "48")
FOREIGN = ("+12025550", "+4420712", "+3491123", "+5411432", "+35121123")


def _plans():
    base_rates = [
        rating.Rate("lf", None, "local_fixed", "0.09", "0", 30, 6),
        rating.Rate("nf", None, "national_fixed", "0.19", "0.05", 30, 6),
        rating.Rate("lm", None, "local_mobile", "0.59", "0", 30, 6),
        rating.Rate("nm", None, "national_mobile", "0.89", "0", 30, 6),
        rating.Rate("ng", None, "non_geographic", "0.35", "0", 60, 60),
        rating.Rate("us", "1", None, "0.25", "0.10", 60, 1),
        rating.Rate("uk", "44", None, "0.30", "0.10", 60, 1),
        rating.Rate("uk_london", "4420", None, "0.20", "0.10", 60, 1),
        rating.Rate("es", "34", None, "0.40", "0", 60, 60),
        rating.Rate("on", None, "on_net", "0", "0", 60, 60),
    ]
    plans = []
    for index, minutes in enumerate((0, 100, 300, 1000)):
        table = rating.RateTable(
            base_rates, default=rating.Rate("def", None, None, "1.50", "0.20")
        )
        buckets = [
            rating.Bucket("fixed", minutes * 60, {"local_fixed", "national_fixed"}),
            rating.Bucket("mobile", minutes * 15, {"local_mobile", "national_mobile"}),
        ]
        plans.append(rating.Plan(f"plan{index}", 3, buckets, table))
    return plans


def _numbers(rng, count):
    numbers = []
    for _ in range(count):
        pick = rng.random()
        ddd = rng.choice(DDDS)
        if pick < 0.45:
            numbers.append(f"+55{ddd}{rng.randint(2, 5)}{rng.randint(0, 9999999):07d}")
        elif pick < 0.85:
            numbers.append(f"+55{ddd}9{rng.randint(6, 9)}{rng.randint(0, 9999999):07d}")
        elif pick < 0.90:
            numbers.append(f"+55800{rng.randint(0, 9999999):07d}")
        elif pick < 0.93:
            numbers.append(f"+554004{rng.randint(0, 9999):04d}")
        elif pick < 0.95:
            numbers.append(rng.choice(("190", "192", "193", "199", "100", "180")))
        else:
            numbers.append(rng.choice(FOREIGN) + f"{rng.randint(0, 999):03d}")
    return numbers


def generate(calls, lines, seed=7):
    """``[(plan, area_code, [Call])]`` for ``lines`` lines, ``calls`` calls."""
    rng = random.Random(seed)
    plans = _plans()
    # Most people call the same numbers again: a pool per line, drawn from
    # a shared population of distinct numbers.
    population = _numbers(rng, max(1000, calls // 20))
    start = datetime(2026, 3, 5, 3, 0, 0)
    per_line = calls // lines
    extra = calls - per_line * lines
    out = []
    call_id = 0
    for line in range(lines):
        area = DDDS[line % len(DDDS)]
        pool = rng.sample(population, 40)
        line_calls = []
        for _ in range(per_line + (1 if line < extra else 0)):
            call_id += 1
            answered = rng.random() < 0.8
            billsec = rng.randint(1, 900) if answered else 0
            moment = start + timedelta(seconds=rng.randint(0, 29 * 86400))
            direction = "in" if rng.random() < 0.3 else "out"
            line_calls.append(
                rating.Call(
                    call_id, direction, rng.choice(pool), moment, billsec, answered
                )
            )
        out.append((plans[line % len(plans)], area, line_calls))
    return out


def build_parser():
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--calls", type=int, default=1_000_000)
    parser.add_argument("--lines", type=int, default=3000)
    # scripts/bench.sh passes these to every benchmark; this one needs no database.
    parser.add_argument("--config", help="ignored: no database needed")
    parser.add_argument("--db", help="ignored: no database needed")
    return parser


def main(argv=None):
    args = build_parser().parse_args(argv)
    work = generate(args.calls, args.lines)
    on_net = frozenset({"+551132000000", "+552132000001"})
    destination.cache_clear()
    rated = 0
    charged = 0
    began = time.perf_counter()
    began_cpu = time.process_time()
    for plan, area, calls in work:
        results = rating.rate_calls(plan, calls, area, on_net=on_net)
        rated += len(results)
        for result in results:
            charged += result.charge_minor
    seconds = time.perf_counter() - began
    cpu_seconds = time.process_time() - began_cpu
    statuses = {}
    # Status mix of the last line only, to show the data is not trivial.
    for result in results:
        statuses[result.status] = statuses.get(result.status, 0) + 1
    sys.stdout.write(
        f"lines={len(work)} total_charge_minor={charged} "
        f"cache={destination.destination.cache_info()} last_line={statuses}\n"
    )
    sys.stdout.write(
        json.dumps(
            {
                "bench": "rating_core",
                "cdrs": rated,
                "seconds": round(seconds, 3),
                "cpu_seconds": round(cpu_seconds, 3),
                "core_cdrs_per_s": round(rated / cpu_seconds),
                "wall_cdrs_per_s": round(rated / seconds),
            }
        )
        + "\n"
    )


if __name__ == "__main__":
    main()
