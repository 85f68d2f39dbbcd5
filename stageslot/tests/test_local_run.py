"""`make run` (stageslot/local_run.py): each checkout runs Radicale, localstripe and its web server on
ports of its own – the wanted one, or the next free one when another checkout's holds it – with its data
in its own .cache/, hands the ports to the children in their settings, and stops every child with itself.
A Radicale another checkout started is never used, nor written to."""

import io
import json
import os
import queue
import signal
import socket
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from accounts.tests.factories import UserFactory
from calendars.models import ConnectedCalendar
from calendars.testing import DEV_USER, RadicaleServer, dev_password, dev_radicale_start, radicale_installed
from core.local_servers import SideServerError, free_port, port_free
from stageslot.demo.calendars import seed_calendars
from stageslot.local_run import LocalRun, address_split, browser_url, main, own_url

ROOT = Path(__file__).resolve().parents[2]
needs_radicale = pytest.mark.skipif(not radicale_installed(), reason="Radicale is not installed")


@pytest.mark.parametrize(
    ("addrport", "split", "browser", "own"),
    [
        ("127.0.0.1:8000", ("127.0.0.1", 8000), "http://localhost:8000/", "http://127.0.0.1:8000"),
        ("8001", ("127.0.0.1", 8001), "http://localhost:8001/", "http://127.0.0.1:8001"),
        ("0.0.0.0:8080", ("0.0.0.0", 8080), "http://localhost:8080/", "http://127.0.0.1:8080"),  # noqa: S104
        ("[::1]:8000", ("::1", 8000), "http://localhost:8000/", "http://[::1]:8000"),
        ("stageslot.lan:8000", ("stageslot.lan", 8000), "http://stageslot.lan:8000/", "http://stageslot.lan:8000"),
    ],
)
def test_the_web_address_is_read_as_runserver_reads_it(addrport, split, browser, own):
    assert address_split(addrport) == split
    assert browser_url(*split) == browser
    assert own_url(*split) == own


def test_an_address_runserver_would_refuse_is_refused():
    with pytest.raises(ValueError, match="is not an address and port"):
        address_split("localhost:eighty")


def test_the_web_server_takes_the_next_free_port_and_says_so_and_links_follow_it(tmp_path):
    with socket.create_server(("127.0.0.1", 0)) as held:
        taken = held.getsockname()[1]
        run = LocalRun(cache=tmp_path, addrport=f"127.0.0.1:{taken}", out=io.StringIO())
        web = run.web_address()
    addr, port = address_split(web)
    assert addr == "127.0.0.1" and port != taken
    assert f"Port {taken} is taken (another StageSlot running?): this one serves on port {port}" in run.out.getvalue()
    env = run.child_env(web, {"PATH": "/bin"})
    assert env["STAGESLOT_SITE_URL"] == f"http://localhost:{port}"
    # An address of one's own (a tunnel, say) is kept.
    assert run.child_env(web, {"STAGESLOT_SITE_URL": "https://demo.example"})["STAGESLOT_SITE_URL"] == (
        "https://demo.example"
    )


def test_the_side_servers_ports_reach_the_children_in_their_settings_variables(tmp_path):
    run = LocalRun(cache=tmp_path, out=io.StringIO())
    run.ports = {"Radicale": 5233, "localstripe": 8422}
    env = run.child_env("127.0.0.1:8001", {})
    assert (env["STAGESLOT_RADICALE_PORT"], env["STAGESLOT_LOCALSTRIPE_PORT"]) == ("5233", "8422")


def test_make_run_loads_the_demo_data_before_it_serves_and_says_so(tmp_path):
    web = f"127.0.0.1:{free_port()}"
    run = LocalRun(cache=tmp_path, addrport=web, radicale_port=None, localstripe_port=None, out=io.StringIO())
    calls = tmp_path / "calls"
    manage = [sys.executable, "-c", f"import sys; open({str(calls)!r}, 'a').write(' '.join(sys.argv[1:]) + '\\n')"]
    assert main(run, seed=True, manage=manage) == 0
    assert calls.read_text().splitlines() == ["seed_demo --quiet", f"serve {web}"]
    assert run.out.getvalue().splitlines() == ["Loading demo data…", "Starting the server…"]


def test_make_run_migrates_first_once_the_checkout_is_its_own(tmp_path):
    web = f"127.0.0.1:{free_port()}"
    run = LocalRun(cache=tmp_path, addrport=web, radicale_port=None, localstripe_port=None, out=io.StringIO())
    calls = tmp_path / "calls"
    manage = [sys.executable, "-c", f"import sys; open({str(calls)!r}, 'a').write(' '.join(sys.argv[1:]) + '\\n')"]
    assert main(run, seed=True, migrate=True, manage=manage) == 0
    assert calls.read_text().splitlines() == ["migrate --noinput -v 0", "seed_demo --quiet", f"serve {web}"]
    assert run.out.getvalue().splitlines() == ["Migrating the database…", "Loading demo data…", "Starting the server…"]


