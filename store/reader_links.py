"""The per-version hard links readers open the published warehouse through, and their cleanup.

A reader (``store.reader.Reader``) opens each published version through a hard link named after
the file's inode, ``.warehouse.duckdb.r<inode>`` beside the warehouse, so that a new version gets a
new path (and a new DuckDB instance). A link to an old version is a full copy of the old data as
far as the disk is concerned, so it must go once no reader uses it, including after a reader
was killed before it could remove its own links.

How "in use" is known: a reader holds a shared ``flock`` on the link for as long as it has that
version open (``hold_reader_link``); a remover takes an exclusive, non-blocking ``flock`` and
unlinks only if it gets it, while still holding it (``remove_link_if_unused``). The kernel drops
a process's flocks when it exits, even on SIGKILL, so a crashed dashboard's links become
removable by themselves, and a running dashboard's links are never removed from under it — by
another dashboard process either. Both sides re-check after locking that the name still refers
to the file they locked, so a link removed and re-created in between is noticed. Locks are on
the inode (all names of the file), which nothing else flocks: the writer locks a separate
``.lock`` file, and DuckDB's own locks are POSIX record locks, independent of flock on Linux.
Descriptors are close-on-exec, so a child process does not keep a lock alive.

Rejected: scanning ``/proc/*/fd`` (Linux only, blind to other users' processes, racy), and
unlinking regardless of use. Unlinking a file another process has open is harmless on Linux —
its open descriptors keep working — but frees no space until that process closes it, and the
process may still need the name (a second connection to the same version opens the path), so
the name stays while a lock says it is in use. A reader of an older release takes no lock: its
links look unused and are removed, which its open connection survives.

This module is part of the ETL layer and imports nothing from ``analytics``.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import re
import stat
from dataclasses import dataclass
from pathlib import Path

ATTEMPTS = 10  # a reader's tries to link and lock the current version before giving up
_OPEN_FLAGS = os.O_RDONLY | os.O_CLOEXEC | os.O_NOFOLLOW


def link_path(db_path: Path | str, inode: int) -> Path:
    """The hard link a reader opens for the version of ``db_path`` with this inode."""
    db_path = Path(db_path)
    return db_path.with_name(f".{db_path.name}.r{inode}")


def _pattern(db_path: Path) -> re.Pattern:
    return re.compile(re.escape(f".{db_path.name}.r") + r"(\d+)")


def reader_links(db_path: Path | str) -> list[Path]:
    """Every ``.{name}.r<digits>`` entry beside ``db_path``, sorted by name."""
    db_path = Path(db_path)
    pattern = _pattern(db_path)
    try:
        names = os.listdir(db_path.parent)
    except (FileNotFoundError, NotADirectoryError):
        return []
    return [db_path.with_name(n) for n in sorted(names) if pattern.fullmatch(n)]


def _same_file(a: os.stat_result, b: os.stat_result) -> bool:
    return (a.st_dev, a.st_ino) == (b.st_dev, b.st_ino)


def remove_link_if_unused(link: Path | str, keep_inode: int | None = None) -> bool:
    """Unlink ``link`` unless a process holds a reader lock on it (or it is the file with inode
    ``keep_inode``, or not a regular file). Returns whether it was removed."""
    link = Path(link)
    try:
        fd = os.open(link, _OPEN_FLAGS)
    except OSError:  # gone already, a symlink, or not ours to open: leave it
        return False
    try:
        opened = os.fstat(fd)
        if not stat.S_ISREG(opened.st_mode) or opened.st_ino == keep_inode:
            return False
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:  # BlockingIOError: a reader uses it; anything else: cannot tell, keep
            return False
        try:
            if not _same_file(os.lstat(link), opened):
                return False  # removed and re-created meanwhile: that is another file now
        except FileNotFoundError:
            return False
        os.unlink(link)  # still locked: a reader that locks it next finds the name gone
        return True
    finally:
        os.close(fd)  # releases the lock


def remove_stale_reader_links(db_path: Path | str) -> list[Path]:
    """Remove the reader links beside ``db_path`` that are stale: not the current published
    file (another inode) and not in use by a live process (see the module docstring). A link
    named after the current inode but holding another file (a leftover) is stale too: readers
    refuse it. Returns the links removed, sorted by name.

    Safe to call at any time from any process: at a dashboard's start, and after a publish.
    """
    try:
        current: int | None = os.stat(db_path).st_ino
    except FileNotFoundError:
        current = None
    return [link for link in reader_links(db_path)
            if remove_link_if_unused(link, keep_inode=current)]


@dataclass
class HeldLink:
    """A reader link with a shared lock on it: the version stays in use until ``release``."""

    path: Path
    fd: int
    stat: os.stat_result  # the linked file's, taken after locking: the version actually held

    def release(self, remove: bool = True) -> bool:
        """Drop the lock and, if ``remove``, unlink the link unless another reader holds it.
        Returns whether the link was removed."""
        if self.fd >= 0:
            with contextlib.suppress(OSError):
                os.close(self.fd)
            self.fd = -1
        return remove and remove_link_if_unused(self.path)


def hold_reader_link(db_path: Path | str) -> HeldLink | None:
    """Link the published file as ``.{name}.r<inode>`` (if not linked yet) and take a shared
    lock on the link, so that no remover takes it while it is in use.

    Returns None when the link cannot be made or locked (hard links or flock unsupported here,
    or lost races ``ATTEMPTS`` times in a row): the caller then opens ``db_path`` itself.
    Raises FileNotFoundError when ``db_path`` does not exist.
    """
    db_path = Path(db_path)
    for _ in range(ATTEMPTS):
        current = os.stat(db_path)
        link = link_path(db_path, current.st_ino)
        try:
            os.link(db_path, link)
        except FileExistsError:
            pass
        except FileNotFoundError:
            raise
        except OSError:  # no hard links on this filesystem
            return None
        try:
            fd = os.open(link, _OPEN_FLAGS)
        except FileNotFoundError:  # a remover took it between link and open: try again
            continue
        except OSError:
            return None
        try:
            fcntl.flock(fd, fcntl.LOCK_SH)  # waits only while a remover decides, a moment
            held = os.fstat(fd)
            named_right = held.st_ino == current.st_ino  # not a leftover or a raced link
            still_there = _same_file(os.lstat(link), held)
        except FileNotFoundError:
            named_right = still_there = False
        except OSError:  # flock unsupported
            os.close(fd)
            return None
        if named_right and still_there:
            return HeldLink(link, fd, held)
        os.close(fd)
        if still_there:  # the name holds another file (the warehouse was replaced between
            remove_link_if_unused(link)  # our stat and link, or an inode number was reused)
    return None
