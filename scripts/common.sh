#!/usr/bin/env bash
# Copyright 2026 isp_telephony authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
#
# Shared by scripts/run.sh, scripts/test.sh and scripts/bench.sh: finds or
# installs Odoo 18.0 in a virtual environment of the work directory, installs
# the Python dependencies and OCA addons that are missing, makes sure a
# PostgreSQL server is reachable, and writes an Odoo configuration whose
# addons path holds this repository under its technical name. Nothing here is
# specific to one machine: every location comes from the environment or is
# derived from the repository. Each step says what it does and how long it
# took; what is already done is skipped.

set -euo pipefail

ADDON_NAME=isp_telephony
REPO_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
WORK_DIR=${ISP_WORK_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/isp_telephony}
# The virtual environment the scripts use (and create) unless ISP_PYTHON
# names a Python that already has Odoo 18.0.
VENV_DIR=$WORK_DIR/venv
PYTHON=${ISP_PYTHON:-$VENV_DIR/bin/python}
# Where Odoo 18.0 comes from when the virtual environment has none: a source
# tree, an archive (.tar.gz, .tgz, .tar.xz, .zip) or the URL of an archive.
ODOO_SOURCE_URL=https://nightly.odoo.com/18.0/nightly/src/odoo_18.0.latest.tar.gz
ODOO_SOURCE=${ISP_ODOO_SOURCE:-$ODOO_SOURCE_URL}
# The Python the virtual environment is made from (3.10 or later), and the
# one Odoo's Debian package installs into.
BASE_PYTHON=${ISP_BASE_PYTHON:-python3}
SYSTEM_PYTHON=${ISP_SYSTEM_PYTHON:-/usr/bin/python3}
# Debian packages that Odoo's Python requirements build against when no
# binary wheel fits (psycopg2, python-ldap).
BUILD_PACKAGES=(build-essential python3-dev libpq-dev libldap2-dev libsasl2-dev)
# OCA addons, installed without their dependencies so that pip never tries to
# replace the Odoo that is already there. contract_termination holds OCA's
# termination (is_terminated) since contract 18.0.2 and needs
# contract_line_successor; contract_queue_job runs contract's invoicing
# through queue_job.
OCA_ADDONS=(contract contract_line_successor contract_termination queue_job contract_queue_job)

say() { printf '[isp_telephony] %s\n' "$*" >&2; }

# Steps: each says what it does and how long it took; a failure names the
# step and, where known, the fix ($STEP_FIX, set by the step).
STEP=""
STEP_FIX=""
_DIED=""
die() {
    _DIED=1
    printf '[isp_telephony] ERROR%s: %s\n' "${STEP:+ in step \"$STEP\"}" "$*" >&2
    exit 1
}
_on_exit() {
    local rc=$?
    if [ "$rc" -ne 0 ] && [ -n "$STEP" ] && [ -z "$_DIED" ]; then
        printf '[isp_telephony] ERROR: step "%s" failed (exit %s).%s\n' \
            "$STEP" "$rc" "${STEP_FIX:+ Fix: $STEP_FIX}" >&2
    fi
}
trap _on_exit EXIT

_ms() { echo $(($(date +%s%N) / 1000000)); }
step() {
    local name=$1 t0 ms
    shift
    t0=$(_ms)
    STEP=$name
    STEP_FIX=""
    say "-> $name"
    "$@"
    ms=$(($(_ms) - t0))
    say "   $name: done in $((ms / 1000)).$(((ms % 1000) / 100)) s"
    STEP=""
    STEP_FIX=""
}

is_root() { [ "$(id -u)" -eq 0 ]; }

# The Debian packages among "$@" that are not installed, one a line.
missing_debs() {
    local p
    for p in "$@"; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || echo "$p"
    done
}

# Installs Debian packages as root; otherwise prints the exact command and
# returns 1, so that the caller decides how to go on without them.
apt_install() {
    if ! is_root || ! command -v apt-get >/dev/null 2>&1; then
        say "missing Debian packages; install them with: sudo apt-get install -y $*"
        return 1
    fi
    say "installing Debian packages: $* (apt-get)"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
}

# 1. Odoo 18.0. An Odoo importable by ISP_PYTHON is used as it is. Otherwise
#    the virtual environment $WORK_DIR/venv is used, created when missing: on
#    top of Odoo's Debian package when the system Python has it, else with
#    Odoo installed into it from ISP_ODOO_SOURCE.
odoo_serie() { (cd / && "$1" -c 'import odoo.release as r; print(r.serie)' 2>/dev/null); }

