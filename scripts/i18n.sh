#!/usr/bin/env bash
# Copyright 2026 isp_telephony authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
#
# Brings i18n/ up to date with the code: installs the addon with its demo
# data in a fresh scratch database (as scripts/test.sh does, whose check
# compares against exactly that), exports its terms with Odoo's own export
# into i18n/isp_telephony.pot, and merges that into every i18n/*.po
# (existing translations kept, new terms added untranslated, gone ones
# dropped). Then lists what is left to translate; scripts/test.sh fails until
# nothing is.
#
# Environment: ISP_I18N_DB (default isp_telephony_i18n), ISP_REUSE_DB=1 to
# upgrade that database instead of recreating it (demo records marked
# noupdate then keep their old texts), ISP_WORK_DIR, ISP_PYTHON,
# PGHOST/PGPORT/PGUSER/PGPASSWORD.
. "$(dirname "$0")/common.sh"

DB=${ISP_I18N_DB:-isp_telephony_i18n}
CONF="$WORK_DIR/i18n-$DB.conf"

step "Odoo 18.0" ensure_odoo
step "Python packages and OCA addons" ensure_python_deps
step "PostgreSQL" ensure_postgres
write_config "$CONF" "${ISP_HTTP_PORT:-8069}"
fresh_database() {
    if [ "${ISP_REUSE_DB:-}" != "1" ] && db_exists "$DB"; then
        say "dropping the scratch database $DB"
        dropdb "$DB"
        rm -rf "$WORK_DIR/data/filestore/$DB"
    fi
    ensure_database "$DB" "$CONF"
}
step "scratch database $DB with $ADDON_NAME and its demo data" fresh_database

update_translations() {
    local pot
    pot=$(mktemp --suffix=.pot)
    i18n_export "$DB" "$CONF" "$pot"
    mkdir -p "$REPO_DIR/i18n"
    (cd / && "$PYTHON" "$REPO_DIR/scripts/i18n.py" update "$pot" "$REPO_DIR/i18n")
    rm -f "$pot"
}
step "export and merge i18n/" update_translations
