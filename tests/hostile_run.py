"""Running `nianbao` on hostile inputs as a user would, and looking at what it wrote: the helpers
shared by tests/test_hostile.py and tests/test_hostile_outputs.py."""

from __future__ import annotations

import os
import re
import sys
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from typer.testing import CliRunner

from toolkit.cli.cli import app

__all__ = [
    "MAX_RSS",
    "MAX_SECONDS",
    "Run",
    "codes",
    "csv_cells",
    "feedback_is_sound",
    "formulas_in",
    "hashes",
    "read_report",
    "run_cli",
    "sane",
]

runner = CliRunner()

# CPU seconds of the command and its workers: what a file makes us do, whatever else the machine
# is doing (wall time under other load is no measure of that); a hang is the kill timer's job.
MAX_SECONDS = 10
MAX_RSS = 1024**3  # bytes, the command and its workers together
CAP = 4 * 1024**3  # address space of a command run by a test
NIANBAO = str(Path(sys.executable).with_name("nianbao"))


@dataclass(frozen=True)
class Run:
    exit: int
    output: str
    seconds: float  # CPU time of the command and its workers (user + system)
    rss: int  # peak resident bytes of the process and its waited-for children (0 in process)


def run_cli(args: list[str], *, process: bool = False, limit: float = 40) -> Run:
    """`nianbao ARGS` in process (CliRunner) or as a real subprocess, with its peak memory."""
    import subprocess
    import tempfile
    import threading
    import time

    if not process:
        import resource

        before = time.process_time() + _children_cpu(resource)
        result = runner.invoke(app, args, terminal_width=200)
        output, code = result.output, result.exit_code
        if result.exception is not None and not isinstance(result.exception, SystemExit):
            # what `main()` would print: the test sees an internal error as the user would
            output += (
                f"\n错误：nianbao 内部错误（{type(result.exception).__name__}：{result.exception}）"
            )
            code = 2
        spent = time.process_time() + _children_cpu(resource) - before
        return Run(code, output, spent, 0)
    env = {**os.environ, "COLUMNS": "200", "PYTHONIOENCODING": "utf-8"}
    with tempfile.TemporaryFile() as out:
        proc = subprocess.Popen(
            [NIANBAO, *args],
            stdout=out,
            stderr=subprocess.STDOUT,
            env=env,
            preexec_fn=cap_memory,
        )
        timer = threading.Timer(limit, proc.kill)  # a hang fails the test, never the suite
        timer.start()
        _, status, usage = os.wait4(proc.pid, 0)  # rusage of the command and its workers
        timer.cancel()
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        output = out.read().decode("utf-8", "replace")
    cpu = usage.ru_utime + usage.ru_stime  # includes the workers the command waited for
    return Run(proc.returncode, output, cpu, usage.ru_maxrss * 1024)


def _children_cpu(resource: Any) -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def cap_memory() -> None:
    """A runaway command (reading /dev/zero, say) fails its test instead of exhausting the
    machine; the cap is far above the 1 GB the tests allow."""
    import resource

    resource.setrlimit(resource.RLIMIT_AS, (CAP, CAP))


def hashes(path: Path) -> dict[str, str]:
    """sha256 of every regular file at or below `path` (devices and FIFOs are never opened)."""
    import hashlib
    import stat

    found = {}
    for candidate in [path, *(path.rglob("*") if path.is_dir() else [])]:
        info = os.lstat(candidate)
        if stat.S_ISREG(info.st_mode):
            found[str(candidate)] = hashlib.sha256(candidate.read_bytes()).hexdigest()
    return found


def read_report(path: Path) -> dict[str, Any]:
    import json

    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}


def codes(report: dict[str, Any]) -> set[str]:
    return {f["code"] for r in report.get("files", []) for f in r["findings"]} | {
        f["code"] for f in report.get("batch_findings", [])
    }


def sane(run: Run) -> None:
    assert "Traceback" not in run.output and "内部错误" not in run.output, run.output[-2000:]
    assert re.search(r"[\u4e00-\u9fff]", run.output), run.output  # something said in Chinese


def feedback_is_sound(folder: Path) -> None:
    """A copy and an email text were written; names are short and plain, cells within Excel's
    limit of 32,767 characters."""
    names = [p.name for p in folder.iterdir()]
    assert any(n.endswith(".xlsx") for n in names) and any(n.endswith(".txt") for n in names)
    for name in names:
        assert len(name.encode("utf-8")) <= 255
        assert not re.search(r"[\x00-\x1f\x7f\u200e\u200f\u202a-\u202e\u2066-\u2069]", name)
    for path in folder.glob("*.xlsx"):
        with zipfile.ZipFile(path) as archive:
            for part in archive.namelist():
                if part.endswith(".xml"):
                    for text in re.findall(rb"<t[^>]*>([^<]*)</t>", archive.read(part)):
                        assert len(text.decode("utf-8")) <= 32_767, (path.name, part)


# ------------------------------------------------------------------------------------------------
# Scanning outputs
# ------------------------------------------------------------------------------------------------


def formulas_in(folder: Path) -> list[tuple[str, str, str]]:
    """Every formula of every .xlsx below `folder`: (file, part, formula text), from the cells of
    every sheet and the defined names, read straight from the package."""
    import xml.etree.ElementTree as ET

    main = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
    found = []
    for path in sorted(folder.rglob("*.xlsx")):
        with zipfile.ZipFile(path) as archive:
            for name in archive.namelist():
                if not (name.startswith("xl/worksheets/") or name == "xl/workbook.xml"):
                    continue
                if not name.endswith(".xml"):
                    continue
                root = ET.fromstring(archive.read(name))
                for element in root.iter(f"{main}f"):
                    found.append((str(path), name, element.text or ""))
                for element in root.iter(f"{main}definedName"):
                    found.append((str(path), name, element.text or ""))
    return found


def csv_cells(folder: Path) -> list[str]:
    import csv

    cells = []
    for path in sorted(folder.rglob("*.csv")):
        with path.open(encoding="utf-8-sig", newline="") as handle:
            cells += [cell for row in csv.reader(handle) for cell in row]
    return cells