ensure_odoo() {
    local version
    if [ -n "${ISP_PYTHON:-}" ]; then
        version=$(odoo_serie "$PYTHON") \
            || die "ISP_PYTHON='$PYTHON' cannot import odoo. Point ISP_PYTHON at a Python that has Odoo 18.0, or unset it to let the scripts set up $VENV_DIR with Odoo from ISP_ODOO_SOURCE."
        [ "$version" = "18.0" ] || die "ISP_PYTHON='$PYTHON' imports Odoo $version, but $ADDON_NAME needs Odoo 18.0."
        say "Odoo 18.0 of ISP_PYTHON=$PYTHON"
        return 0
    fi
    PYTHON=$VENV_DIR/bin/python
    if [ -x "$PYTHON" ] && version=$(odoo_serie "$PYTHON"); then
        [ "$version" = "18.0" ] \
            || die "$VENV_DIR has Odoo $version, but $ADDON_NAME needs Odoo 18.0. Remove $VENV_DIR or choose another ISP_WORK_DIR."
        say "Odoo 18.0 in $VENV_DIR"
        return 0
    fi
    if [ ! -x "$PYTHON" ] && [ "$(odoo_serie "$SYSTEM_PYTHON" || true)" = "18.0" ]; then
        say "Odoo 18.0 of Debian's odoo package: $VENV_DIR sees it through the system site-packages"
        create_venv "$SYSTEM_PYTHON" --system-site-packages
        return 0
    fi
    [ -x "$PYTHON" ] || create_venv "$BASE_PYTHON"
    install_odoo
}
# The name the scripts used before, for scripts written against it.
check_odoo() { ensure_odoo; }

create_venv() {
    local base=$1
    shift
    command -v "$base" >/dev/null 2>&1 \
        || die "no $base to create $VENV_DIR from. Install Python 3.10 or later (sudo apt-get install -y python3 python3-venv) or set ISP_BASE_PYTHON."
    "$base" -c 'import sys; sys.exit(sys.version_info < (3, 10))' \
        || die "$base is older than Python 3.10, which Odoo 18.0 needs: set ISP_BASE_PYTHON to a newer one."
    say "creating the virtual environment $VENV_DIR ($("$base" --version 2>&1))"
    mkdir -p "$WORK_DIR"
    if ! "$base" -m venv "$@" "$VENV_DIR" >/dev/null 2>&1; then
        rm -rf "$VENV_DIR"
        apt_install python3-venv \
            || die "$base cannot create a virtual environment (Debian's python3-venv is missing): sudo apt-get install -y python3-venv"
        "$base" -m venv "$@" "$VENV_DIR"
    fi
}

# Sets ODOO_SRC_DIR to the Odoo source tree of $ODOO_SOURCE: the tree itself,
# or an archive (downloaded first when it is a URL) unpacked into
# $WORK_DIR/odoo-src, once.
resolve_odoo_source() {
    local source=$ODOO_SOURCE archive tmp release
    if [ -d "$source" ]; then
        ODOO_SRC_DIR=$(cd "$source" && pwd)
        [ -f "$ODOO_SRC_DIR/odoo/release.py" ] \
            || die "ISP_ODOO_SOURCE=$source is not an Odoo source tree (no odoo/release.py)."
        return 0
    fi
    ODOO_SRC_DIR=$WORK_DIR/odoo-src
    if [ -f "$ODOO_SRC_DIR/odoo/release.py" ] \
        && [ "$(cat "$ODOO_SRC_DIR/.isp_source" 2>/dev/null)" = "$source" ]; then
        say "Odoo's source already unpacked in $ODOO_SRC_DIR"
        return 0
    fi
    case $source in
    http://* | https://*)
        mkdir -p "$WORK_DIR/downloads"
        archive=$WORK_DIR/downloads/$(basename "${source%%\?*}")
        if [ ! -f "$archive" ]; then
            say "downloading $source"
            STEP_FIX="check the network, or set ISP_ODOO_SOURCE to a local Odoo 18.0 source tree or archive."
            if command -v curl >/dev/null 2>&1; then
                curl -fL --retry 3 -o "$archive.part" "$source"
            else
                "$BASE_PYTHON" -c 'import sys, urllib.request; urllib.request.urlretrieve(sys.argv[1], sys.argv[2])' \
                    "$source" "$archive.part"
            fi
            mv "$archive.part" "$archive"
        fi
        ;;
    *)
        [ -f "$source" ] || die "ISP_ODOO_SOURCE=$source is neither a directory, an archive nor a URL."
        archive=$source
        ;;
    esac
    say "unpacking $archive into $ODOO_SRC_DIR"
    STEP_FIX="ISP_ODOO_SOURCE must be an Odoo 18.0 source archive (.tar.gz, .tgz, .tar.xz or .zip)."
    mkdir -p "$WORK_DIR"
    tmp=$(mktemp -d "$WORK_DIR/unpack.XXXXXX")
    case $archive in
    *.zip) "$BASE_PYTHON" -c 'import sys, zipfile; zipfile.ZipFile(sys.argv[1]).extractall(sys.argv[2])' "$archive" "$tmp" ;;
    *) tar -xf "$archive" -C "$tmp" ;;
    esac
    release=$(find "$tmp" -maxdepth 3 -path '*/odoo/release.py' | head -1)
    if [ -z "$release" ]; then
        rm -rf "$tmp"
        die "$archive holds no Odoo source tree (no odoo/release.py)."
    fi
    rm -rf "$ODOO_SRC_DIR"
    mv "$(dirname "$(dirname "$release")")" "$ODOO_SRC_DIR"
    rm -rf "$tmp"
    echo "$source" >"$ODOO_SRC_DIR/.isp_source"
}

