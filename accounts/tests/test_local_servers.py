"""Ports and child processes of the side servers (core.local_servers): a wanted port when it is free,
else the next free one, never one already given out; a child that does not answer, or whose port is taken,
is a clear error and leaves nothing running."""

import os
import socket
import sys
from collections.abc import Iterator

import pytest

from core import local_servers
from core.local_servers import SideServerError, child_start, free_port, port_choose, port_free


@pytest.fixture
def held() -> Iterator[socket.socket]:
    """A port someone else listens on."""
    with socket.create_server(("127.0.0.1", 0)) as sock:
        yield sock


def _port_of(sock: socket.socket) -> int:
    return sock.getsockname()[1]


def _free_pair() -> int:
    """A port that is free with the one above it (most are; a few tries find one)."""
    for _ in range(50):
        port = free_port()
        if port < 65535 and port_free(port + 1):
            return port
    raise AssertionError("no two free ports side by side")


def test_a_free_port_is_free_and_a_listened_one_is_not(held):
    port = _port_of(held)
    assert not port_free(port)
    held.close()
    assert port_free(port)


def test_the_wanted_port_when_it_is_free():
    port = _free_pair()
    assert port_choose(port) == port


def test_the_next_free_port_when_the_wanted_one_is_taken(held):
    port = _port_of(held)
    chosen = port_choose(port)
    assert chosen != port and port_free(chosen)
    if port_free(port + 1):
        assert chosen == port + 1


def test_a_port_given_to_another_server_is_not_chosen_again():
    port = _free_pair()
    assert port_choose(port, avoid={port}) == port + 1


def test_one_the_system_picks_when_every_nearby_port_is_taken(held, monkeypatch):
    monkeypatch.setattr(local_servers, "NEARBY", 1)
    chosen = port_choose(_port_of(held))
    assert chosen != _port_of(held) and port_free(chosen)


def test_a_taken_port_is_refused_before_anything_starts(held, tmp_path):
    with pytest.raises(SideServerError, match=f"Shy cannot start: port {_port_of(held)} is taken"):
        child_start(
            [sys.executable, "-c", "raise SystemExit('never run')"],
            name="Shy",
            answers=lambda: True,  # what answers there is someone else's
            port=_port_of(held),
            log=tmp_path / "log",
        )
    assert not (tmp_path / "log").exists()


def test_a_child_that_never_answers_is_stopped_and_named_with_its_log(tmp_path):
    with pytest.raises(SideServerError, match=r"Mute did not answer within 1 s: see .*log"):
        child_start(
            [sys.executable, "-c", "import os, time; print(os.getpid(), flush=True); time.sleep(60)"],
            name="Mute",
            answers=lambda: False,
            port=free_port(),
            log=tmp_path / "log",
            timeout=1,
        )
    pid = int((tmp_path / "log").read_text())
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)
