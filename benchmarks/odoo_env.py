# Copyright 2026 isp_telephony authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Opens an Odoo environment on the benchmark database for a benchmark
script run by scripts/bench.sh; the work is rolled back unless asked."""

import argparse
import contextlib
import json
import resource
import sys


def database_parser(description, extra=None):
    """The arguments every database benchmark takes: scripts/bench.sh passes
    ``--config <odoo.conf> --db <database>`` followed by the user's own."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--config", required=True, help="Odoo configuration file")
    parser.add_argument("--db", required=True, help="database with the module")
    for args, kwargs in extra or ():
        parser.add_argument(*args, **kwargs)
    return parser


@contextlib.contextmanager
def odoo_env(config, db, commit=False):
    import odoo
    from odoo.modules.registry import Registry

    odoo.tools.config.parse_config(["-c", config, "-d", db, "--log-level=warn"])
    registry = Registry(db)
    with registry.cursor() as cr:
        env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {})
        try:
            yield env
        finally:
            if commit:
                # A benchmark that asks to keep its data commits it.
                cr.commit()  # pylint: disable=invalid-commit
            else:
                cr.rollback()


def peak_rss_mb():
    """Peak resident memory of this process so far, in MB."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def report(result):
    """Print the figures: the last line is always one JSON object."""
    for key, value in result.items():
        if key != "bench":
            sys.stdout.write(f"{key:>28}: {value}\n")
    sys.stdout.write(json.dumps(result) + "\n")
    sys.stdout.flush()
