"""bin/topology.py's start, without starting a topology (docs/decisions/0086-an-image-and-a-compose-file.md): the
ports it is given and chooses, nodes on loopback, and a start stopped half-way that leaves nothing behind –
neither with Ctrl-C or SIGTERM to `up`, nor with `up` killed outright and `down` run after it."""

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import psycopg
import pytest

from stageslot.tests.test_backups import database_url, load_script

topology_script = load_script("topology")
ROOT = Path(__file__).resolve().parents[2]


def test_the_nodes_listen_on_loopback_whatever_the_procfile_binds():
    words = topology_script.procfile_command("web", {"PORT": "9001"})
    assert words[words.index("--bind") + 1] == "0.0.0.0:9001"
    loopback = topology_script.bind_loopback(words)
    assert loopback[loopback.index("--bind") + 1] == "127.0.0.1:9001"
    assert topology_script.bind_loopback(["gunicorn", "--bind=0.0.0.0:80"]) == ["gunicorn", "--bind=127.0.0.1:80"]


def test_ports_it_chooses_never_take_one_it_was_given_or_gave_already(tmp_path, monkeypatch):
    """The system calls a port free until something binds it: the proxy's port, named but not yet bound by
    nginx, was once handed to a node as well."""
    offered = iter([8443, 8443, 40001, 40001, 40002, 40001, 40003, 40004, 40002, 40005])
    monkeypatch.setattr(topology_script, "free_port", lambda: next(offered))
    monkeypatch.setattr(topology_script, "port_free", lambda port: True)
    site = topology_script.Topology(tmp_path, ports=(8443,), for_tests=True)
    site._ports_choose()
    chosen = [site.port, *(n.port for n in site.nodes.values()), *site.direct_ports.values(), site.moto_port]
    assert chosen[0] == 8443 and sorted(chosen[1:]) == [40001, 40002, 40003, 40004, 40005]


def test_ports_named_are_kept_and_refused_when_taken_or_named_twice(tmp_path, monkeypatch):
    monkeypatch.setattr(topology_script, "port_free", lambda port: port != 8002)
    site = topology_script.Topology(tmp_path, ports=(8443, 8001, 0))
    site._ports_choose()
    assert (site.port, site.nodes["node1"].port) == (8443, 8001)
    assert site.nodes["node2"].port not in {8443, 8001, 0}
    with pytest.raises(topology_script.TopologyError, match=r"Port 8002 \(node2\) is taken"):
        topology_script.Topology(tmp_path, ports=(8443, 8001, 8002))._ports_choose()
    with pytest.raises(topology_script.TopologyError, match="one port twice"):
        topology_script.Topology(tmp_path, ports=(8443, 8443))._ports_choose()


@pytest.mark.parametrize(
    ("text", "ports"), [("8443", (8443,)), ("8443,8001,8002", (8443, 8001, 8002)), ("0,8001,", (0, 8001, 0))]
)
def test_the_ports_option_names_the_proxys_and_the_nodes(text, ports):
    assert topology_script.ports_parse(text) == ports


@pytest.mark.parametrize("text", ["eighty", "8443,8001,8002,8003", "70000"])
def test_the_ports_option_refuses_what_is_not_ports(text):
    with pytest.raises(topology_script.argparse.ArgumentTypeError):
        topology_script.ports_parse(text)


# --- A start stopped half-way ---------------------------------------------------------------------------
def up_until_it_migrates(directory: Path, server: str) -> tuple[subprocess.Popen, dict]:
    """`up` in a process of its own (its output in DIR.log), and its state once the Procfile's release line
    (migrate) runs."""
    env = {**os.environ, "STAGESLOT_TOPOLOGY_POSTGRES": server}
    with directory.with_suffix(".log").open("w") as output:
        up = subprocess.Popen(  # noqa: S603 (this interpreter and the project's own script)
            [sys.executable, str(ROOT / "bin" / "topology.py"), "up", "--dir", str(directory), "--no-workers"],
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        state_file = directory / topology_script.STATE
        try:
            state = json.loads(state_file.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            state = {}
        if "release" in state.get("pids", {}):
            return up, state
        assert up.poll() is None, directory.with_suffix(".log").read_text()
        time.sleep(0.05)
    up.kill()
    raise AssertionError("up did not reach its migrate within 60 s")


def left_behind(state: dict, server: str) -> list[str]:
    database = state["database_url"].rsplit("/", 1)[1]
    with psycopg.connect(server, autocommit=True) as conn:
        found = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [database]).fetchone()
    alive = [name for name, pid in state["pids"].items() if topology_script._alive(pid)]
    return alive + ([database] if found else [])


@pytest.mark.postgres
@pytest.mark.slow(reason="starts bin/topology.py's up twice as far as its migrate, and stops it")
@pytest.mark.skipif(not Path(topology_script.NGINX).exists(), reason="no nginx (apt-get install nginx-light)")
def test_a_start_stopped_while_it_migrates_leaves_nothing_behind(tmp_path, db):
    """Ctrl-C or SIGTERM during `up`'s start: the S3 server, the migrate under way and the database it made
    are gone when `up` ends. Killed outright instead, `down` with its directory does the same."""
    server = database_url("postgres")
    up, state = up_until_it_migrates(tmp_path / "terminated", server)
    assert {"moto", "release"} <= set(state["pids"]) and state["database_created"]
    up.send_signal(signal.SIGTERM)
    assert up.wait(timeout=60) == 130
    assert "Stopped during the start" in (tmp_path / "terminated.log").read_text()
    assert left_behind(state, server) == []
    assert not (tmp_path / "terminated" / topology_script.STATE).exists()

    up, state = up_until_it_migrates(tmp_path / "killed", server)
    up.kill()
    up.wait()
    down = subprocess.run(  # noqa: S603
        [sys.executable, str(ROOT / "bin" / "topology.py"), "down", "--dir", str(tmp_path / "killed")],
        env={**os.environ, "STAGESLOT_TOPOLOGY_POSTGRES": server},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert down.returncode == 0, down.stderr
    assert left_behind(state, server) == []
