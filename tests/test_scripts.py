# Copyright 2026 isp_telephony authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The set-up decisions of scripts/common.sh (used by run.sh and test.sh),
run in bash against stub commands: Odoo present or not, root or not,
PostgreSQL reachable or not, and how Odoo's requirements are adapted."""

import os
import shutil
import subprocess
import tarfile
import tempfile
from pathlib import Path

from odoo.tests import BaseCase

COMMON = Path(__file__).resolve().parent.parent / "scripts" / "common.sh"
# Real tools the functions under test may use; everything else is a stub.
REAL_TOOLS = [
    *("awk", "bash", "basename", "cat", "chmod", "cut", "date", "dirname", "env"),
    *("find", "grep", "gzip", "head", "mkdir", "mktemp", "mv", "rm", "sed", "seq"),
    *("sleep", "tail", "tar", "touch", "tr"),
]


class TestSetupScripts(BaseCase):
    def setUp(self):
        super().setUp()
        self.tmp = Path(tempfile.mkdtemp(prefix="isp_scripts_"))
        self.addCleanup(shutil.rmtree, self.tmp, True)
        self.bin = self.tmp / "bin"
        self.bin.mkdir()
        for tool in REAL_TOOLS:
            real = shutil.which(tool)
            self.assertTrue(real, f"{tool} is needed by these tests")
            (self.bin / tool).symlink_to(real)
        self.log = self.tmp / "calls.log"
        self.log.touch()
        self.work = self.tmp / "work"
        # A normal user, no Debian package installed, no Odoo anywhere.
        self.stub("id", "echo 1000; exit 0")
        self.stub("dpkg-query", "exit 1")
        self.stub("apt-get", 'echo "apt-get $*" >>"$CALLS"')

    def stub(self, name, body, where=None):
        path = (where or self.bin) / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(f"#!/bin/bash\n{body}\n")
        path.chmod(0o755)
        return path

    def python_stub(self, path, serie):
        """A Python that imports Odoo `serie`, or no Odoo when None."""
        answer = f"echo {serie}; exit 0" if serie else "exit 1"
        return self.stub(
            path.name,
            'case "$*" in *odoo.release*) ' + answer + " ;; esac\n"
            'echo "$0 $*" >>"$CALLS"',
            where=path.parent,
        )

    def run_bash(self, script, **env):
        environ = {
            "PATH": str(self.bin),
            "HOME": str(self.tmp),
            "CALLS": str(self.log),
            "ISP_WORK_DIR": str(self.work),
            "ISP_SYSTEM_PYTHON": str(self.tmp / "system" / "python3"),
            **env,
        }
        return subprocess.run(
            ["bash", "-c", f'. "{COMMON}"\n{script}'],
            env=environ,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )

    # Odoo present or not -------------------------------------------------
    def test_odoo_in_the_venv_is_used_without_installing_anything(self):
        self.python_stub(self.work / "venv" / "bin" / "python", "18.0")
        result = self.run_bash(
            'install_odoo() { echo INSTALL; }\nensure_odoo\necho "python=$PYTHON"'
        )
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertNotIn("INSTALL", result.stdout)
        self.assertIn(f"python={self.work}/venv/bin/python", result.stdout)
        self.assertIn("Odoo 18.0 in", result.stderr)

    def test_venv_without_odoo_gets_odoo_installed(self):
        self.python_stub(self.work / "venv" / "bin" / "python", None)
        result = self.run_bash("install_odoo() { echo INSTALL; }\nensure_odoo")
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertIn("INSTALL", result.stdout)

    def test_no_venv_creates_one_then_installs_odoo(self):
        result = self.run_bash(
            'create_venv() { echo "CREATE $*"; }\n'
            "install_odoo() { echo INSTALL; }\nensure_odoo",
            ISP_BASE_PYTHON="python3",
        )
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertEqual(result.stdout.split("\n")[:2], ["CREATE python3", "INSTALL"])

    def test_odoo_debian_package_is_used_through_system_site_packages(self):
        system = self.python_stub(self.tmp / "system" / "python3", "18.0")
        result = self.run_bash(
            'create_venv() { echo "CREATE $*"; }\n'
            "install_odoo() { echo INSTALL; }\nensure_odoo"
        )
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertIn(f"CREATE {system} --system-site-packages", result.stdout)
        self.assertNotIn("INSTALL", result.stdout)

    def test_isp_python_without_odoo_stops_and_says_what_to_do(self):
        python = self.python_stub(self.tmp / "other" / "python", None)
        result = self.run_bash(
            'install_odoo() { echo INSTALL; }\nstep "Odoo 18.0" ensure_odoo',
            ISP_PYTHON=str(python),
        )
        self.assertEqual(result.returncode, 1)
        self.assertNotIn("INSTALL", result.stdout)
        self.assertIn('ERROR in step "Odoo 18.0"', result.stderr)
        self.assertIn("unset it", result.stderr)

    def test_wrong_odoo_version_in_isp_python_is_refused(self):
        python = self.python_stub(self.tmp / "other" / "python", "17.0")
        result = self.run_bash("ensure_odoo", ISP_PYTHON=str(python))
        self.assertEqual(result.returncode, 1)
        self.assertIn("imports Odoo 17.0", result.stderr)

    # Root or not -----------------------------------------------------------
    def test_normal_user_gets_the_exact_apt_get_line(self):
        result = self.run_bash("apt_install wkhtmltopdf chromium || echo REFUSED")
        self.assertIn("REFUSED", result.stdout)
        self.assertIn("sudo apt-get install -y wkhtmltopdf chromium", result.stderr)
        self.assertEqual(self.log.read_text(), "")

    def test_root_installs_with_apt_get(self):
        self.stub("id", "echo 0")
        result = self.run_bash("apt_install wkhtmltopdf chromium")
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertEqual(
            self.log.read_text().splitlines(),
            ["apt-get update -qq", "apt-get install -y -qq wkhtmltopdf chromium"],
        )

    def test_missing_build_headers_as_normal_user_leave_python_ldap_out(self):
        src = self.tmp / "src"
        src.mkdir()
        (src / "requirements.txt").write_text(
            "cbor2==5.4.2 ; python_version < '3.12'\n"
            "cbor2==5.6.2 ; python_version >= '3.12'\n"
            "python-ldap==3.4.0 ; sys_platform != 'win32'\n"
            "psycopg2==2.9.5 ; python_version == '3.11'\n"
        )
        result = self.run_bash(f'odoo_requirements "{src}" "{self.tmp}/req.txt"')
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertEqual(
            (self.tmp / "req.txt").read_text().splitlines(),
            [
                "cbor2==5.6.2 ; python_version < '3.12'",
                "cbor2==5.6.2 ; python_version >= '3.12'",
                "psycopg2-binary==2.9.5 ; python_version == '3.11'",
            ],
        )
        self.assertIn("python-ldap left out", result.stderr)
        self.assertIn(
            "sudo apt-get install -y libldap2-dev libsasl2-dev", result.stderr
        )

    def test_with_build_headers_python_ldap_and_psycopg2_are_built(self):
        self.stub("dpkg-query", "echo 'install ok installed'")
        self.stub("pg_config", "exit 0")
        src = self.tmp / "src"
        src.mkdir()
        (src / "requirements.txt").write_text("python-ldap==3.4.0\npsycopg2==2.9.5\n")
        result = self.run_bash(f'odoo_requirements "{src}" "{self.tmp}/req.txt"')
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertEqual(
            (self.tmp / "req.txt").read_text().splitlines(),
            ["python-ldap==3.4.0", "psycopg2==2.9.5"],
        )

    # PostgreSQL reachable or not -------------------------------------------
    def test_reachable_postgresql_is_used_as_it_is(self):
        self.stub("psql", "exit 0")
        result = self.run_bash("ensure_postgres && echo OK")
        self.assertIn("OK", result.stdout)
        self.assertEqual(self.log.read_text(), "")

    def test_unreachable_postgresql_as_normal_user_says_how_to_fix(self):
        self.stub("psql", "exit 2")
        result = self.run_bash('step "PostgreSQL" ensure_postgres')
        self.assertEqual(result.returncode, 1)
        self.assertIn('ERROR in step "PostgreSQL"', result.stderr)
        self.assertIn("createuser -s", result.stderr)
        self.assertEqual(self.log.read_text(), "")

    def test_no_postgresql_as_root_installs_and_starts_it(self):
        self.stub("id", "echo 0")
        state = self.tmp / "pg_started"
        clusters = self.bin / "pg_lsclusters"
        # psql answers once the cluster was started; apt-get brings the
        # cluster tools, as Debian's postgresql package does.
        self.stub("psql", f'[ -f "{state}" ]')
        self.stub(
            "apt-get",
            'echo "apt-get $*" >>"$CALLS"\n'
            f'printf "#!/bin/bash\\necho 15 main 5432 down\\n" >"{clusters}"\n'
            f'chmod +x "{clusters}"',
        )
        self.stub(
            "pg_ctlcluster", f'echo "pg_ctlcluster $*" >>"$CALLS"; touch "{state}"'
        )
        self.stub("su", 'echo 1; echo "su $*" >>"$CALLS"')
        result = self.run_bash('step "PostgreSQL" ensure_postgres')
        self.assertEqual(result.returncode, 0, result.stderr)
        calls = self.log.read_text().splitlines()
        self.assertIn("apt-get install -y -qq postgresql", calls)
        self.assertIn("pg_ctlcluster 15 main start", calls)

    # Steps ---------------------------------------------------------------
    def test_a_step_says_how_long_it_took(self):
        result = self.run_bash('step "something quick" true')
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertIn("-> something quick", result.stderr)
        self.assertRegex(result.stderr, r"something quick: done in \d+\.\d s")

    def test_a_failed_step_names_itself_and_the_fix(self):
        result = self.run_bash(
            'failing() { STEP_FIX="do this"; false; }\nstep "the thing" failing'
        )
        self.assertEqual(result.returncode, 1)
        self.assertIn('step "the thing" failed (exit 1). Fix: do this', result.stderr)

    def test_odoo_archive_is_unpacked_once(self):
        tree = self.tmp / "odoo-18.0" / "odoo"
        tree.mkdir(parents=True)
        (tree / "release.py").write_text("version_info = (18, 0, 0, 'final', 0, '')\n")
        archive = self.tmp / "odoo18.tgz"
        with tarfile.open(archive, "w:gz") as tar:
            tar.add(self.tmp / "odoo-18.0", arcname="odoo-18.0")
        script = 'resolve_odoo_source\necho "src=$ODOO_SRC_DIR"'
        first = self.run_bash(script, ISP_ODOO_SOURCE=str(archive))
        self.assertEqual(first.returncode, 0, first.stderr)
        self.assertIn(f"src={self.work}/odoo-src", first.stdout)
        self.assertTrue((self.work / "odoo-src" / "odoo" / "release.py").exists())
        self.assertIn("unpacking", first.stderr)
        second = self.run_bash(script, ISP_ODOO_SOURCE=str(archive))
        self.assertIn("already unpacked", second.stderr)
        self.assertNotIn("unpacking", second.stderr)

    def test_odoo_source_of_another_version_is_refused(self):
        tree = self.tmp / "odoo17" / "odoo"
        tree.mkdir(parents=True)
        (tree / "release.py").write_text("version_info = (17, 0, 0, 'final', 0, '')\n")
        result = self.run_bash(
            "install_odoo", ISP_ODOO_SOURCE=str(self.tmp / "odoo17"), PYTHON="x"
        )
        self.assertEqual(result.returncode, 1)
        self.assertIn("holds Odoo 17.0, not 18.0", result.stderr)
        self.assertFalse(os.path.exists(self.work / "odoo-requirements.txt"))
