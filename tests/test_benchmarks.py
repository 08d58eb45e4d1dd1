# Copyright 2026 isp_telephony authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Every benchmark accepts the arguments scripts/bench.sh gives it, so that
``scripts/bench.sh NAME`` runs each of them."""

import importlib.util
import re
import sys
from pathlib import Path

from odoo.tests import BaseCase

BENCH_DIR = Path(__file__).resolve().parent.parent / "benchmarks"
BENCH_SH = BENCH_DIR.parent / "scripts" / "bench.sh"
# Helpers imported by the benchmarks, not benchmarks themselves.
HELPERS = {"bench_setup", "cdr_fixtures", "odoo_env"}


def _load(path):
    """Import one benchmark script as a module (its own folder on the path,
    as when Python runs it)."""
    sys.path.insert(0, str(BENCH_DIR))
    try:
        spec = importlib.util.spec_from_file_location(f"_isp_bench_{path.stem}", path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
    finally:
        sys.path.remove(str(BENCH_DIR))
    return module


class TestBenchmarkArguments(BaseCase):
    def _bench_sh_arguments(self):
        """The arguments scripts/bench.sh puts before the user's own."""
        line = next(
            line
            for line in BENCH_SH.read_text().splitlines()
            if '"$SCRIPT"' in line and "--" in line
        )
        options = re.findall(r"(--[a-z-]+) \"\$(\w+)\"", line)
        self.assertEqual([name for name, _var in options], ["--config", "--db"])
        return ["--config", "/etc/odoo/bench.conf", "--db", "bench_db"]

    def test_every_benchmark_parses_bench_sh_arguments(self):
        argv = self._bench_sh_arguments()
        scripts = sorted(p for p in BENCH_DIR.glob("*.py") if p.stem not in HELPERS)
        self.assertIn("rating", [p.stem for p in scripts])
        for path in scripts:
            with self.subTest(benchmark=path.stem):
                module = _load(path)
                parser = module.build_parser()
                args = parser.parse_args(argv)
                self.assertEqual(args.config, "/etc/odoo/bench.conf")
                self.assertEqual(args.db, "bench_db")

    def test_user_arguments_follow(self):
        """What a user adds after the name reaches the benchmark."""
        module = _load(BENCH_DIR / "billing.py")
        args = module.build_parser().parse_args(
            ["--config", "c.conf", "--db", "d", "--contracts", "10", "--cdrs", "100"]
        )
        self.assertEqual((args.contracts, args.cdrs), (10, 100))
