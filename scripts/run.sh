#!/usr/bin/env bash
# Copyright 2026 isp_telephony authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
#
# The run command: installs what is missing, creates (or reuses) a demo
# database with isp_telephony and its demo data, and serves Odoo.
#
# Environment: ISP_DB (default isp_telephony_demo), ISP_HTTP_PORT (8069),
# ISP_JOB_CAPACITY (jobs running at once, default 4), ISP_WORK_DIR,
# ISP_PYTHON, PGHOST/PGPORT/PGUSER/PGPASSWORD.
. "$(dirname "$0")/common.sh"

DB=${ISP_DB:-isp_telephony_demo}
PORT=${ISP_HTTP_PORT:-8069}
CONF="$WORK_DIR/run-$DB.conf"

check_odoo
ensure_python_deps
ensure_postgres
ensure_wkhtmltopdf warn
write_config "$CONF" "$PORT"
# OCA queue_job, loaded server-wide, starts its job runner with the server
# (a thread of the threaded server; its own process when workers > 0), so
# provisioning and import jobs run out of the box. Channel capacities come
# from the database (Job Queue > Channels; defaults in the addon's data);
# max_capacity bounds the jobs running at once. See README, Production.
{
    echo "server_wide_modules = base,web,queue_job"
    echo "[queue_job]"
    echo "max_capacity = ${ISP_JOB_CAPACITY:-4}"
} >>"$CONF"

if module_installed "$DB"; then
    say "database $DB exists: updating $ADDON_NAME"
    odoo_bin -c "$CONF" -d "$DB" -u "$ADDON_NAME" --stop-after-init --log-level=warn
else
    if db_exists "$DB"; then
        say "database $DB exists without $ADDON_NAME: installing it"
    else
        say "creating database $DB with $ADDON_NAME and demo data (a few minutes)"
    fi
    odoo_bin -c "$CONF" -d "$DB" -i "$ADDON_NAME" --stop-after-init --log-level=warn
fi
module_installed "$DB" || die "$ADDON_NAME did not install in $DB (see the log above)."

say "Odoo is starting on http://localhost:$PORT  (database $DB, login admin / password admin)"
say "background jobs (provisioning, CDR import) run in this server's job runner: Job Queue > Jobs"
say "the telephony worker for Asterisk events runs separately: see the README"
exec_args=(-c "$CONF" -d "$DB" --db-filter="^$DB\$" --http-port="$PORT")
cd "$WORK_DIR" && TZ=UTC exec "$PYTHON" -c 'import odoo; from odoo.cli.command import main; main()' "${exec_args[@]}"
