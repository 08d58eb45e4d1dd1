#!/usr/bin/env bash
# Copyright 2026 isp_telephony authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
#
# The run command: installs what is missing, creates (or reuses) a demo
# database with isp_telephony and its demo data, and serves Odoo.
#
# Environment: ISP_DB (default isp_telephony_demo), ISP_HTTP_PORT (8069),
# ISP_JOB_CAPACITY (jobs running at once, default 4), ISP_WORK_DIR,
# ISP_PYTHON, PGHOST/PGPORT/PGUSER/PGPASSWORD,
# ISP_MASTER_PASSWORD (default: random, generated once into the work dir).
. "$(dirname "$0")/common.sh"

DB=${ISP_DB:-isp_telephony_demo}
PORT=${ISP_HTTP_PORT:-8069}
CONF="$WORK_DIR/run-$DB.conf"

step "Odoo 18.0" ensure_odoo
step "Python packages and OCA addons" ensure_python_deps
step "PostgreSQL" ensure_postgres
step "wkhtmltopdf" ensure_wkhtmltopdf warn
write_config "$CONF" "$PORT" "$DB"
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

# A Brazilian ISP's demo: company in Brazil (BRL), users and customers in
# Portuguese (Brazil). ISP_DEMO_LANG / ISP_DEMO_COUNTRY choose others.
step "database $DB" ensure_database "$DB" "$CONF" "${ISP_DEMO_LANG:-pt_BR}" "${ISP_DEMO_COUNTRY:-BR}"
say "Odoo is starting on http://localhost:$PORT  (database $DB, login admin / password admin)"
say "background jobs (provisioning, CDR import) run in this server's job runner: Job Queue > Jobs"
say "the database manager lists $DB only; its master password is in $WORK_DIR/master_password (or ISP_MASTER_PASSWORD)"
say "CDR files: integrations read CDR directories under $WORK_DIR/cdr (isp_telephony_cdr_root)"
say "the telephony worker for Asterisk events runs separately: see the README"
exec_args=(-c "$CONF" -d "$DB" --db-filter="^$DB\$" --http-port="$PORT")
cd "$WORK_DIR" && TZ=UTC exec "$PYTHON" -c 'import odoo; from odoo.cli.command import main; main()' "${exec_args[@]}"
