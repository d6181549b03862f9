"""Reader links (``.w.duckdb.r<inode>``): a link of an old version goes once no live process
uses it — after a dashboard was killed too — and never while one does."""

from __future__ import annotations

import fcntl
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from etl.load import load_files
from store import reader_links
from store.reader import Reader
from store.reader_links import (
    hold_reader_link,
    link_path,
    remove_link_if_unused,
    remove_stale_reader_links,
)
from tests import fixtures

NEW_FIRM = [["91370200MA3C00060R", "新公司", "青岛市市南区", "智慧海洋", "2020-01-01", "1", "1",
             "否", "否", "2024-12-31"]]


def publish(db: Path, content: bytes) -> int:
    """Swap a new file in as ``db``, like a publish does; returns its inode."""
    staging = db.with_name(db.name + ".staging")
    staging.write_bytes(content)
    os.replace(staging, db)
    return os.stat(db).st_ino


def link_current(db: Path) -> Path:
    """Link the current file the way a reader of an older release did (no lock)."""
    link = link_path(db, os.stat(db).st_ino)
    os.link(db, link)
    return link


def names(folder: Path) -> list[str]:
    return sorted(os.listdir(folder))


class LockHolder:
    """Another process holding a reader's shared lock on a link, like a running dashboard."""

    def __init__(self, link: Path):
        code = textwrap.dedent(f"""
            import fcntl, os, sys, time
            fd = os.open({str(link)!r}, os.O_RDONLY)
            fcntl.flock(fd, fcntl.LOCK_SH)
            print("locked", flush=True)
            time.sleep(600)
        """)
        self.proc = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE,
                                     text=True)
        assert self.proc.stdout.readline().strip() == "locked"

    def kill(self) -> None:  # like a dashboard server killed with SIGKILL
        self.proc.kill()
        self.proc.wait(timeout=30)
        self.proc.stdout.close()


@pytest.fixture
def holders():
    started: list[LockHolder] = []

    def start(link: Path) -> LockHolder:
        started.append(LockHolder(link))
        return started[-1]
    yield start
    for h in started:
        if h.proc.poll() is None:
            h.kill()


# -- remove_stale_reader_links -------------------------------------------------------------------
def test_stale_links_go_and_the_current_one_stays(tmp_path):
    db = tmp_path / "w.duckdb"
    publish(db, b"v1")
    v1 = link_current(db)
    publish(db, b"v2")
    v2 = link_current(db)
    v3_ino = publish(db, b"v3")
    v3 = link_current(db)
    others = [".w.duckdb.r12x", ".w.duckdb.r", ".w.duckdb.r7.wal", ".x.duckdb.r5", "w.duckdb.lock",
              "w.duckdb.r9", "..w.duckdb.r9"]
    for n in others:
        (tmp_path / n).write_bytes(b"not a reader link")
    assert remove_stale_reader_links(db) == sorted([v1, v2])
    assert names(tmp_path) == sorted([*others, "w.duckdb", v3.name])
    assert v3.name == f".w.duckdb.r{v3_ino}" and v3.read_bytes() == b"v3"
    assert remove_stale_reader_links(db) == []


def test_a_leftover_named_after_the_current_inode_goes(tmp_path):
    db = tmp_path / "w.duckdb"
    publish(db, b"old")
    old = tmp_path / "old"
    os.link(db, old)
    ino = publish(db, b"new")
    leftover = link_path(db, ino)
    os.link(old, leftover)  # named after the current file, holding the old one
    assert remove_stale_reader_links(db) == [leftover]
    assert names(tmp_path) == ["old", "w.duckdb"]