# Writes Odoo's requirements.txt of source tree $1 to $2 with the known
# workarounds: pins that are no longer served replaced, and packages that
# need missing system headers left out or replaced, each said aloud.
odoo_requirements() {
    local src=$1 out=$2 edits=()
    # cbor2 5.4.2 (Odoo's pin for Python < 3.12) is no longer served.
    edits+=(-e 's/^cbor2==5\.4\.2/cbor2==5.6.2/')
    if [ -n "$(missing_debs libldap2-dev libsasl2-dev)" ]; then
        say "python-ldap left out: it builds against libldap2-dev and libsasl2-dev (sudo apt-get install -y libldap2-dev libsasl2-dev, then re-run); only Odoo's auth_ldap module needs it."
        edits+=(-e '/^python-ldap/d')
    fi
    if ! command -v pg_config >/dev/null 2>&1; then
        say "psycopg2 replaced by psycopg2-binary of the same version: building psycopg2 needs libpq-dev (sudo apt-get install -y libpq-dev)."
        edits+=(-e 's/^psycopg2==/psycopg2-binary==/')
    fi
    sed "${edits[@]}" "$src/requirements.txt" >"$out"
}

# pip with its (long) output in $WORK_DIR/pip.log, shown only on failure.
quiet_pip() {
    if ! "$PYTHON" -m pip "$@" >"$WORK_DIR/pip.log" 2>&1; then
        grep -v '^WARNING: Location' "$WORK_DIR/pip.log" | tail -40 >&2
        die "pip $* failed (whole output: $WORK_DIR/pip.log). Fix: $STEP_FIX"
    fi
}

install_odoo() {
    local version missing
    resolve_odoo_source
    version=$(sed -n 's/^version_info = (\([0-9]*\), \([0-9]*\),.*/\1.\2/p' "$ODOO_SRC_DIR/odoo/release.py")
    [ "$version" = "18.0" ] \
        || die "ISP_ODOO_SOURCE=$ODOO_SOURCE holds Odoo ${version:-of an unknown version}, not 18.0."
    missing=$(missing_debs "${BUILD_PACKAGES[@]}" | tr '\n' ' ')
    if [ -n "$missing" ]; then
        # shellcheck disable=SC2086
        apt_install $missing || say "going on without them: a package without a binary wheel may fail to build."
    fi
    say "installing Odoo 18.0's Python requirements into $VENV_DIR (a few minutes)"
    STEP_FIX="read pip's message above; most build failures are missing headers: sudo apt-get install -y ${BUILD_PACKAGES[*]}"
    # Old source packages among Odoo's pins (e.g. for Python 3.11) do not
    # build with setuptools >= 70: they are built with this one, without
    # build isolation.
    quiet_pip install --upgrade pip "setuptools<70" wheel
    odoo_requirements "$ODOO_SRC_DIR" "$WORK_DIR/odoo-requirements.txt"
    quiet_pip install --no-build-isolation -r "$WORK_DIR/odoo-requirements.txt"
    say "installing Odoo 18.0 from $ODOO_SRC_DIR (editable: the source stays where it is)"
    # "compat" puts the source tree on sys.path, where the regular package
    # odoo wins over the odoo/addons/ namespace directory the OCA wheels
    # install into site-packages; the default (an import hook) loses to it.
    quiet_pip install --no-deps --no-build-isolation \
        --config-settings editable_mode=compat -e "$ODOO_SRC_DIR"
    [ "$(odoo_serie "$PYTHON" || true)" = "18.0" ] || die "Odoo was installed into $VENV_DIR but does not import."
}

