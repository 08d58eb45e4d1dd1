# Copyright 2026 isp_telephony authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Issue 11 point 1: the CDR folder cannot reach a file of the server outside
the CDR root of the configuration; links and other non-regular entries are
skipped and recorded; only the folder's entry is moved or deleted; the raw
text of rejected rows and the folder settings are out of a user's reach."""

import os
import shutil
import tempfile
from unittest.mock import patch

from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import BaseCase, new_test_user
from odoo.tools import config

from ..tools import cdr_folder
from .cdr_common import CdrCase, master_row

ROW = master_row(
    "3135000001",
    "31999998888",
    "2024-05-02 10:00:00",
    "2024-05-02 10:01:00",
    60,
    billsec=55,
    answer="2024-05-02 10:00:05",
    uniqueid="folder.1",
)
SECRET = "admin_passwd = very-secret-master-password\n"


class TestCdrFolderCore(BaseCase):
    """The plain-Python rules, without a database."""

    def setUp(self):
        super().setUp()
        self.tmp = tempfile.mkdtemp(prefix="isp_cdr_core_")
        self.addCleanup(shutil.rmtree, self.tmp, True)
        self.root = os.path.join(self.tmp, "root")
        self.folder = os.path.join(self.root, "pbx")
        os.makedirs(self.folder)
        self.outside = os.path.join(self.tmp, "odoo.conf")
        with open(self.outside, "w") as stream:
            stream.write(SECRET)

    def test_no_root_refuses_every_folder(self):
        for root in (None, "", "   "):
            with self.assertRaises(cdr_folder.CdrFolderError) as caught:
                cdr_folder.resolve_folder(root, self.folder)
            self.assertEqual(caught.exception.code, cdr_folder.NO_ROOT)

    def test_folder_must_lie_inside_the_root(self):
        self.assertEqual(
            cdr_folder.resolve_folder(self.root, self.folder),
            os.path.realpath(self.folder),
        )
        # Relative: read from the root.
        self.assertEqual(
            cdr_folder.resolve_folder(self.root, "pbx"), os.path.realpath(self.folder)
        )
        link = os.path.join(self.root, "escape")
        os.symlink(self.tmp, link)
        for folder in ("/etc", self.tmp, "../", "pbx/../../", link, self.root + "x"):
            with self.subTest(folder=folder):
                with self.assertRaises(cdr_folder.CdrFolderError) as caught:
                    cdr_folder.resolve_folder(self.root, folder)
                self.assertEqual(caught.exception.code, cdr_folder.OUTSIDE_ROOT)

    def test_scan_skips_links_and_non_regular_files(self):
        good = os.path.join(self.folder, "day.csv")
        with open(good, "w") as stream:
            stream.write(ROW)
        os.symlink(self.outside, os.path.join(self.folder, "leak.csv"))
        os.mkfifo(os.path.join(self.folder, "pipe.csv"))
        os.link(good, os.path.join(self.root, "other-name.csv"))
        files, skipped = cdr_folder.scan(self.folder, "*.csv")
        self.assertEqual(files, [])  # day.csv has a second hard link
        reasons = {entry.name: reason for entry, reason in skipped}
        self.assertEqual(
            reasons,
            {
                "day.csv": cdr_folder.HARD_LINK,
                "leak.csv": cdr_folder.SYMLINK,
                "pipe.csv": cdr_folder.NOT_REGULAR,
            },
        )
        os.unlink(os.path.join(self.root, "other-name.csv"))
        files, _skipped = cdr_folder.scan(self.folder, "*.csv")
        self.assertEqual([entry.name for entry in files], ["day.csv"])

    def test_open_refuses_a_link_swapped_in_after_the_scan(self):
        path = os.path.join(self.folder, "swap.csv")
        os.symlink(self.outside, path)
        with self.assertRaises(cdr_folder.CdrFolderError) as caught:
            cdr_folder.open_entry(path)
        self.assertEqual(caught.exception.code, cdr_folder.SYMLINK)

    def test_dispose_moves_only_the_entry(self):
        path = os.path.join(self.folder, "a.csv")
        with open(path, "w") as stream:
            stream.write(ROW)
        target = cdr_folder.dispose(path, delete=False)
        self.assertEqual(target, os.path.join(self.folder, "imported", "a.csv"))
        self.assertTrue(os.path.isfile(target))
        # An "imported" that is a link elsewhere is refused, the file stays.
        other = os.path.join(self.tmp, "pbx2")
        os.makedirs(other)
        shutil.rmtree(os.path.join(self.folder, "imported"))
        os.symlink(other, os.path.join(self.folder, "imported"))
        path = os.path.join(self.folder, "b.csv")
        with open(path, "w") as stream:
            stream.write(ROW)
        with self.assertRaises(cdr_folder.CdrFolderError):
            cdr_folder.dispose(path, delete=False)
        self.assertTrue(os.path.isfile(path))
        self.assertEqual(os.listdir(other), [])


