# Copyright 2026 isp_telephony authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Speed of the database-free CDR parsing core (parse + normalise).

Generates an Asterisk Master.csv in memory (200,000 rows by default, made by
:func:`cdr_fixtures.generate_master_csv`: a few thousand of the ISP's lines call
varied numbers), then times :func:`tools.cdr.iter_file` over it with cold
caches. Generation is not timed. The last line printed is a JSON object::

    {"bench": "cdr_parse_core", "rows": N, "seconds": s, "rows_per_s": ...,
     "cpu_rows_per_s": ...}

``cpu_rows_per_s`` uses process CPU time, which is steadier than wall time
on a shared machine. Run from the addon directory (no Odoo needed)::

    python3 benchmarks/cdr_parse_core.py [--rows N] [--lines N]
"""

import argparse
import importlib.util
import io
import json
import sys
import time
from pathlib import Path

import cdr_fixtures


def _load_cdr():
    """Import the addon's ``tools`` package on its own: the addon's
    ``__init__`` imports Odoo models, which the parser does not need."""
    tools_dir = Path(__file__).resolve().parent.parent / "tools"
    spec = importlib.util.spec_from_file_location(
        "_isp_telephony_tools",
        tools_dir / "__init__.py",
        submodule_search_locations=[str(tools_dir)],
    )
    package = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = package
    spec.loader.exec_module(package)
    return importlib.import_module(spec.name + ".cdr")


def build_parser():
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--rows", type=int, default=200000)
    parser.add_argument("--lines", type=int, default=3000)
    parser.add_argument("--seed", type=int, default=1)
    # scripts/bench.sh passes these to every benchmark; this one needs no database.
    parser.add_argument("--config", help="ignored: no database needed")
    parser.add_argument("--db", help="ignored: no database needed")
    return parser


def main(argv=None):
    args = build_parser().parse_args(argv)
    cdr = _load_cdr()
    stream = io.BytesIO()
    cdr_fixtures.generate_master_csv(
        stream, args.rows, seed=args.seed, lines=args.lines
    )
    data = stream.getvalue()
    records = rejected = 0
    wall = time.perf_counter()
    cpu = time.process_time()
    for item in cdr.iter_file(io.BytesIO(data), "asterisk_master_csv"):
        if isinstance(item, cdr.Rejection):
            rejected += 1
        else:
            records += 1
    cpu = time.process_time() - cpu
    wall = time.perf_counter() - wall
    rows = records + rejected
    sys.stdout.write(
        f"{rows} rows ({rejected} rejected), {len(data) / 1e6:.1f} MB "
        f"in {wall:.2f} s wall, {cpu:.2f} s CPU\n"
    )
    result = {
        "bench": "cdr_parse_core",
        "rows": rows,
        "rejected": rejected,
        "seconds": round(wall, 3),
        "rows_per_s": round(rows / wall),
        "cpu_rows_per_s": round(rows / cpu),
    }
    sys.stdout.write(json.dumps(result) + "\n")
    return 0 if rejected == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
