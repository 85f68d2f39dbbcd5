"""bin/keep_running.py, which the Procfile and `make worker` / `make beat` run the Celery processes under:
a process that fails comes back, one that stops cleanly or is asked to stop does not."""

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

from stageslot.tests.worker import ROOT, wait_until

KEEP_RUNNING = ROOT / "bin" / "keep_running.py"
QUICK = ["--first-wait", "0.1", "--max-wait", "0.2"]


def command(tmp_path: Path, body: str) -> list[str]:
    """A Python program that counts its runs in tmp_path/runs (`run` is this run's number) and then does `body`."""
    program = tmp_path / "program.py"
    program.write_text(
        textwrap.dedent(
            f"""
            import os, signal, sys, time
            from pathlib import Path
            runs = Path({str(tmp_path / "runs")!r})
            run = len(runs.read_text()) + 1 if runs.exists() else 1
            runs.write_text("x" * run)
            """
        )
        + textwrap.dedent(body)
    )
    return [sys.executable, str(program)]


def keep_running(*args: str, timeout: float = 20) -> subprocess.CompletedProcess:
    return subprocess.run(  # noqa: S603
        [sys.executable, str(KEEP_RUNNING), *args], capture_output=True, text=True, timeout=timeout
    )


def runs(tmp_path: Path) -> int:
    path = tmp_path / "runs"
    return len(path.read_text()) if path.exists() else 0


def test_a_command_that_fails_is_started_again_with_a_growing_wait_until_it_stops_cleanly(tmp_path):
    failing_twice = command(tmp_path, "sys.exit(3 if run < 3 else 0)")
    result = keep_running(*QUICK, "--", *failing_twice)
    assert result.returncode == 0
    assert runs(tmp_path) == 3
    lines = result.stderr.splitlines()
    assert len(lines) == 2, result.stderr
    assert "exited with status 3" in lines[0] and "starting it again in 0.1 s (restart 1)" in lines[0]
    assert "starting it again in 0.2 s (restart 2)" in lines[1]


def test_its_lines_are_json_when_the_sites_are(tmp_path):
    failing_once = command(tmp_path, "sys.exit(3 if run < 2 else 0)")
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "stageslot.settings.production"}
    env.pop("DJANGO_LOG_FORMAT", None)
    result = subprocess.run(  # noqa: S603
        [sys.executable, str(KEEP_RUNNING), *QUICK, "--", *failing_once], capture_output=True, text=True, env=env
    )
    (line,) = [json.loads(line) for line in result.stderr.splitlines()]
    assert (line["level"], line["logger"]) == ("WARNING", "keep_running")
    assert "exited with status 3" in line["message"]


def test_a_killed_command_is_started_again(tmp_path):
    killed_once = command(tmp_path, "os.kill(os.getpid(), signal.SIGKILL) if run == 1 else sys.exit(0)")
    result = keep_running(*QUICK, "--", *killed_once)
    assert result.returncode == 0
    assert runs(tmp_path) == 2
    assert "was killed by SIGKILL" in result.stderr


def test_a_clean_exit_is_not_restarted(tmp_path):
    result = keep_running(*QUICK, "--", *command(tmp_path, "sys.exit(0)"))
    assert (result.returncode, runs(tmp_path), result.stderr) == (0, 1, "")


def test_a_stop_asked_of_the_loop_reaches_the_command_once_and_ends_the_loop(tmp_path):
    # The command stops cleanly on its first SIGTERM and says how many it got.
    waits_for_term = command(
        tmp_path,
        """
        terms = []
        signal.signal(signal.SIGTERM, lambda *_: terms.append(1))
        while not terms:
            time.sleep(0.05)
        time.sleep(0.3)
        Path(str(runs) + ".terms").write_text(str(len(terms)))
        sys.exit(0)
        """,
    )
    loop = subprocess.Popen(  # noqa: S603
        [sys.executable, str(KEEP_RUNNING), *QUICK, "--", *waits_for_term], stderr=subprocess.PIPE, text=True
    )
    assert wait_until(lambda: runs(tmp_path) == 1, timeout=10)
    time.sleep(0.3)  # its handler is installed
    loop.send_signal(signal.SIGTERM)
    _, stderr = loop.communicate(timeout=10)
    assert loop.returncode == 0
    assert (runs(tmp_path), stderr) == (1, "")
    assert (tmp_path / "runs.terms").read_text() == "1"


def test_the_worker_and_beat_run_under_it():
    procfile = (ROOT / "Procfile").read_text()
    makefile = (ROOT / "Makefile").read_text()
    for process in ("worker", "beat"):
        assert f"{process}: python bin/keep_running.py -- celery -A stageslot {process}" in procfile
        assert f"$(BIN)/python bin/keep_running.py -- $(BIN)/celery -A stageslot {process}" in makefile
