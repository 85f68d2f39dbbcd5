"""bin/cpu_by_process.py, which .ci/run starts beside its jobs: each kind of process CI meets is named as itself, and a
busy process started while it reads is counted under its kind."""

import subprocess
import sys
import time
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bin"))
import cpu_by_process

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(
    ("command", "kind"),
    [
        ("/usr/lib/chromium/chromium-headless-shell --type=renderer --headless=old", "Chromium: renderers (pages)"),
        ("/usr/lib/chromium/chromium-headless-shell --disable-background-networking", "Chromium: browser processes"),
        ("postgres: 15/main: postgres test_stageslot_ci_1_gw0", "PostgreSQL: server and backends"),
        ("postgres: 15/main: postgres test_stageslot_ci_1_pool", "PostgreSQL: the pooler job's backends"),
        (
            "/x/.venv/bin/python -u -c import sys;exec(eval(sys.stdin.readline()))",
            "pytest-xdist test processes (both stages)",
        ),
        ("/x/.venv/bin/python -m pytest -n 0 --reuse-db -p no:randomly", "the pooler job's pytest"),
        ("/x/.venv/bin/python -m celery -A stageslot worker", "Celery workers and beats started by tests"),
        ("/x/.venv/bin/python /x/.venv/bin/gunicorn stageslot.wsgi", "gunicorn nodes started by tests"),
        ("/x/.venv/bin/python manage.py lint_migrations", "lint, checks, catalogues"),
        ("/x/.venv/bin/python -m payments.localstripe --port 8421", "stand-ins for outside services"),
    ],
)
def test_each_kind_of_process_ci_meets_is_named_as_itself(command, kind):
    assert cpu_by_process.kind_of(command, "name") == kind


def test_an_unknown_program_is_named_by_its_process_name():
    assert cpu_by_process.kind_of("/usr/bin/some-daemon --flag", "some-daemon") == "some-daemon"


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads Linux's /proc")
def test_a_busy_process_started_while_it_reads_is_counted_under_its_kind(tmp_path):
    stop, out, ready = tmp_path / "stop", tmp_path / "cpu.txt", tmp_path / "ready"
    reader = subprocess.Popen(  # noqa: S603
        [
            sys.executable,
            str(ROOT / "bin" / "cpu_by_process.py"),
            "--until",
            str(stop),
            "--interval",
            "0.1",
            "--out",
            str(out),
            "--ready",
            str(ready),
        ]
    )
    # Its first reading taken before the busy process starts: none of that process's CPU is taken as spent before.
    for _ in range(600):
        if ready.exists():
            break
        time.sleep(0.05)
    assert ready.exists(), "the reader took no first reading"
    # About half a second of CPU in a Python process that names no kind of its own.
    subprocess.run(
        [
            sys.executable,
            "-c",
            "import time\nend = time.process_time() + 0.6\nwhile time.process_time() < end: pass\ntime.sleep(2.0)",
        ],
        check=True,
    )
    stop.touch()
    assert reader.wait(timeout=30) == 0
    lines = out.read_text().splitlines()
    assert lines[0].startswith("CPU by kind of process, core-seconds")
    counted = {line[12:]: float(line[:10]) for line in lines[1:]}
    assert counted["other Python processes (benchmarks and scripts tests start)"] >= 0.4, lines
