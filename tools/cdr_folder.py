# Copyright 2026 isp_telephony authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The CDR folder on the server's disk: where it may be, which of its
entries are read, and how an imported file leaves it.

A CDR folder must lie under the *CDR root*, a directory that only the
server's configuration sets (``isp_telephony_cdr_root`` in ``odoo.conf``):
nobody can point an integration at ``/etc`` or at Odoo's own configuration
from the user interface. Inside the folder only regular files are read:
symbolic links, devices, pipes and files with other hard links are skipped
and reported, never opened. Only the entry of the folder is moved or
deleted after the import, never what a link points to.

Plain Python, no Odoo. Every refusal is a :class:`CdrFolderError` whose
``code`` names the reason (the model turns it into a translated message).
"""

import errno
import fnmatch
import os
import stat
from dataclasses import dataclass
from datetime import datetime

# The odoo.conf option that sets the CDR root.
ROOT_OPTION = "isp_telephony_cdr_root"
# Subfolder of a CDR folder where imported files are moved.
ARCHIVE_DIR = "imported"

# Reasons of a CdrFolderError / of a skipped entry.
NO_ROOT = "no_root"
ROOT_MISSING = "root_missing"
OUTSIDE_ROOT = "outside_root"
NOT_A_DIRECTORY = "not_a_directory"
SYMLINK = "symlink"
NOT_REGULAR = "not_regular"
HARD_LINK = "hard_link"
BAD_ARCHIVE = "bad_archive"


class CdrFolderError(ValueError):
    """A CDR folder or entry refused; ``code`` is one of the reasons above,
    ``path`` what was refused."""

    def __init__(self, code, path=""):
        super().__init__(f"{code}: {path}")
        self.code = code
        self.path = path


@dataclass(frozen=True)
class Entry:
    """One entry of a CDR folder: ``path`` is the entry itself (its folder's
    real path joined with its name), never a link's target."""

    name: str
    path: str
    mtime: float = 0.0


def resolve_root(root):
    """The real path of the configured CDR root; refused when none is set or
    it is not a directory."""
    root = (root or "").strip() if isinstance(root, str) else ""
    if not root:
        raise CdrFolderError(NO_ROOT)
    real = os.path.realpath(os.path.expanduser(root))
    if not os.path.isdir(real):
        raise CdrFolderError(ROOT_MISSING, root)
    return real


def inside(root_real, path_real):
    """True when ``path_real`` is ``root_real`` or lies under it (both real
    paths)."""
    try:
        return os.path.commonpath([root_real, path_real]) == root_real
    except ValueError:  # different drives, or a mix of absolute and relative
        return False


def resolve_folder(root, folder):
    """The real path of ``folder`` (absolute, or relative to the root), with
    every link in it followed, checked to lie inside the CDR root. Raises
    :class:`CdrFolderError`; the folder itself need not exist yet."""
    root_real = resolve_root(root)
    folder = (folder or "").strip()
    if not os.path.isabs(folder):
        folder = os.path.join(root_real, folder)
    real = os.path.realpath(folder)
    if not inside(root_real, real):
        raise CdrFolderError(OUTSIDE_ROOT, folder)
    return real


def _refusal(st):
    """Why an entry with this ``lstat`` result is not read, or None."""
    if stat.S_ISLNK(st.st_mode):
        return SYMLINK
    if not stat.S_ISREG(st.st_mode):
        return NOT_REGULAR
    if st.st_nlink > 1:
        return HARD_LINK
    return None


def scan(folder_real, pattern="*", settled_before=None):
    """Entries of the folder whose name matches ``pattern`` (shell syntax):
    ``(files, skipped)``. ``files`` are regular files last changed at or
    before ``settled_before`` (a Unix time; None: any), oldest first;
    ``skipped`` are ``(Entry, reason)`` for matching symbolic links,
    devices, pipes, sockets and hard-linked files. Subfolders are ignored
    (the archive lives in one)."""
    if not os.path.isdir(folder_real) or os.path.islink(folder_real):
        raise CdrFolderError(NOT_A_DIRECTORY, folder_real)
    pattern = (pattern or "*").strip() or "*"
    files, skipped = [], []
    with os.scandir(folder_real) as entries:
        for item in entries:
            if not fnmatch.fnmatch(item.name, pattern):
                continue
            try:
                st = item.stat(follow_symlinks=False)
            except FileNotFoundError:
                continue  # gone meanwhile (archived by another worker)
            entry = Entry(item.name, os.path.join(folder_real, item.name), st.st_mtime)
            if stat.S_ISDIR(st.st_mode):
                continue
            reason = _refusal(st)
            if reason:
                skipped.append((entry, reason))
            elif settled_before is None or st.st_mtime <= settled_before:
                files.append(entry)
    files.sort(key=lambda e: (e.mtime, e.name))
    skipped.sort(key=lambda pair: pair[0].name)
    return files, skipped


def open_entry(path):
    """Open the regular file ``path`` for binary reading without following a
    link: a link swapped in after the scan is refused, not read. Raises
    FileNotFoundError when the entry is gone, :class:`CdrFolderError`
    otherwise."""
    flags = os.O_RDONLY | getattr(os, "O_CLOEXEC", 0)
    flags |= getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
    try:
        fd = os.open(path, flags)
    except OSError as error:
        if error.errno == errno.ENOENT:
            raise
        if error.errno == errno.ELOOP:
            raise CdrFolderError(SYMLINK, path) from None
        raise
    try:
        reason = _refusal(os.fstat(fd))
        if reason:
            raise CdrFolderError(reason, path)
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


def dispose(path, delete):
    """Delete the folder entry ``path`` or move it to the folder's
    ``imported/`` subfolder (a time stamp is added when the name is taken).
    Only the entry is touched: a symbolic link is never followed, and an
    ``imported`` that is a link or not a folder is refused."""
    if delete:
        os.unlink(path)
        return None
    folder = os.path.dirname(path)
    archive = os.path.join(folder, ARCHIVE_DIR)
    if not os.path.lexists(archive):
        os.makedirs(archive, 0o750, exist_ok=True)
    st = os.lstat(archive)
    if not stat.S_ISDIR(st.st_mode):
        raise CdrFolderError(BAD_ARCHIVE, archive)
    target = os.path.join(archive, os.path.basename(path))
    if os.path.lexists(target):
        stamp = datetime.now().strftime("%Y%m%d%H%M%S%f")
        target = f"{target}.{stamp}"
    os.replace(path, target)
    return target