def test_a_refused_second_run_migrates_nothing(tmp_path):
    """The running server's database is left alone: the refusal comes before the migration."""
    first = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    calls = tmp_path / "calls"
    manage = [sys.executable, "-c", f"import sys; open({str(calls)!r}, 'a').write(' '.join(sys.argv[1:]) + '\\n')"]
    try:
        (tmp_path / "run_local.pid").write_text(str(first.pid))
        run = LocalRun(cache=tmp_path, radicale_port=None, localstripe_port=None, out=io.StringIO())
        with pytest.raises(SideServerError, match="StageSlot already runs from this folder"):
            main(run, seed=True, migrate=True, manage=manage)
    finally:
        first.kill()
        first.wait()
    assert not calls.exists()
    assert "Migrating" not in run.out.getvalue()
    assert (tmp_path / "run_local.pid").read_text() == str(first.pid)  # still the first run's


def test_a_second_run_from_the_same_checkout_is_refused_and_a_killed_one_holds_nothing(tmp_path):
    first = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    try:
        (tmp_path / "run_local.pid").write_text(str(first.pid))
        with pytest.raises(SideServerError, match=f"StageSlot already runs from this folder \\(process {first.pid}\\)"):
            LocalRun(cache=tmp_path).claim()
    finally:
        first.kill()
        first.wait()
    run = LocalRun(cache=tmp_path)
    run.claim()
    assert (tmp_path / "run_local.pid").read_text() == str(os.getpid())
    run.release()
    assert not (tmp_path / "run_local.pid").exists()


@needs_radicale
@pytest.mark.slow
@pytest.mark.django_db
def test_the_demo_calendar_is_this_checkouts_radicale_and_never_another_ones(tmp_path, settings):
    ours = dev_radicale_start(tmp_path / "ours", free_port())
    # Another checkout's Radicale, with its own demo password, on the port this checkout is told to use.
    theirs = RadicaleServer(folder=tmp_path / "theirs", users={DEV_USER: dev_password(tmp_path / "theirs")})
    theirs.start()
    try:
        assert dev_password(tmp_path / "ours") != dev_password(tmp_path / "theirs")
        mara = UserFactory()
        settings.CALDAV_ALLOW_HOSTS = (ours.host, theirs.host)
        settings.RADICALE_PORT = theirs.port
        assert seed_calendars({"mara": mara}, folder=tmp_path / "ours") is None
        # A checkout that never started a Radicale of its own connects to none.
        settings.RADICALE_PORT = ours.port
        assert seed_calendars({"mara": mara}, folder=tmp_path / "never-started") is None
        assert not (tmp_path / "never-started").exists()
        assert not ConnectedCalendar.objects.filter(user=mara).exists()
        settings.RADICALE_PORT = ours.port
        calendar = seed_calendars({"mara": mara}, folder=tmp_path / "ours")
        assert calendar is not None and calendar.server_url == ours.url and calendar.username == DEV_USER
        assert sorted(calendar.calendar_names.values()) == ["Gigs", "Personal"]
    finally:
        ours.stop()
        theirs.stop()


# A supervisor as `make run` starts it, in a process of its own, with a stand-in web server that listens on
# the address it is given and prints what it got: its address and its settings' variables.
SUPERVISOR = """
import sys
import django

django.setup()
from pathlib import Path
from stageslot.local_run import LocalRun, main

WEB = (
    "import json, os, socket, sys, time\\n"
    "sock = socket.create_server(('127.0.0.1', int(sys.argv[2].rsplit(':', 1)[1])))\\n"
    "names = ('STAGESLOT_RADICALE_PORT', 'STAGESLOT_LOCALSTRIPE_PORT', 'STAGESLOT_SITE_URL')\\n"
    "print(json.dumps({'web': sys.argv[2], **{name: os.environ[name] for name in names}}), flush=True)\\n"
    "time.sleep(120)\\n"
)
cache, web, radicale, stripe = sys.argv[1:]
run = LocalRun(cache=Path(cache), addrport=web, radicale_port=int(radicale), localstripe_port=int(stripe))
sys.exit(main(run, seed=False, manage=[sys.executable, "-c", WEB]))
"""


