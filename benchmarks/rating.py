# Copyright 2026 isp_telephony authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Speed of the rating core: synthetic calls (generator of
benchmarks/rating_core.py, classification cache cold), CPU time.

    scripts/bench.sh rating [--core-calls 300000]

The rating and billing of a month in the database (closing it over 10,000
contracts and 1,000,000 CDRs) is benchmarks/billing.py. The last line
printed is a JSON object with ``core_cdrs_per_s``.
"""

import importlib.util
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from odoo_env import database_parser, report

HERE = Path(__file__).resolve().parent


def core_speed(calls, lines):
    path = HERE / "rating_core.py"
    spec = importlib.util.spec_from_file_location("_rating_core", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    work = module.generate(calls, lines)
    module.destination.cache_clear()
    on_net = frozenset({"+551132000000"})
    rated = 0
    began = time.process_time()
    for plan, area, line_calls in work:
        rated += len(module.rating.rate_calls(plan, line_calls, area, on_net=on_net))
    return rated, time.process_time() - began


def build_parser():
    return database_parser(
        __doc__.split("\n", 1)[0],
        [(("--core-calls",), {"type": int, "default": 300_000})],
    )


def main(argv=None):
    args = build_parser().parse_args(argv)
    del args.config, args.db  # the core needs no database
    core_calls, core_cpu = core_speed(args.core_calls, 1000)
    report(
        {
            "bench": "rating",
            "core_cdrs": core_calls,
            "core_cpu_seconds": round(core_cpu, 3),
            "core_cdrs_per_s": round(core_calls / core_cpu),
        }
    )


if __name__ == "__main__":
    main()
