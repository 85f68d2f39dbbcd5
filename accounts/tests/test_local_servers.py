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


def _serving(port: int) -> list[str]:
    """A child that serves HTTP on `port` (Python's own server)."""
    return [sys.executable, "-m", "http.server", "--bind", "127.0.0.1", str(port)]


def _answers(port: int):
    def answers() -> bool:
        with socket.socket() as probe:
            probe.settimeout(0.5)
            return probe.connect_ex(("127.0.0.1", port)) == 0

    return answers


def test_a_port_found_free_by_two_at_once_goes_to_one_and_comes_back_when_it_stops(tmp_path, monkeypatch):
    """Two processes may both find a port free and both start a server on it; the one that did not bind would take
    the other's, which answers, for its own, and lose it when the other stops (CI: localstripe on 8423, its tests
    refused). A port is claimed before a child starts: the second start is refused, the first keeps its own, and
    once it has stopped the port can be claimed again."""
    port = free_port()
    first = child_start(_serving(port), name="First", answers=_answers(port), port=port, log=tmp_path / "first")
    try:
        monkeypatch.setattr(local_servers, "port_free", lambda port, **kwargs: True)  # both found it free
        with pytest.raises(SideServerError, match=f"Second cannot start: port {port} is taken"):
            child_start(_serving(port), name="Second", answers=_answers(port), port=port, log=tmp_path / "second")
        assert not (tmp_path / "second").exists()  # nothing was started
        assert local_servers.port_claim(port) is None  # nor may any other process claim it meanwhile
        assert first.poll() is None
    finally:
        local_servers.child_stop(first)
    claim = local_servers.port_claim(port)
    assert claim is not None
    claim.close()
