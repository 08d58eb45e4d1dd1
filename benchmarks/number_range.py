# Copyright 2026 isp_telephony authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Creating a number range: set-based SQL versus one ORM create per number.

    scripts/bench.sh number_range [--numbers 100000] [--baseline 2000]

Creates a range of --numbers numbers through the model (generate_series
INSERT), then, as the baseline, the same kind of numbers with one ORM
create per number on a smaller count; everything is rolled back."""

import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from odoo_env import database_parser, odoo_env, peak_rss_mb, report


def build_parser():
    return database_parser(
        __doc__,
        [
            (("--numbers",), {"type": int, "default": 100_000}),
            (("--baseline",), {"type": int, "default": 2_000}),
        ],
    )


def main(argv=None):
    args = build_parser().parse_args(argv)
    with odoo_env(args.config, args.db) as env:
        start = time.perf_counter()
        rng = env["isp.number.range"].create(
            {
                "name": "Benchmark",
                "country_code": "55",
                "area_code": "41",
                "first_number": "30000000",
                "last_number": str(30000000 + args.numbers - 1),
            }
        )
        env.cr.flush()
        seconds = time.perf_counter() - start
        count = env["isp.phone.number"].search_count([("range_id", "=", rng.id)])
        assert count == args.numbers, count

        # Shrinking by half and growing back, also set-based.
        start = time.perf_counter()
        rng.last_number = str(30000000 + args.numbers // 2 - 1)
        rng.last_number = str(30000000 + args.numbers - 1)
        env.cr.flush()
        resize_seconds = time.perf_counter() - start

        # Baseline: what the naive model would do, one create per number.
        baseline_range = env["isp.number.range"].create(
            {
                "name": "Baseline",
                "country_code": "55",
                "area_code": "42",
                "first_number": "30000000",
                "last_number": "30000000",
            }
        )
        Number = env["isp.phone.number"]
        start = time.perf_counter()
        for n in range(30000001, 30000001 + args.baseline):
            Number.create(
                {
                    "range_id": baseline_range.id,
                    "company_id": env.company.id,
                    "sequence_number": n,
                    "e164": f"+5542{n}",
                    "name": f"(42) {str(n)[:4]}-{str(n)[4:]}",
                }
            )
        env.cr.flush()
        baseline_seconds = time.perf_counter() - start

    report(
        {
            "bench": "number_range",
            "numbers": args.numbers,
            "seconds": round(seconds, 3),
            "numbers_per_s": round(args.numbers / seconds),
            "shrink_and_grow_seconds": round(resize_seconds, 3),
            "orm_baseline_numbers": args.baseline,
            "orm_baseline_numbers_per_s": round(args.baseline / baseline_seconds),
            "speedup": round(
                (args.numbers / seconds) / (args.baseline / baseline_seconds), 1
            ),
            "peak_rss_mb": round(peak_rss_mb(), 1),
        }
    )


if __name__ == "__main__":
    main()