def test_a_link_in_use_by_a_live_process_stays_until_it_is_killed(tmp_path, holders):
    db = tmp_path / "w.duckdb"
    publish(db, b"v1")
    v1 = link_current(db)
    publish(db, b"v2")
    v2 = link_current(db)
    publish(db, b"v3")
    dashboard = holders(v1)  # a dashboard still reading version 1
    assert remove_stale_reader_links(db) == [v2]
    assert v1.read_bytes() == b"v1"
    dashboard.kill()  # the kernel drops its lock
    assert remove_stale_reader_links(db) == [v1]
    assert names(tmp_path) == ["w.duckdb"]


def test_a_link_held_in_this_process_stays(tmp_path):
    db = tmp_path / "w.duckdb"
    publish(db, b"v1")
    held = hold_reader_link(db)
    publish(db, b"v2")
    assert remove_stale_reader_links(db) == []
    assert held.path.exists()
    assert held.release() is True
    assert names(tmp_path) == ["w.duckdb"]


def test_without_a_published_file_every_unused_link_goes(tmp_path, holders):
    db = tmp_path / "w.duckdb"
    publish(db, b"v1")
    v1 = link_current(db)
    publish(db, b"v2")
    v2 = link_current(db)
    db.unlink()
    holders(v2)
    assert remove_stale_reader_links(db) == [v1]
    assert names(tmp_path) == [v2.name]
    assert remove_stale_reader_links(tmp_path / "none" / "w.duckdb") == []


def test_a_symlink_or_directory_of_that_name_is_left_alone(tmp_path):
    db = tmp_path / "w.duckdb"
    publish(db, b"v1")
    target = tmp_path / "precious"
    target.write_bytes(b"keep")
    (tmp_path / ".w.duckdb.r1").symlink_to(target)
    (tmp_path / ".w.duckdb.r2").mkdir()
    assert remove_stale_reader_links(db) == []
    assert names(tmp_path) == [".w.duckdb.r1", ".w.duckdb.r2", "precious", "w.duckdb"]


def test_a_link_named_after_the_current_inode_stays_even_if_unused(tmp_path):
    db = tmp_path / "w.duckdb"
    publish(db, b"v1")
    current = link_current(db)
    assert remove_link_if_unused(current, keep_inode=os.stat(db).st_ino) is False
    assert remove_stale_reader_links(db) == []
    assert current.exists()
    assert remove_link_if_unused(current) is True  # a reader closing the current version
    assert not current.exists()


# -- hold_reader_link --------------------------------------------------------------------------
def test_hold_links_the_current_version_and_locks_it(tmp_path):
    db = tmp_path / "w.duckdb"
    ino = publish(db, b"v1")
    held = hold_reader_link(db)
    assert held.path == tmp_path / f".w.duckdb.r{ino}" and held.stat.st_ino == ino
    fd = os.open(held.path, os.O_RDONLY)
    try:
        with pytest.raises(BlockingIOError):
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    finally:
        os.close(fd)
    second = hold_reader_link(db)  # another reader of the same version shares the link
    assert second.path == held.path
    assert held.release() is False  # still held by the second reader
    assert held.release() is False  # releasing twice is harmless
    assert second.release() is True
    assert names(tmp_path) == ["w.duckdb"]


def test_hold_replaces_a_link_whose_name_lies(tmp_path):
    db = tmp_path / "w.duckdb"
    publish(db, b"old")
    old = tmp_path / "old"
    os.link(db, old)
    ino = publish(db, b"new")
    os.link(old, link_path(db, ino))  # a leftover named after the current inode, holding old data
    held = hold_reader_link(db)
    assert held.path == link_path(db, ino) and held.stat.st_ino == ino
    assert held.path.read_bytes() == b"new"
    held.release()


