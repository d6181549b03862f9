"""The tamper-evident audit log (issue 16, part 6): every row chained to the one before by a
sha256 hash, ``verify_chain`` and ``python -m analytics audit-verify`` name the first broken
row, rows of an older app.duckdb stay readable as 'unchained', and reading the log — from
another process, holding a DuckDB connection — never holds up a write."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from access import appdb

ROOT = Path(__file__).resolve().parent.parent
T0 = dt.datetime(2024, 5, 1, 9, 0)


def _fill(db: Path, n: int = 5) -> None:
    for i in range(1, n + 1):
        appdb.record(db, f"u{i}", "recruiter", "export", f"file{i}.csv",
                     filters={"page": i}, at=T0 + dt.timedelta(minutes=i))


def _lines(db: Path) -> list[dict]:
    return [json.loads(x) for x in appdb.log_path(db).read_text("utf-8").splitlines()]


def documented_query(log: Path) -> str:
    """The DuckDB query docs/roles.md gives auditors, on this log."""
    doc = (ROOT / "docs" / "roles.md").read_text("utf-8")
    sql = next(b for b in doc.split("```sql\n")[1:] if "read_json" in b).split("```")[0]
    assert "data/app/app.audit.jsonl" in sql
    return sql.replace("data/app/app.audit.jsonl", str(log).replace("'", "''"))


def _write(db: Path, rows: list[dict]) -> None:
    appdb.log_path(db).write_text(
        "".join(json.dumps(r, ensure_ascii=False, separators=(",", ":")) + "\n" for r in rows),
        "utf-8")


@pytest.fixture
def db(tmp_path) -> Path:
    path = tmp_path / "app" / "app.duckdb"
    _fill(path)
    return path


# -- the chain ------------------------------------------------------------------------------------
def test_rows_are_chained(db):
    rows = _lines(db)
    assert [r["seq"] for r in rows] == [1, 2, 3, 4, 5]
    assert list(rows[0]) == ["seq", "at", "user", "role", "action", "target", "reason",
                             "filters", "prev", "hash"]
    assert rows[0]["prev"] == "0" * 64
    assert [r["prev"] for r in rows[1:]] == [r["hash"] for r in rows[:-1]]
    # hash = sha256(prev + "\n" + canonical JSON of [seq, at, user, role, action, target,
    # reason, filters]): recomputable by anyone with the file.
    import hashlib
    canon = json.dumps([1, "2024-05-01T09:01:00.000000", "u1", "recruiter", "export", "file1.csv",
                        None, '{"page": 1}'], ensure_ascii=False, separators=(",", ":"))
    assert rows[0]["hash"] == hashlib.sha256(f"{'0' * 64}\n{canon}".encode()).hexdigest()
    ok, broken, message = appdb.verify_chain(db)
    assert (ok, broken) == (True, None)
    assert message == f"审计链完整: seq 1–5, 末行 hash {rows[-1]['hash']}"
    assert appdb.audit_rows(db, with_seq=True)["seq"].tolist() == [5, 4, 3, 2, 1]
    assert not db.exists()  # the DuckDB file is neither needed nor created


def test_deleting_a_middle_row_is_named(db):
    rows = _lines(db)
    _write(db, rows[:2] + rows[3:])
    assert appdb.verify_chain(db) == (False, 3, "seq 3 缺失 (第 3 行是 seq 4: 有行被删除)")


def test_editing_a_rows_target_is_named(db):
    rows = _lines(db)
    rows[2]["target"] = "innocent.csv"
    _write(db, rows)
    assert appdb.verify_chain(db) == (False, 3, "seq 3: 内容与 hash 不符 (该行被改动)")


def test_backdating_a_row_is_named(db):
    rows = _lines(db)
    rows[1]["at"] = "2023-01-01T09:02:00.000000"
    _write(db, rows)
    assert appdb.verify_chain(db) == (False, 2, "seq 2: 内容与 hash 不符 (该行被改动)")


def test_an_edit_with_its_hash_recomputed_breaks_the_next_link(db):
    rows = _lines(db)
    rows[2]["reason"] = "forged"
    rows[2]["hash"] = appdb.row_hash(rows[2]["prev"], 3, rows[2])
    _write(db, rows)
    assert appdb.verify_chain(db) == (False, 4, "seq 4: prev 与 seq 3 的 hash 不符 "
                                                "(其前一行被改动、替换或删除)")


def test_swapped_and_forged_rows_are_named(db):
    rows = _lines(db)
    _write(db, [rows[0], rows[2], rows[1], *rows[3:]])
    assert appdb.verify_chain(db)[:2] == (False, 2)
    forged = {**rows[1], "user": "x", "hash": "f" * 64}  # inserted after seq 1
    _write(db, [rows[0], forged, *rows[1:]])
    assert appdb.verify_chain(db)[:2] == (False, 2)
    _write(db, [*rows[:4], {**rows[4], "seq": 4}])  # a duplicate number
    assert appdb.verify_chain(db) == (False, 5, "seq 5: 第 5 行是 seq 4 (重复或顺序被改动)")


def test_a_garbage_line_is_named_and_writing_goes_on(db):
    with open(appdb.log_path(db), "a", encoding="utf-8") as f:
        f.write("not json\n")
    assert appdb.verify_chain(db) == (False, 6, "seq 6: 第 6 行不是完整的审计记录 (被改动或写入中断)")
    appdb.record(db, "u6", "admin", "load", "x.csv")  # the business is not blocked
    assert json.loads(appdb.log_path(db).read_text("utf-8").splitlines()[-1])["seq"] == 6
    assert appdb.verify_chain(db)[:2] == (False, 6)
    assert appdb.audit_rows(db)["user"].tolist()[:2] == ["u6", "u5"]  # readers skip it


def test_an_interrupted_append_is_not_a_row_until_the_next_write(db):
    log = appdb.log_path(db)
    with open(log, "ab") as f:
        f.write(b'{"seq":6,"at":"2024')  # a crash mid-append
    ok, broken, message = appdb.verify_chain(db)
    assert (ok, broken) == (True, None) and message.endswith("; 末行未写完 (写入中或被中断), 未计入")
    assert len(appdb.audit_rows(db)) == 5
    appdb.record(db, "u6", "admin", "load", "x.csv")  # starts on a new line
    lines = log.read_bytes().split(b"\n")
    assert lines[-3:-1] == [b'{"seq":6,"at":"2024', lines[-2]] and lines[-1] == b""
    assert json.loads(lines[-2])["seq"] == 6
    assert appdb.verify_chain(db)[:2] == (False, 6)


def test_a_whole_row_without_its_newline_is_not_a_row(db):
    """Cut just before its newline, a row parses, but its write did not finish (record raised:
    the action did not happen), so readers must not list it."""
    rows = _lines(db)
    rows[-1]["target"] = "cut.csv"
    _write(db, rows[:4])
    with open(appdb.log_path(db), "a", encoding="utf-8") as f:
        f.write(json.dumps({**rows[4], "hash": appdb.row_hash(rows[4]["prev"], 5, rows[4])}))
    assert appdb.audit_rows(db)["target"].tolist() == ["file4.csv", "file3.csv", "file2.csv",
                                                       "file1.csv"]
    assert appdb.verify_chain(db)[:2] == (True, None)


def test_cli_audit_verify(db):
    def run(*args):
        return subprocess.run([sys.executable, "-m", "analytics", "audit-verify", *args],
                              cwd=ROOT, capture_output=True, text=True, timeout=60)
    good = run("--app-db", str(db))
    assert good.returncode == 0 and "审计链完整: seq 1–5" in good.stdout, good.stderr
    rows = _lines(db)
    rows[3]["target"] = "x"
    _write(db, rows)
    bad = run("--app-db", str(db))
    assert bad.returncode == 1
    assert "seq 4: 内容与 hash 不符" in bad.stderr and "first broken seq: 4" in bad.stderr
    # The log itself may be named; the setting is the default.
    assert run("--app-db", str(appdb.log_path(db))).returncode == 1
    env = {**os.environ, "TALENTMAP_APP_DB_PATH": str(db)}
    assert subprocess.run([sys.executable, "-m", "analytics", "audit-verify"], cwd=ROOT, env=env,
                          capture_output=True, timeout=60).returncode == 1


def test_unknown_action_is_refused(tmp_path):
    with pytest.raises(ValueError):
        appdb.record(tmp_path / "app.duckdb", "x", "admin", "delete")
    assert not appdb.log_path(tmp_path / "app.duckdb").exists()


# -- migration: an app.duckdb of the earlier version ------------------------------------------
OLD_SCHEMA = """CREATE TABLE audit ("at" TIMESTAMP NOT NULL, "user" VARCHAR NOT NULL,
    role VARCHAR NOT NULL, action VARCHAR NOT NULL, target VARCHAR, reason VARCHAR, filters JSON)"""


@pytest.fixture
def old_db(tmp_path) -> Path:
    path = tmp_path / "app.duckdb"
    con = duckdb.connect(str(path))
    con.execute(OLD_SCHEMA)
    con.execute("INSERT INTO audit VALUES "
                "('2024-01-01 08:00', '老张', 'admin', 'export', 'a.csv', NULL, '{\"x\": 1}'),"
                "('2024-01-02 08:00', '老李', 'recruiter', 'unmask', 'T1', '电话邀约', '{}')")
    con.close()
    return path


def test_an_old_app_db_keeps_working_and_its_rows_are_unchained(old_db):
    before = old_db.read_bytes()
    assert appdb.verify_chain(old_db) == \
        (True, None, "审计链为空 (无 app.audit.jsonl); 此前 2 行为无链旧记录 (unchained)")
    appdb.record(old_db, "新", "admin", "load", "b.csv", at=dt.datetime(2024, 2, 1))
    rows = appdb.audit_rows(old_db, with_seq=True)
    assert rows[["user", "action", "target", "reason", "filters", "seq"]].values.tolist() == [
        ["新", "load", "b.csv", None, "{}", 1],
        ["老李", "unmask", "T1", "电话邀约", "{}", None],
        ["老张", "export", "a.csv", None, '{"x": 1}', None]]
    assert rows["at"].tolist() == [pd.Timestamp("2024-02-01"), pd.Timestamp("2024-01-02 08:00"),
                                   pd.Timestamp("2024-01-01 08:00")]
    assert appdb.audit_rows(old_db, limit=2)["user"].tolist() == ["新", "老李"]
    ok, broken, message = appdb.verify_chain(old_db)
    assert (ok, broken) == (True, None)
    assert message.startswith("审计链完整: seq 1–1, 末行 hash ")
    assert message.endswith("; 此前 2 行为无链旧记录 (unchained)")
    assert old_db.read_bytes() == before  # the old file is only ever copied


# -- reading never holds up writing ------------------------------------------------------------
def _spawn(code: str, *args: str) -> subprocess.Popen:
    """A second Python process; it prints 'ready' when it holds what it holds."""
    p = subprocess.Popen([sys.executable, "-c", textwrap.dedent(code), *args], cwd=ROOT,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert p.stdout.readline().strip() == "ready", p.stderr.read()
    return p


@pytest.mark.parametrize("read_only", [True, False])
def test_a_write_succeeds_promptly_while_another_process_holds_the_db(old_db, read_only):
    """An auditor's DuckDB session on app.duckdb (read-only — or even read-write, like an old
    version still running) that has also queried the log: writes and reads go on."""
    holder = _spawn("""
        import sys, time, duckdb
        con = duckdb.connect(sys.argv[1], read_only=sys.argv[3] == "1")
        con.execute("SELECT count(*) FROM audit").fetchall()
        print("ready", flush=True)
        time.sleep(60)
    """, str(old_db), str(appdb.log_path(old_db)), "1" if read_only else "0")
    try:
        times = []
        for i in range(5):
            t0 = time.monotonic()
            appdb.record(old_db, "u", "recruiter", "export", f"{i}.csv")
            times.append(time.monotonic() - t0)
        # blocked, a write fails after LOCK_WAIT_S (before: AuditError after 15 s); the bound
        # leaves room for fsyncs on a loaded CI machine
        assert max(times) < appdb.LOCK_WAIT_S / 2, times
        assert len(appdb.audit_rows(old_db)) == 7  # 5 chained, 2 unchained through a copy
        assert appdb.verify_chain(old_db)[0]
        assert holder.poll() is None  # the holder kept its connection throughout
    finally:
        holder.kill()
        holder.wait()


def test_readers_in_another_process_never_block_writers(tmp_path):
    """One process verifies and reads the log in a loop (DuckDB's read_json too) while this one
    writes from 4 threads and a third process writes as well: every write succeeds promptly,
    every read sees an intact chain, and the final chain holds every row."""
    db = tmp_path / "app.duckdb"
    appdb.record(db, "first", "admin", "export", "0")
    reader = _spawn("""
        import sys, duckdb
        from access import appdb
        print("ready", flush=True)
        seen = bad = 0
        while True:
            ok, broken, msg = appdb.verify_chain(sys.argv[1])
            bad += not ok
            seen = max(seen, len(appdb.audit_rows(sys.argv[1])))
            seqs = [r[0] for r in duckdb.sql(sys.argv[4]).fetchall()]
            bad += seqs != list(range(1, len(seqs) + 1))
            if seen >= int(sys.argv[3]):
                break
        print(seen, bad, flush=True)
    """, str(db), str(appdb.log_path(db)), "161", documented_query(appdb.log_path(db)))
    writer = _spawn("""
        import sys
        from access import appdb
        print("ready", flush=True)
        for i in range(40):
            appdb.record(sys.argv[1], "proc", "admin", "export", str(i))
    """, str(db))
    slowest = []

    def write(t):
        for i in range(30):
            t0 = time.monotonic()
            appdb.record(db, f"t{t}", "recruiter", "export", str(i))
            slowest.append(time.monotonic() - t0)
    threads = [threading.Thread(target=write, args=(t,)) for t in range(4)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert writer.wait(60) == 0, writer.stderr.read()
    out, err = reader.communicate(timeout=60)
    assert out.split() == ["161", "0"], err  # saw every row; never a broken chain
    assert max(slowest) < appdb.LOCK_WAIT_S / 2  # a blocked writer would wait it out and fail
    assert appdb.verify_chain(db)[:2] == (True, None)
    rows = _lines(db)
    assert [r["seq"] for r in rows] == list(range(1, 162))
    assert sorted(r["user"] for r in rows).count("proc") == 40


@pytest.mark.parametrize("cut", [1, 40, -2])
def test_the_documented_duckdb_query_skips_a_line_caught_mid_append(tmp_path, cut):
    """A reader can see the last line half-written (an append crossing a page boundary becomes
    visible page by page; CI caught a bare read_json failing on it): the query docs/roles.md
    gives returns the complete rows and not the unfinished one, and on a log whose only line is
    unfinished it returns nothing rather than failing."""
    db = tmp_path / "app.duckdb"
    _fill(db, 3)
    log = appdb.log_path(db)
    whole = log.read_bytes()
    assert [r[0] for r in duckdb.sql(documented_query(log)).fetchall()] == [1, 2, 3]
    appdb.record(db, "u4", "recruiter", "export", "file4.csv")
    last = log.read_bytes()[len(whole):]
    log.write_bytes(whole + last[:cut])
    rows = duckdb.sql(documented_query(log)).fetchall()
    assert [r[0] for r in rows] == [1, 2, 3]
    assert [r[2] for r in rows] == ["u1", "u2", "u3"]
    assert rows[0][1] == T0 + dt.timedelta(minutes=1)  # "at" typed as a timestamp
    log.write_bytes(last[:cut])
    assert duckdb.sql(documented_query(log)).fetchall() == []