class Supervisor:
    def __init__(self, cache: Path, web: int, radicale: int, stripe: int):
        env = {k: v for k, v in os.environ.items() if not k.startswith(("STAGESLOT_", "DJANGO_SETTINGS"))}
        env["DJANGO_SETTINGS_MODULE"] = "stageslot.settings.test"
        self.cache = cache
        self.process = subprocess.Popen(  # noqa: S603
            [sys.executable, "-c", SUPERVISOR, str(cache), f"127.0.0.1:{web}", str(radicale), str(stripe)],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            # As a shell's background job starts it: CONTROL-C must stop it all the same.
            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_IGN),
        )
        self.lines: queue.Queue[str] = queue.Queue()
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()
        self.said: list[str] = []

    def _read(self) -> None:
        for line in self.process.stdout:
            self.lines.put(line)

    def serving(self, timeout: float = 120) -> dict[str, str]:
        """What the web server got, once it listens (a generous wait: on a busy machine Django, Radicale
        and localstripe take a while to start)."""
        while True:
            try:
                line = self.lines.get(timeout=timeout)
            except queue.Empty:
                raise AssertionError(f"the web server did not start: {self.said}") from None
            self.said.append(line)
            if line.startswith("{"):
                return json.loads(line)

    def children(self) -> set[int]:
        found = set()
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                parent = int(stat.read_text().rpartition(")")[2].split()[1])
            except (OSError, ValueError, IndexError):
                continue
            if parent == self.process.pid:
                found.add(int(stat.parent.name))
        return found


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return Path(f"/proc/{pid}/stat").exists() and " Z " not in Path(f"/proc/{pid}/stat").read_text()


@needs_radicale
@pytest.mark.slow
@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="finds the children in /proc (Linux)")
def test_two_runs_at_once_get_ports_and_data_of_their_own_and_leave_nothing_running(tmp_path):
    web, radicale, stripe = free_port(), free_port(), free_port()
    first = Supervisor(tmp_path / "first", web, radicale, stripe)
    second = None
    try:
        got_first = first.serving()
        # The second wants the very same ports, all held by the first.
        second = Supervisor(tmp_path / "second", web, radicale, stripe)
        got_second = second.serving()
        children = first.children() | second.children()
    finally:
        first.process.send_signal(signal.SIGTERM)
        if second is not None:
            second.process.send_signal(signal.SIGINT)  # CONTROL-C
        codes = (first.process.wait(120), second.process.wait(120) if second else None)
        for run in (first, second):
            if run is not None:
                run.reader.join(10)
                run.process.stdout.close()

    assert got_first == {
        "web": f"127.0.0.1:{web}",
        "STAGESLOT_RADICALE_PORT": str(radicale),
        "STAGESLOT_LOCALSTRIPE_PORT": str(stripe),
        "STAGESLOT_SITE_URL": f"http://localhost:{web}",
    }
    ports = [int(got_second["web"].rsplit(":", 1)[1]), int(got_second["STAGESLOT_RADICALE_PORT"])]
    ports.append(int(got_second["STAGESLOT_LOCALSTRIPE_PORT"]))
    assert not {web, radicale, stripe} & set(ports) and len(set(ports)) == 3
    assert got_second["STAGESLOT_SITE_URL"] == f"http://localhost:{ports[0]}"
    said = "".join(second.said)
    assert f"Port {web} is taken (another StageSlot running?): this one serves on port {ports[0]}" in said
    assert f"Radicale takes port {ports[1]} (STAGESLOT_RADICALE_PORT)" in said
    assert said.index("Starting the server…") < said.index("{")
    # Each keeps its calendars in its own folder, with a demo password of its own.
    for run, port in ((first, radicale), (second, ports[1])):
        assert f"hosts = 127.0.0.1:{port}\n" in (run.cache / "radicale" / "config").read_text()
        assert (run.cache / "radicale" / "collections" / "collection-root" / DEV_USER / "gigs").is_dir()
    assert dev_password(first.cache / "radicale") != dev_password(second.cache / "radicale")

    assert codes == (128 + signal.SIGTERM, 0)
    assert len(children) == 6  # Radicale, localstripe and the web server of each
    assert not [pid for pid in children if _alive(pid)]
    assert all(port_free(port) for port in (web, radicale, stripe, *ports))
    assert not (first.cache / "run_local.pid").exists() and not (second.cache / "run_local.pid").exists()


@needs_radicale
def test_radicale_ends_by_itself_when_the_process_that_started_it_is_killed(tmp_path):
    starter = (
        "import os, sys\n"
        "from pathlib import Path\n"
        "from calendars.testing import RadicaleServer\n"
        "server = RadicaleServer(folder=Path(sys.argv[1]), port=int(sys.argv[2])).start()\n"
        "os.kill(os.getpid(), 9)\n"
    )
    port = free_port()
    ended = subprocess.run(  # noqa: S603
        [sys.executable, "-c", starter, str(tmp_path), str(port)], cwd=ROOT, timeout=60, check=False
    )
    assert ended.returncode == -signal.SIGKILL
    for _ in range(50):
        if port_free(port):
            break
        threading.Event().wait(0.2)
    assert port_free(port)