class TestCdrFolderImport(CdrCase):
    """The attack through the integration, and the refusals."""

    def setUp(self):
        super().setUp()
        self.secret_file = os.path.join(tempfile.mkdtemp(), "odoo.conf")
        self.addCleanup(shutil.rmtree, os.path.dirname(self.secret_file), True)
        with open(self.secret_file, "w") as stream:
            stream.write(SECRET)
        self.admin = new_test_user(
            self.env,
            login="cdr_admin",
            groups="base.group_user,base.group_system",
        )

    def _link(self, name, target):
        path = os.path.join(self.directory, name)
        os.symlink(target, path)
        self.addCleanup(lambda: os.path.lexists(path) and os.unlink(path))
        return path

    def test_symlink_to_a_server_file_is_neither_read_nor_moved(self):
        """The reported attack: a link to a file holding admin_passwd was
        imported from its real path, its text kept as rejections readable by
        every telephony user, and the target itself was moved away."""
        link = self._link("leak.csv", self.secret_file)
        self.pbx.cdr_delete_after_import = True
        self.write_file("day.csv", ROW)
        runs = self.pbx._import_cdrs()
        self.env.cr.postcommit.run()
        done = runs.filtered(lambda r: r.state == "done")
        self.assertEqual(done.file_name, "day.csv")
        refused = runs.filtered(lambda r: r.state == "failed")
        self.assertEqual(refused.file_name, "leak.csv")
        self.assertIn("symbolic link", refused.message)
        self.assertFalse(refused.rejection_ids)
        rejections = self.env["isp.cdr.rejection"].search([])
        self.assertNotIn("very-secret", " ".join(rejections.mapped("raw")))
        # The target is untouched, and so is the link.
        self.assertTrue(os.path.isfile(self.secret_file))
        self.assertTrue(os.path.islink(link))
        # A second run records the link once, not once per run.
        again = self.pbx._import_cdrs()
        self.assertEqual(again, refused)

    def test_directory_outside_the_root_is_refused(self):
        outside = os.path.dirname(self.secret_file)
        # A folder saved before the root moved is refused at import time.
        new_root = tempfile.mkdtemp()
        self.addCleanup(shutil.rmtree, new_root, True)
        with (
            patch.dict(config.options, {cdr_folder.ROOT_OPTION: new_root}),
            self.assertRaisesRegex(UserError, "outside the CDR root"),
        ):
            self.pbx._import_cdrs()
        # Saving a folder outside the root, directly or through a link.
        with self.assertRaisesRegex(ValidationError, "outside the CDR root"):
            self.pbx.cdr_directory = outside
        link = self._link("escape", outside)
        with self.assertRaisesRegex(ValidationError, "outside the CDR root"):
            self.pbx.cdr_directory = link

    def test_no_root_configured_refuses_folder_import(self):
        self.write_file("day.csv", ROW)
        with patch.dict(config.options, {cdr_folder.ROOT_OPTION: ""}):
            with self.assertRaisesRegex(UserError, "sets no CDR root"):
                self.pbx._import_cdrs()
            with self.assertRaisesRegex(ValidationError, "sets no CDR root"):
                self.pbx.cdr_directory = self.directory + "/"
        self.assertFalse(self.cdrs())

    def test_only_the_entry_is_archived(self):
        path = self.write_file("day.csv", ROW)
        run = self.pbx._import_cdrs()
        self.assertEqual(run.file_path, path)
        self.env.cr.postcommit.run()
        self.assertFalse(os.path.exists(path))
        self.assertTrue(
            os.path.isfile(os.path.join(self.directory, "imported", "day.csv"))
        )

    def test_folder_settings_are_for_administrators(self):
        integration = self.pbx.with_user(self.manager)
        for vals in (
            {"cdr_directory": "/etc"},
            {"cdr_directory": self.directory + "/sub"},
            {"cdr_delete_after_import": True},
            {"cdr_filename_pattern": "*"},
        ):
            with self.subTest(vals=vals), self.assertRaises(AccessError):
                integration.write(vals)
        with self.assertRaises(AccessError):
            self.env["isp.telephony.integration"].with_user(self.manager).create(
                {"name": "Sneaky", "gateway": "asterisk", "cdr_directory": "/etc"}
            )
        # A manager still saves the form with the values unchanged, creates
        # integrations with the defaults, and duplicates one (the copy has no
        # folder: two integrations never import the same files).
        integration.write({"name": "Asterisk BH 2", "cdr_filename_pattern": "*.csv"})
        created = (
            self.env["isp.telephony.integration"]
            .with_user(self.manager)
            .create({"name": "Plain", "cdr_filename_pattern": "*.csv"})
        )
        self.assertFalse(created.can_edit_cdr_folder)
        self.assertFalse(integration.copy().cdr_directory)
        # An administrator sets them, inside the root.
        as_admin = self.pbx.with_user(self.admin)
        os.makedirs(os.path.join(self.directory, "sub"))
        as_admin.write({"cdr_directory": "sub", "cdr_delete_after_import": True})
        self.assertTrue(as_admin.can_edit_cdr_folder)
        self.assertEqual(as_admin.cdr_root, self.cdr_root)

    def test_raw_rejected_text_is_for_managers_only(self):
        self.write_file("bad.csv", ROW + master_row("1", "2", "noon", "", 5))
        run = self.pbx._import_cdrs()
        rejection = run.rejection_ids
        self.assertEqual(len(rejection), 1)
        as_user = rejection.with_user(self.user)
        self.assertTrue(as_user.reason)
        with self.assertRaises(AccessError):
            as_user.read(["raw"])
        self.assertIn("noon", rejection.with_user(self.manager).raw)