pip_install() {
    # Inside a virtual environment pip installs there; a system Python named
    # by ISP_PYTHON refuses plain installs (PEP 668): --user (normal user) or
    # --break-system-packages (root) then.
    if "$PYTHON" -m pip install -q "$@"; then return 0; fi
    if is_root; then
        "$PYTHON" -m pip install -q --break-system-packages "$@"
    else
        "$PYTHON" -m pip install -q --user "$@"
    fi
}

# 2. Python dependencies and OCA addons: one Python run lists what is missing
#    (pip requirement lines; OCA addons as odoo-addon-*), only that is
#    installed. $1 is "test" to include the test tools.
missing_python_deps() {
    (cd / && "$PYTHON" - "$1" "${OCA_ADDONS[@]}" <<'PY'
import importlib.util
import os
import sys

import odoo.addons

modules = {
    "phonenumbers": "phonenumbers",
    "panoramisk": "panoramisk",
    "requests": "requests",
    "polib": "polib",
}
if sys.argv[1] == "test":
    modules.update(
        pytest_odoo="pytest-odoo",
        ruff="ruff",
        pylint_odoo="pylint-odoo",
        # Odoo's HttpCase drives Chromium through the DevTools websocket.
        websocket="websocket-client",
    )
for module, package in modules.items():
    if importlib.util.find_spec(module) is None:
        print(package)
for addon in sys.argv[2:]:
    if not any(
        os.path.isfile(os.path.join(path, addon, "__manifest__.py"))
        for path in odoo.addons.__path__
    ):
        print(f"odoo-addon-{addon}>=18.0,<18.1")
PY
    )
}

