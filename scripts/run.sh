#!/usr/bin/env bash
# Copyright 2026 isp_telephony authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
#
# The run command: installs what is missing, creates (or reuses) a demo
# database with isp_telephony and its demo data, and serves Odoo.
#
# Environment: ISP_DB (default isp_telephony_demo), ISP_HTTP_PORT (8069),
# ISP_WORK_DIR, ISP_PYTHON, PGHOST/PGPORT/PGUSER/PGPASSWORD,
# ISP_MASTER_PASSWORD (default: random, generated once into the work dir).
. "$(dirname "$0")/common.sh"

DB=${ISP_DB:-isp_telephony_demo}
PORT=${ISP_HTTP_PORT:-8069}
CONF="$WORK_DIR/run-$DB.conf"

check_odoo
ensure_python_deps
ensure_postgres
ensure_wkhtmltopdf warn
write_config "$CONF" "$PORT" "$DB"

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
say "the database manager lists $DB only; its master password is in $WORK_DIR/master_password (or ISP_MASTER_PASSWORD)"
say "CDR files: integrations read CDR directories under $WORK_DIR/cdr (isp_telephony_cdr_root)"
say "the telephony worker for Asterisk events runs separately: see the README"
exec_args=(-c "$CONF" -d "$DB" --db-filter="^$DB\$" --http-port="$PORT")
cd "$WORK_DIR" && TZ=UTC exec "$PYTHON" -c 'import odoo; from odoo.cli.command import main; main()' "${exec_args[@]}"