@pytest.mark.parametrize("relinked", [False, True])
def test_hold_retries_when_the_link_changes_before_it_is_locked(tmp_path, monkeypatch, relinked):
    """A remover takes the link between the reader's open and lock (and, ``relinked``, a racing
    reader leaves a link of another file under that name): the reader tries again."""
    db = tmp_path / "w.duckdb"
    ino = publish(db, b"v1")
    other = tmp_path / "other"
    other.write_bytes(b"other")
    real_flock = fcntl.flock
    calls = []

    def flock(fd, op):
        if op == fcntl.LOCK_SH and not calls:  # once
            calls.append(op)
            os.unlink(link_path(db, ino))
            if relinked:
                os.link(other, link_path(db, ino))
        return real_flock(fd, op)
    monkeypatch.setattr(reader_links.fcntl, "flock", flock)
    held = hold_reader_link(db)
    monkeypatch.undo()
    assert calls and held.stat.st_ino == ino
    assert held.path.read_bytes() == b"v1" and os.stat(held.path).st_ino == ino
    assert remove_stale_reader_links(db) == []
    held.release()
    assert names(tmp_path) == ["other", "w.duckdb"]


def test_a_remover_leaves_a_name_that_changed_before_it_was_locked(tmp_path, monkeypatch, holders):
    db = tmp_path / "w.duckdb"
    publish(db, b"v1")
    stale = link_current(db)
    publish(db, b"v2")
    other = tmp_path / "other"
    other.write_bytes(b"another reader's version")
    real_flock = fcntl.flock

    def flock(fd, op):
        if op == fcntl.LOCK_EX | fcntl.LOCK_NB:  # meanwhile the name came to hold another file
            os.unlink(stale)
            os.link(other, stale)
        return real_flock(fd, op)
    monkeypatch.setattr(reader_links.fcntl, "flock", flock)
    assert remove_link_if_unused(stale) is False
    monkeypatch.undo()
    assert stale.read_bytes() == b"another reader's version"


def test_hold_without_hard_links_returns_none(tmp_path, monkeypatch):
    db = tmp_path / "w.duckdb"
    publish(db, b"v1")

    def no_links(src, dst):
        raise OSError(18, "Invalid cross-device link")
    monkeypatch.setattr(reader_links.os, "link", no_links)
    assert hold_reader_link(db) is None
    with pytest.raises(FileNotFoundError):
        hold_reader_link(tmp_path / "none.duckdb")


# -- the dashboard's reader ----------------------------------------------------------------------
def test_a_reader_removes_links_left_by_killed_readers_on_start(fresh_db, holders):
    folder = fresh_db.parent
    old = folder / "old.duckdb"
    os.link(fresh_db, old)
    publish(fresh_db, fresh_db.read_bytes())  # same data, new inode: the old one is stale
    killed = folder / f".{fresh_db.name}.r{os.stat(old).st_ino}"
    os.link(old, killed)
    old.unlink()
    other = folder / f".{fresh_db.name}.r1"  # an old version another dashboard still reads
    other.write_bytes(b"in use")
    holders(other)
    reader = Reader(fresh_db)
    assert not killed.exists() and other.exists()
    reader.refresh()
    current = folder / f".{fresh_db.name}.r{os.stat(fresh_db).st_ino}"
    assert sorted(folder.glob(f".{fresh_db.name}.r*")) == sorted([current, other])
    reader.close()
    assert sorted(folder.glob(f".{fresh_db.name}.r*")) == [other]


def test_a_version_a_reader_still_serves_survives_a_cleanup(fresh_db, tmp_path):
    reader = Reader(fresh_db)
    reader.refresh()
    v1 = reader._held.path
    path = fixtures.write_csv(tmp_path / "new.csv", fixtures.ENTERPRISE_HEADER, NEW_FIRM, "gbk")
    assert load_files([path], db_path=fresh_db).ok
    assert reader.df("SELECT count(*) AS n FROM enterprise")["n"].iloc[0] == 5  # reopened
    assert remove_stale_reader_links(fresh_db) == []  # v1 is in its grace period
    assert v1.exists() and reader._held.path != v1
    reader._close_retired(everything=True)  # the grace period is over
    assert not v1.exists() and reader._held.path.exists()
    reader.close()
    assert not list(fresh_db.parent.glob(f".{fresh_db.name}.r*"))