ensure_python_deps() {
    local mode=${1:-run} listing line missing=() addons=()
    STEP_FIX="read pip's message above; the package index must be reachable ('$PYTHON -m pip config list')."
    listing=$(missing_python_deps "$mode") || die "'$PYTHON' cannot import odoo.addons."
    while IFS= read -r line; do
        case $line in
        odoo-addon-*) addons+=("$line") ;;
        ?*) missing+=("$line") ;;
        esac
    done <<<"$listing"
    if [ ${#missing[@]} -gt 0 ]; then
        say "installing Python packages: ${missing[*]}"
        pip_install "${missing[@]}"
    fi
    if [ ${#addons[@]} -gt 0 ]; then
        say "installing OCA addons (without their dependencies): ${addons[*]}"
        pip_install --no-deps "${addons[@]}"
        listing=$(missing_python_deps "$mode" | grep '^odoo-addon-' || true)
        [ -z "$listing" ] || die "OCA addons installed but Odoo does not find them: $(echo "$listing" | tr '\n' ' ')"
    fi
    if [ ${#missing[@]} -eq 0 ] && [ ${#addons[@]} -eq 0 ]; then
        say "Python packages and OCA addons ($(IFS=,; echo "${OCA_ADDONS[*]}")) all present"
    fi
}

# 3. PostgreSQL: libpq's own variables (PGHOST, PGPORT, PGUSER, PGPASSWORD)
#    select an existing server; otherwise the local one is used.
pg_ok() { psql -d postgres -tAc 'select 1' >/dev/null 2>&1; }

ensure_postgres() {
    if command -v psql >/dev/null 2>&1 && pg_ok; then return 0; fi
    if ! is_root; then
        if ! command -v psql >/dev/null 2>&1; then
            die "no PostgreSQL client or server found. Install one (sudo apt-get install -y postgresql), create a role for '$(id -un)' ('sudo -u postgres createuser -s $(id -un)'), or set PGHOST/PGPORT/PGUSER/PGPASSWORD to an existing server."
        fi
        die "PostgreSQL is not reachable as '${PGUSER:-$(id -un)}'. Start it, create your role ('sudo -u postgres createuser -s $(id -un)'), or set PGHOST/PGPORT/PGUSER/PGPASSWORD."
    fi
    if [ -n "${PGHOST:-}" ] && [ "${PGHOST}" != "localhost" ] && [ "${PGHOST}" != "127.0.0.1" ]; then
        die "PostgreSQL at PGHOST=$PGHOST is not reachable."
    fi
    if ! command -v pg_lsclusters >/dev/null 2>&1; then
        apt_install postgresql || die "PostgreSQL cannot be installed without apt-get."
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
#    The CDR root (isp_telephony_cdr_root) is a folder of the work dir: every
#    integration's CDR directory must lie under it. The database manager's
#    master password is ISP_MASTER_PASSWORD, else a random one generated once
#    and kept in the work dir (printed when it is generated). A third
#    argument restricts the databases listed to that one (run.sh: the demo).
master_password() {
    if [ -n "${ISP_MASTER_PASSWORD:-}" ]; then
        printf '%s' "$ISP_MASTER_PASSWORD"
        return
    fi
    local file="$WORK_DIR/master_password"
    if [ ! -s "$file" ]; then
        mkdir -p "$WORK_DIR"
        (umask 077 && "$PYTHON" -c 'import secrets; print(secrets.token_urlsafe(24))' >"$file")
        say "generated the database manager's master password (shown once; kept in $file): $(cat "$file")"
    fi
    chmod 600 "$file"
    tr -d '\n' <"$file"
}

write_config() {
    local conf=$1 http_port=${2:-8069} only_db=${3:-}
    local admin_passwd
    admin_passwd=$(master_password)
    mkdir -p "$WORK_DIR/addons" "$WORK_DIR/data" "$WORK_DIR/cdr"
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
        echo "admin_passwd = $admin_passwd"
        echo "list_db = True"
        [ -z "$only_db" ] || echo "dbfilter = ^$only_db\$"
        echo "isp_telephony_cdr_root = $WORK_DIR/cdr"
    } >"$conf"
    chmod 600 "$conf"
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
        die "no $command_name found for $purpose. Install it (Debian/Ubuntu: 'sudo apt-get install -y $package') or put $command_name on PATH."
    fi
    apt_install "$package" || die "no $command_name found and no apt-get to install it: install $package."
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

# 7. The database $1 with the addon and its demo data: installed when the
#    module is not there yet, updated otherwise. With a language $3 and a
#    country code $4, a database that does not exist yet is first created as
#    Odoo's database manager does, so that the company gets that country's
#    currency and the users that language (the demo: pt_BR, BR).
ensure_database() {
    local db=$1 conf=$2 lang=${3:-} country=${4:-}
    STEP_FIX="read Odoo's log above."
    if module_installed "$db"; then
        say "database $db exists: updating $ADDON_NAME"
        odoo_bin -c "$conf" -d "$db" -u "$ADDON_NAME" --stop-after-init --log-level=warn
    else
        if db_exists "$db"; then
            say "database $db exists without $ADDON_NAME: installing it"
        elif [ -n "$lang" ]; then
            say "creating database $db for ${country:-any country} in $lang (a few minutes)"
            create_database "$db" "$conf" "$lang" "$country"
            # Accounting first: for a country, account installs its chart
            # of accounts (l10n_*) with journals, which the demo invoices need.
            say "installing accounting (and the chart of accounts of ${country:-the company}) in $db"
            odoo_bin -c "$conf" -d "$db" -i account --stop-after-init --log-level=warn
        fi
        say "installing $ADDON_NAME with its demo data in $db (a few minutes)"
        odoo_bin -c "$conf" -d "$db" -i "$ADDON_NAME" --stop-after-init --log-level=warn
    fi
    module_installed "$db" || die "$ADDON_NAME did not install in $db (see the log above)."
}

create_database() {
    local db=$1 conf=$2 lang=$3 country=${4:-}
    (cd "$WORK_DIR" && TZ=UTC "$PYTHON" - "$conf" "$db" "$lang" "$country" <<'PY'
import sys

import odoo
from odoo.service import db

conf, name, lang, country = sys.argv[1:5]
odoo.tools.config.parse_config(["-c", conf, "--log-level=warn"])
db.exp_create_database(
    name, True, lang, user_password="admin", login="admin",
    country_code=country or None,
)
PY
    )
}

# 8. Translations: Odoo's own export of the addon's terms (from database $1,
#    which has the addon and its demo data installed) into the .pot file $3,
#    and the comparison of that export with i18n/ (scripts/i18n.py).
i18n_export() {
    local db=$1 conf=$2 pot=$3
    odoo_bin -c "$conf" -d "$db" --i18n-export="$pot" --modules="$ADDON_NAME" \
        --stop-after-init --log-level=warn
    [ -s "$pot" ] || die "Odoo exported no terms for $ADDON_NAME from $db."
}

i18n_check() {
    local db=$1 conf=$2 pot
    STEP_FIX="run scripts/i18n.sh, translate what it lists in i18n/pt_BR.po and commit i18n/."
    pot=$(mktemp --suffix=.pot)
    i18n_export "$db" "$conf" "$pot"
    (cd / && "$PYTHON" "$REPO_DIR/scripts/i18n.py" check "$pot" "$REPO_DIR/i18n") || {
        rm -f "$pot"
        die "the translations are not current. Fix: $STEP_FIX"
    }
    rm -f "$pot"
}
