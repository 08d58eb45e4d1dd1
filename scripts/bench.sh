#!/usr/bin/env bash
# Copyright 2026 isp_telephony authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
#
# Runs one benchmark against a scratch database with isp_telephony installed
# (no demo data), creating it on first use:
#
#   scripts/bench.sh number_range [benchmark arguments]
#
# Environment: ISP_BENCH_DB (default isp_telephony_bench), ISP_WORK_DIR,
# ISP_PYTHON, PGHOST/PGPORT/PGUSER/PGPASSWORD. The last line each benchmark
# prints is one JSON object with its figures.
. "$(dirname "$0")/common.sh"

NAME=${1:?usage: scripts/bench.sh <benchmark name> [args]}
shift
DB=${ISP_BENCH_DB:-isp_telephony_bench}
CONF="$WORK_DIR/bench-$DB.conf"
SCRIPT="$REPO_DIR/benchmarks/$NAME.py"
[ -f "$SCRIPT" ] || die "no benchmark $SCRIPT"

step "Odoo 18.0" ensure_odoo
step "Python packages and OCA addons" ensure_python_deps
step "PostgreSQL" ensure_postgres
write_config "$CONF"
if module_installed "$DB"; then
    odoo_bin -c "$CONF" -d "$DB" -u "$ADDON_NAME" --stop-after-init --log-level=warn
else
    say "creating scratch database $DB (no demo data)"
    odoo_bin -c "$CONF" -d "$DB" -i "$ADDON_NAME" --stop-after-init --log-level=warn \
        --without-demo=all
fi
cd "$WORK_DIR" && TZ=UTC "$PYTHON" "$SCRIPT" --config "$CONF" --db "$DB" "$@"
