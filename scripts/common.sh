#!/usr/bin/env bash
# Copyright 2026 isp_telephony authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
#
# Shared by scripts/run.sh and scripts/test.sh: finds Odoo 18.0, installs the
# Python dependencies that are missing, makes sure a PostgreSQL server is
# reachable, and writes an Odoo configuration whose addons path holds this
# repository under its technical name. Nothing here is specific to one machine:
# every location comes from the environment or is derived from the repository.

set -euo pipefail

ADDON_NAME=isp_telephony
REPO_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
PYTHON=${ISP_PYTHON:-python3}
WORK_DIR=${ISP_WORK_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/isp_telephony}

say() { printf '[isp_telephony] %s\n' "$*" >&2; }
die() { printf '[isp_telephony] ERROR: %s\n' "$*" >&2; exit 1; }

is_root() { [ "$(id -u)" -eq 0 ]; }

# 1. Odoo 18.0 must be importable by the Python we run; we never install it.
check_odoo() {
    local version
    if ! version=$(cd / && "$PYTHON" -c 'import odoo.release as r; print(r.serie)' 2>/dev/null); then
        die "'$PYTHON' cannot import odoo. Install Odoo 18.0 Community first (for example 'pip install -e <odoo-18.0-source>' after 'pip install -r <odoo-18.0-source>/requirements.txt', or Odoo's Debian package), or point ISP_PYTHON at a Python that has it."
    fi
    [ "$version" = "18.0" ] || die "'$PYTHON' imports Odoo $version, but isp_telephony needs Odoo 18.0."
}

pip_install() {
    # PEP 668 distributions refuse plain pip installs outside a virtualenv;
    # fall back to --user (normal user) or --break-system-packages (root).
    if "$PYTHON" -m pip install -q "$@"; then return 0; fi
    if is_root; then
        "$PYTHON" -m pip install -q --break-system-packages "$@"
    else
        "$PYTHON" -m pip install -q --user "$@"
    fi
}

