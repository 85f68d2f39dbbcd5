"""The Procfile's web process: gunicorn arguments it really takes, fit for long transactions."""

import re
import shlex
from pathlib import Path

from gunicorn.config import Config

PROCFILE = Path(__file__).resolve().parents[2] / "Procfile"


def processes() -> dict[str, str]:
    lines = (line.split(":", 1) for line in PROCFILE.read_text().splitlines() if line.strip())
    return {name.strip(): command.strip() for name, command in lines}


def web_settings(**env: str) -> Config:
    """gunicorn's own reading of the web line, with ${VAR:-default} filled in from `env`."""

    def fill(match: re.Match) -> str:
        return env.get(match.group(1), match.group(2))

    command = re.sub(r"\$\{(\w+):-([^}]*)\}", fill, processes()["web"])
    words = shlex.split(command)
    assert words[0] == "gunicorn"
    config = Config()
    parsed = config.parser().parse_args(words[1:])
    for name, value in vars(parsed).items():
        if value is not None and name in config.settings:
            config.set(name, value)
    return config


def test_the_procfile_names_every_process():
    assert set(processes()) == {"release", "web", "worker", "worker-urgent", "beat"}


def test_web_workers_take_requests_on_threads_and_outlast_a_long_transaction():
    """An accept queued behind a band's lock, or a photo being re-encoded, holds one thread, not a whole
    worker; a sync worker silent for gunicorn's default 30 s was killed in the middle of it."""
    config = web_settings()
    assert config.worker_class_str == "gthread"
    assert config.threads == 4
    assert config.workers == 3
    assert config.timeout == 60
    assert config.graceful_timeout == 30
    # Recycled now and then, so what Pillow's decoding leaves in a process does not pile up.
    assert config.max_requests == 20000 and config.max_requests_jitter == 10000
    assert config.bind == ["0.0.0.0:8000"]


def test_the_environment_sets_workers_threads_and_port():
    config = web_settings(WEB_CONCURRENCY="5", WEB_THREADS="8", PORT="9000")
    assert (config.workers, config.threads, config.bind) == (5, 8, ["0.0.0.0:9000"])


def test_workers_are_recycled_one_at_a_time_and_start_at_once():
    """Recycled workers must not all start again together: with 2 workers at ~100 requests a second, a
    jitter of 100 on 1,000 sent both away within seconds of each other and the site stopped answering
    while each imported the whole application (3 s of CPU). A wide jitter spreads the recycles, and
    --preload forks each new worker from a master that has imported and warmed it (stageslot/warm.py)."""
    config = web_settings()
    assert config.preload_app
    assert config.max_requests_jitter >= config.max_requests // 2


def test_the_web_line_loads_the_hooks_that_let_a_worker_exit_at_once(tmp_path):
    """deploy/gunicorn.conf.py's worker_exit ends a stopped worker with its own exit code, without Python's
    teardown of the whole application (seconds of CPU after every HUP: docs/decisions/0065)."""
    import subprocess
    import sys

    config = web_settings()
    assert config.config == "deploy/gunicorn.conf.py"
    hooks = PROCFILE.parent / config.config
    script = (
        "import runpy, sys, atexit\n"
        "atexit.register(lambda: print('teardown ran'))\n"
        f"hooks = runpy.run_path({str(hooks)!r})\n"
        "try:\n"
        "    sys.exit(int(sys.argv[1]))\n"
        "finally:\n"
        "    hooks['worker_exit'](None, None)\n"
    )
    for code in (0, 3):
        ended = subprocess.run(  # noqa: S603 - this interpreter and this test's own script
            [sys.executable, "-c", script, str(code)], capture_output=True, text=True, timeout=60, check=False
        )
        assert ended.returncode == code and "teardown ran" not in ended.stdout


def test_each_worker_is_forked_from_a_frozen_master_and_readied_before_its_first_connection(monkeypatch):
    """pre_fork puts the loaded application out of the collector's reach (a full collection of it took a
    new worker 1.1 to 1.5 s, its requests waiting); post_worker_init, which gunicorn runs before the worker
    accepts, opens its first connections (docs/decisions/0087-reloads-that-never-stall.md)."""
    import gc
    import runpy
    import threading
    from types import SimpleNamespace

    import stageslot.warm

    hooks = runpy.run_path(str(PROCFILE.parent / web_settings().config))
    readied = []
    monkeypatch.setattr(stageslot.warm, "worker_warm_up", lambda: readied.append(True))
    # Frozen before by another test of this process (stageslot/tests/source.py freezes what a parse leaves):
    # pre_fork must freeze more.
    frozen = gc.get_freeze_count()
    try:
        hooks["pre_fork"](SimpleNamespace(), None)
        assert gc.get_freeze_count() > frozen
    finally:
        gc.unfreeze()
    hooks["post_worker_init"](None)
    assert readied == [True]
    # And each of a gthread worker's request threads, all started: their own connection and compiled reads.
    from concurrent.futures import ThreadPoolExecutor

    threads = set()
    monkeypatch.setattr(stageslot.warm, "thread_warm_up", lambda: threads.add(threading.get_ident()))
    with ThreadPoolExecutor(max_workers=3) as pool:
        hooks["post_worker_init"](SimpleNamespace(tpool=pool, cfg=SimpleNamespace(threads=3)))
    assert readied == [True, True] and len(threads) == 3


def test_an_old_worker_told_to_stop_by_a_reload_serves_until_a_new_one_is_warm(monkeypatch):
    """gunicorn stops the old workers the moment it has forked a reload's new ones; each old worker goes
    once a new one is warm (post_worker_init), so that some worker always takes connections. A stop that
    is not a reload's is at once."""
    import runpy
    import signal
    import threading
    from types import SimpleNamespace

    import stageslot.warm

    hooks = runpy.run_path(str(PROCFILE.parent / web_settings().config))
    monkeypatch.setattr(stageslot.warm, "worker_warm_up", lambda: None)
    server = SimpleNamespace()

    def worker() -> SimpleNamespace:
        stopped = threading.Event()
        forked = SimpleNamespace(handle_exit=lambda sig, frame: stopped.set(), stopped=stopped)
        hooks["pre_fork"](server, forked)
        hooks["post_fork"](server, forked)
        return forked

    handler = signal.getsignal(signal.SIGTERM)
    try:
        old, other = worker(), worker()
        hooks["_stop_when_replaced"](other, signal.SIGTERM, None)
        assert other.stopped.is_set(), "no reload: a stop is at once"

        hooks["on_reload"](server)
        hooks["_stop_when_replaced"](old, signal.SIGTERM, None)
        new = worker()
        assert not old.stopped.wait(0.05), "the old worker serves while the new one warms up"
        hooks["post_worker_init"](new)
        assert old.stopped.wait(5), "the new worker is warm: the old one goes"
    finally:
        signal.signal(signal.SIGTERM, handler)
        import gc

        gc.unfreeze()


def test_the_topology_runs_every_background_process_production_runs():
    """bin/topology.py runs what the Procfile runs beside web and release (the urgent queue's worker too)."""
    from stageslot.tests.test_backups import load_script

    topology = load_script("topology")
    assert set(topology.BACKGROUND) == set(processes()) - {"web", "release"}
