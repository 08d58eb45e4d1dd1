#!/usr/bin/env bash
# Copyright 2026 isp_telephony authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
#
# The test command: lint, then a fresh database with isp_telephony (and its
# demo data) installed, then every test through pytest-odoo, HTTP tests
# included. Exits non-zero on any lint finding or test failure.
#
#   scripts/test.sh [pytest arguments, e.g. -k rating]
#
# Environment: ISP_TEST_DB (default isp_telephony_test), ISP_HTTP_PORT (port of
# the test server, default 8069), ISP_WORK_DIR,
# ISP_PYTHON, PGHOST/PGPORT/PGUSER/PGPASSWORD, ISP_SKIP_LINT=1 to skip lint
# while iterating locally (CI never sets it).
. "$(dirname "$0")/common.sh"

DB=${ISP_TEST_DB:-isp_telephony_test}
CONF="$WORK_DIR/test-$DB.conf"

step "Odoo 18.0" ensure_odoo
step "Python packages and OCA addons" ensure_python_deps test
step "PostgreSQL" ensure_postgres
step "Chromium" ensure_chromium
step "wkhtmltopdf" ensure_wkhtmltopdf

lint() {
    STEP_FIX="fix the findings above (ruff format . rewrites the formatting)."
    (cd "$REPO_DIR" && "$PYTHON" -m ruff check . && "$PYTHON" -m ruff format --check .)
    (cd "$REPO_DIR" && "$PYTHON" -m pylint --rcfile=.pylintrc --score=n \
        $(git ls-files '*.py' 2>/dev/null || find . -name '*.py' -not -path './.git/*'))
}
if [ "${ISP_SKIP_LINT:-}" != "1" ]; then
    step "lint (ruff, pylint-odoo)" lint
fi

# Odoo's own runner finds only the test modules tests/__init__.py imports.
check_test_imports() {
    local missing_imports
    missing_imports=$(cd "$REPO_DIR" && for f in tests/test_*.py; do
        m=$(basename "$f" .py)
        grep -qE "^from \. import $m\$" tests/__init__.py || echo "$m"
    done)
    [ -z "$missing_imports" ] || die "tests/__init__.py does not import: $missing_imports"
}
step "every tests/test_*.py imported by tests/__init__.py" check_test_imports

write_config "$CONF" "${ISP_HTTP_PORT:-8069}"
# No queue_job runner inside the test process (its HTTP server would start
# one): tests run their jobs themselves; test_job_runner starts its own.
printf '[queue_job]\nmax_capacity = 0\n' >>"$CONF"
prepare_test_db() {
    STEP_FIX="read Odoo's log above."
    if [ "${ISP_REUSE_DB:-}" = "1" ] && module_installed "$DB"; then
        say "reusing database $DB (ISP_REUSE_DB=1): upgrading $ADDON_NAME"
        odoo_bin -c "$CONF" -d "$DB" -u "$ADDON_NAME" --stop-after-init --log-level=warn
    else
        say "creating a fresh database $DB with $ADDON_NAME and demo data"
        dropdb --if-exists "$DB"
        rm -rf "$WORK_DIR/data/filestore/$DB"
        odoo_bin -c "$CONF" -d "$DB" -i "$ADDON_NAME" --stop-after-init --log-level=warn
    fi
    module_installed "$DB" || die "$ADDON_NAME did not install in $DB (see the log above)."
}
step "test database $DB" prepare_test_db
if [ "${ISP_SKIP_LINT:-}" != "1" ]; then
    step "translations: i18n/ is Odoo's export, pt_BR complete" i18n_check "$DB" "$CONF"
fi

say "running the tests (pytest-odoo)"
set +e
(cd "$WORK_DIR/addons" && "$PYTHON" -m pytest -p no:cacheprovider \
    --odoo-database="$DB" --odoo-config="$CONF" --odoo-http --odoo-log-level=warn \
    -o python_files='test_*.py' -rfEs "$ADDON_NAME/tests" "$@")
rc=$?
set -e
if [ $rc -eq 5 ]; then
    die "pytest collected no test: that is a failure, not a pass."
fi
exit $rc