# 2. Python dependencies: only what is missing is installed.
#    odoo-addon-contract is installed without its dependencies so that pip
#    never tries to replace the Odoo that is already there.
ensure_python_deps() {
    local with_test=${1:-}
    local missing=()
    cd / || return
    "$PYTHON" -c 'import phonenumbers' 2>/dev/null || missing+=("phonenumbers")
    "$PYTHON" -c 'import panoramisk' 2>/dev/null || missing+=("panoramisk")
    "$PYTHON" -c 'import requests' 2>/dev/null || missing+=("requests")
    if [ -n "$with_test" ]; then
        "$PYTHON" -c 'import pytest_odoo' 2>/dev/null || missing+=("pytest-odoo")
        "$PYTHON" -m ruff --version >/dev/null 2>&1 || missing+=("ruff")
        "$PYTHON" -c 'import pylint_odoo' 2>/dev/null || missing+=("pylint-odoo")
        # Odoo's HttpCase drives Chromium through the DevTools websocket.
        "$PYTHON" -c 'import websocket' 2>/dev/null || missing+=("websocket-client")
    fi
    if [ ${#missing[@]} -gt 0 ]; then
        say "installing Python packages: ${missing[*]}"
        pip_install "${missing[@]}"
    fi
    if ! "$PYTHON" - <<'PY' 2>/dev/null
import importlib.util, odoo.addons
import sys
sys.exit(0 if any(__import__('os').path.isfile(__import__('os').path.join(p, 'contract', '__manifest__.py')) for p in odoo.addons.__path__) else 1)
PY
    then
        say "installing OCA contract 18.0 (odoo-addon-contract)"
        pip_install --no-deps "odoo-addon-contract>=18.0,<18.1"
    fi
    # OCA contract 18.0 moved is_terminated to contract_termination, which
    # needs contract_line_successor: both installed the same way.
    if ! "$PYTHON" - <<'PY' 2>/dev/null
import os, sys, odoo.addons
sys.exit(0 if any(os.path.isfile(os.path.join(p, 'contract_termination', '__manifest__.py')) for p in odoo.addons.__path__) else 1)
PY
    then
        say "installing OCA contract_termination 18.0 (and contract_line_successor)"
        pip_install --no-deps "odoo-addon-contract-line-successor>=18.0,<18.1" \
            "odoo-addon-contract-termination>=18.0,<18.1"
    fi
    # OCA queue_job runs the background jobs (provisioning, CDR import);
    # contract_queue_job runs OCA contract's invoicing as jobs.
    if ! "$PYTHON" - <<'PY' 2>/dev/null
import os, sys, odoo.addons
sys.exit(0 if all(any(os.path.isfile(os.path.join(p, m, '__manifest__.py')) for p in odoo.addons.__path__) for m in ('queue_job', 'contract_queue_job')) else 1)
PY
    then
        say "installing OCA queue_job and contract_queue_job 18.0"
        pip_install --no-deps "odoo-addon-queue-job>=18.0.4.1,<18.1" \
            "odoo-addon-contract-queue-job>=18.0,<18.1"
    fi
    cd "$REPO_DIR" || return
}

# 3. PostgreSQL: libpq's own variables (PGHOST, PGPORT, PGUSER, PGPASSWORD)
#    select an existing server; otherwise the local one is used.
pg_ok() { psql -d postgres -tAc 'select 1' >/dev/null 2>&1; }

ensure_postgres() {
    if command -v psql >/dev/null 2>&1 && pg_ok; then return 0; fi
    if ! is_root; then
        if ! command -v psql >/dev/null 2>&1; then
            die "no PostgreSQL client or server found. Install one (as root: 'apt-get install postgresql'), create a role for '$(id -un)' ('sudo -u postgres createuser -s $(id -un)'), or set PGHOST/PGPORT/PGUSER/PGPASSWORD to an existing server."
        fi
        die "PostgreSQL is not reachable as '${PGUSER:-$(id -un)}'. Start it, create your role ('sudo -u postgres createuser -s $(id -un)'), or set PGHOST/PGPORT/PGUSER/PGPASSWORD."
    fi
    if [ -n "${PGHOST:-}" ] && [ "${PGHOST}" != "localhost" ] && [ "${PGHOST}" != "127.0.0.1" ]; then
        die "PostgreSQL at PGHOST=$PGHOST is not reachable."
    fi
    if ! command -v pg_lsclusters >/dev/null 2>&1; then
        say "installing PostgreSQL (apt-get)"
        apt-get update -qq
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
    fi
    local cluster
    cluster=$(pg_lsclusters -h | awk 'NR==1 {print $1" "$2}')
    if [ -z "$cluster" ]; then
        local ver
        ver=$(ls /usr/lib/postgresql | sort -n | tail -1)
        pg_createcluster "$ver" main >/dev/null
        cluster="$ver main"
    fi
    # shellcheck disable=SC2086
    pg_ctlcluster $cluster start 2>/dev/null || true
    for _ in $(seq 1 30); do
        su postgres -c "psql -tAc 'select 1'" >/dev/null 2>&1 && break
        sleep 1
    done
    local role=${PGUSER:-$(id -un)}
    su postgres -c "psql -tAc \"select 1 from pg_roles where rolname='$role'\"" | grep -q 1 \
        || su postgres -c "createuser -s '$role'"
    pg_ok || die "PostgreSQL was started but is still not reachable as '$role'."
}

# 4. Odoo configuration: an addons directory that holds this repository under
#    its technical name, and the database settings from the environment.
write_config() {
    local conf=$1 http_port=${2:-8069}
    mkdir -p "$WORK_DIR/addons" "$WORK_DIR/data"
    ln -sfn "$REPO_DIR" "$WORK_DIR/addons/$ADDON_NAME"
    {
        echo "[options]"
        echo "addons_path = $WORK_DIR/addons"
        echo "data_dir = $WORK_DIR/data"
        echo "http_port = $http_port"
        echo "db_host = ${PGHOST:-False}"
        echo "db_port = ${PGPORT:-False}"
        echo "db_user = ${PGUSER:-False}"
        echo "db_password = ${PGPASSWORD:-False}"
        echo "admin_passwd = ${ISP_MASTER_PASSWORD:-admin}"
        echo "list_db = True"
    } >"$conf"
}

db_exists() { psql -d postgres -tAc "select 1 from pg_database where datname='$1'" | grep -q 1; }

module_installed() {
    psql -d "$1" -tAc "select 1 from ir_module_module where name='$ADDON_NAME' and state='installed'" 2>/dev/null | grep -q 1
}

# `python3 -m odoo` does not work in 18.0; this is what the odoo-bin script does.
odoo_bin() {
    (cd "$WORK_DIR" && TZ=UTC "$PYTHON" -c 'import odoo; from odoo.cli.command import main; main()' "$@")
}

# Installs Debian package $1 providing command $2, needed for $3: as root
# with apt-get, otherwise stops and says what to install.
apt_install_tool() {
    local package=$1 command_name=$2 purpose=$3
    if ! is_root; then
        die "no $command_name found for $purpose. Install it (Debian/Ubuntu: 'sudo apt-get install $package') or put $command_name on PATH."
    fi
    command -v apt-get >/dev/null 2>&1 \
        || die "no $command_name found and no apt-get to install it: install $package."
    say "installing $package for $purpose (apt-get)"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$package" >/dev/null
    command -v "$command_name" >/dev/null 2>&1 || die "$package did not install."
}

# 5. Chromium for the browser tours (Odoo's HttpCase finds it on PATH); the
#    browser tests must run, never be skipped.
ensure_chromium() {
    local name
    for name in chromium chromium-browser google-chrome google-chrome-stable; do
        command -v "$name" >/dev/null 2>&1 && return 0
    done
    apt_install_tool chromium chromium "the browser tests"
}

# 6. wkhtmltopdf renders Odoo's PDF reports (the call statement test prints
#    one). With "warn" (run.sh) a normal user is only warned.
ensure_wkhtmltopdf() {
    command -v wkhtmltopdf >/dev/null 2>&1 && return 0
    if ! is_root && [ "${1:-}" = "warn" ]; then
        say "WARNING: no wkhtmltopdf: PDF reports (call statements, invoices) cannot be printed until it is installed ('sudo apt-get install wkhtmltopdf')."
        return 0
    fi
    apt_install_tool wkhtmltopdf wkhtmltopdf "the PDF reports"
}
