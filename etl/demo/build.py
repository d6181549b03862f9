"""The first-run demo build as a background job of the dashboard's process.

``start(db, raw_dir, scale)`` runs ``python -m etl --db DB demo --scale S --out RAW`` (generate
and load through the ETL's front door) in a child process, from a daemon thread, once per
database path and process: the first session starts it, every other session that arrives while
it runs follows the same job instead of starting a second load. Its progress (the command's
stderr lines) is mapped to a fraction for a progress bar. A child process, not the server's own
interpreter: nothing the build does can take the server down, and the generator's memory is
returned when it ends (store/jobs.py runs loads the same way).
"""

from __future__ import annotations

import re
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
_GENERATE = re.compile(r"生成\s+(\d+)%")
_FILE = re.compile(r"^\[(\d+)/(\d+)\]")
GENERATE_SHARE = 0.45  # of the progress bar (measured: about the same as the load)


@dataclass
class DemoBuild:
    """One build: its progress while it runs, then ``error`` (None when it published)."""
    db: Path
    message: str = "准备中 …"
    fraction: float = 0.0
    done: bool = False
    error: str | None = None
    started: float = field(default_factory=time.monotonic)
    seconds: float = 0.0
    lines: list[str] = field(default_factory=list)

    def wait(self, timeout: float | None = None) -> bool:
        """Block until done (or timeout); True when done."""
        deadline = None if timeout is None else time.monotonic() + timeout
        while not self.done:
            if deadline is not None and time.monotonic() > deadline:
                return False
            time.sleep(0.1)
        return True

    def follow(self, line: str) -> None:
        """Take one stderr line of the command as progress."""
        self.lines.append(line)
        if m := _GENERATE.search(line):
            self.fraction = GENERATE_SHARE * int(m.group(1)) / 100
            self.message = "生成演示数据: " + line.split("%", 1)[-1].strip()
        elif m := _FILE.match(line):
            done, total = int(m.group(1)) - 1, int(m.group(2))
            self.fraction = GENERATE_SHARE + (1 - GENERATE_SHARE) * 0.9 * done / total
            self.message = f"加载第 {m.group(1)}/{m.group(2)} 个文件: {Path(line.split(']', 1)[1].strip()).name}"
        elif "汇总表" in line:
            self.fraction = max(self.fraction, 0.95)
            self.message = line.strip()


WAIT_OTHER_S = 600.0
_JOBS: dict[Path, DemoBuild] = {}
_LOCK = threading.Lock()


def command(db: Path, raw_dir: Path, scale: str, seed: int) -> list[str]:
    return [sys.executable, "-m", "etl", "--db", str(db), "demo", "--scale", scale,
            "--seed", str(seed), "--out", str(raw_dir)]


def start(db: Path, raw_dir: Path, scale: str = "small", seed: int = 42) -> DemoBuild:
    """The build of ``db``: the running one, or a new one started now (a finished one that
    failed is started again)."""
    db = Path(db).resolve()
    with _LOCK:
        job = _JOBS.get(db)
        if job is None or (job.done and job.error):
            job = DemoBuild(db)
            _JOBS[db] = job
            threading.Thread(target=_run, args=(job, Path(raw_dir), scale, seed),
                             name="demo-build", daemon=True).start()
        return job


def _run(job: DemoBuild, raw_dir: Path, scale: str, seed: int) -> None:
    try:
        proc = subprocess.Popen(command(job.db, raw_dir, scale, seed), cwd=ROOT,
                                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                                encoding="utf-8", errors="replace")
        for line in proc.stderr:
            job.follow(line.rstrip("\n"))
        code = proc.wait()
        if code != 0 and any("另一个加载进程正在写入" in x for x in job.lines):
            job.message = "另一个进程正在构建演示数据库, 等待完成 …"
            _wait_for(job.db, WAIT_OTHER_S)
        if not job.db.exists():
            last = next((x for x in reversed(job.lines) if x.strip()), "")
            job.error = f"演示数据构建失败 (退出码 {code}): {last}"
        elif code != 0:  # another process published it first: that one is as good
            job.message = "另一个进程已构建演示数据库"
    except OSError as e:
        job.error = f"演示数据构建无法启动: {e}"
    finally:
        job.fraction = 1.0 if job.error is None else job.fraction
        job.seconds = time.monotonic() - job.started
        job.done = True


def _wait_for(path: Path, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while not path.exists() and time.monotonic() < deadline:
        time.sleep(0.5)
