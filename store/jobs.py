"""A load as a job: what it reports (``FileResult``, ``LoadReport``) and how a long-lived server
starts one (``load_files_isolated``: ``python -m etl load`` in a child process, its report read
back as JSON). The dashboard starts loads through here and never imports the ETL.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import settings
from store.errors import MappingError, PublishError

ROOT = Path(__file__).resolve().parent.parent
ETL_COMMAND = (sys.executable, "-m", "etl")  # the crash tests run it with a fault point armed
Progress = Callable[[str], None]


@dataclass
class FileResult:
    file: str
    status: str                 # loaded | skipped | failed
    kind: str | None = None
    rows_read: int = 0
    rows_loaded: int = 0
    rows_quarantined: int = 0
    message: str | None = None
    seconds: float = 0.0
    unmapped: list[str] = field(default_factory=list)  # columns of the file that map to nothing
    absent: list[str] = field(default_factory=list)    # mapping-file columns the file lacks
    rows_warned: int = 0        # rows kept with a field left empty (a field warning)


@dataclass
class LoadReport:
    files: list[FileResult] = field(default_factory=list)
    version: str | None = None

    @property
    def ok(self) -> bool:
        return all(f.status != "failed" for f in self.files)


def load_files_isolated(paths: list[Path], *, progress: Progress | None = None,
                        kind: str | None = None, mapping_file: Path | None = None,
                        source: str | None = None, db_path: Path | None = None) -> LoadReport:
    """``load_files`` run as ``python -m etl load`` in a child process, for a long-lived server
    (the dashboard): nothing a file contains, and no failure of the load itself, can take the
    server down. (A subprocess, not multiprocessing: a Streamlit script is the server's
    ``__main__``, and multiprocessing would run it again in the child.) Progress lines are
    relayed as they come; the load's own errors (PublishError, MappingError) are raised here as
    they would be in-process."""
    say = progress or (lambda _m: None)
    with tempfile.TemporaryDirectory(prefix="talentmap-load-") as tmp:
        out = Path(tmp) / "report.json"
        cmd = [*ETL_COMMAND, "--db", str(db_path or settings.path("db_path")),
               "load", *[str(p) for p in paths], "--report-json", str(out)]
        for flag, value in (("--kind", kind), ("--mapping", mapping_file), ("--source", source)):
            if value:
                cmd += [flag, str(value)]
        proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                                text=True, encoding="utf-8", errors="replace")
        last = ""
        for line in proc.stderr:
            line = line.rstrip("\n")
            if line and not line.startswith(("错误: ", "提示: ")):
                say(line)
            last = line or last
        code = proc.wait()
        if not out.exists():
            raise PublishError(
                f"加载进程意外终止 (退出码 {code}); 已发布的数据库未改变"
                + (f": {last}" if code >= 0 and last else ""))
        data = json.loads(out.read_text(encoding="utf-8"))
    if "error" in data:
        err = data["error"]
        raise (MappingError if err["type"] == "MappingError"
               else PublishError)(err["message"])
    return LoadReport([FileResult(**f) for f in data["files"]], data["version"])
