"""Probes a load balancer and Prometheus use as they are: /health/, /health/ready/ and /metrics/ asked over
plain http straight at a node are answered, not sent to https; readiness asks nothing outside the node
unless the operator asks; /metrics/ and /health/ready/ are kept from the public by the app and by the nginx
template (docs/decisions/0085-logs-probes-and-prefixes.md)."""

import shutil
import ssl
import subprocess
import threading
import time
import urllib.error
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from django.test import Client
from django.urls import reverse

from core.local_servers import free_port
from stageslot.tests.test_backups import load_script


@pytest.mark.django_db
def test_probes_over_plain_http_straight_at_a_node_are_answered_while_pages_go_to_https(settings):
    settings.SECURE_SSL_REDIRECT = True
    node = Client()
    assert [node.get(path).status_code for path in ("/health/", "/health/ready/", "/metrics/")] == [200, 200, 200]
    for page in ("/", "/health/elsewhere/", "/metrics/x/"):
        assert node.get(page).headers.get("Location", "").startswith("https://"), page
    assert node.get("/health/", HTTP_X_FORWARDED_PROTO="https").status_code == 200


@pytest.mark.django_db
def test_probes_asked_by_the_nodes_own_address_are_answered_while_pages_keep_the_host_check(settings):
    settings.ALLOWED_HOSTS = [".stageslot.example"]
    node = Client(HTTP_HOST="10.0.0.5:8000")
    assert (node.get("/health/").status_code, node.get("/metrics/").status_code) == (200, 200)
    assert node.get("/health/ready/", REMOTE_ADDR="10.1.2.3").status_code == 200
    assert node.get("/").status_code == 400
    assert node.get("/health/", HTTP_X_FORWARDED_FOR="203.0.113.9").status_code == 400


@pytest.mark.django_db
def test_readiness_asks_nothing_outside_the_node_unless_the_operator_asks(
    settings, monkeypatch, django_assert_num_queries
):
    from django.core.files.storage import default_storage

    saved, save = [], default_storage.save
    monkeypatch.setattr(
        default_storage, "save", lambda name, *args, **kwargs: saved.append(name) or save(name, *args, **kwargs)
    )
    url = reverse("ready")
    # A load balancer or an orchestrator on the nodes' network: this process's own answer, no query, no file.
    with django_assert_num_queries(0):
        answer = Client().get(url, REMOTE_ADDR="10.1.2.3")
    assert (answer.status_code, answer.json(), saved) == (200, {"status": "ok"}, [])
    # Anyone through the proxy: the site's 404.
    assert Client().get(url, REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="203.0.113.9").status_code == 404
    # The operator, straight from an allowed network, or with the token through the proxy: every part.
    settings.OPERATOR_ALLOW = ["10.1.0.0/16"]
    settings.METRICS_TOKEN = "operator-token-0123456789"
    deep = Client().get(url, REMOTE_ADDR="10.1.2.3").json()
    assert {"database", "cache", "broker", "storage:media"} <= set(deep) and len(saved) == 1
    assert Client().get(url, REMOTE_ADDR="127.0.0.1").json() == {"status": "ok"}  # no longer the operator's
    proxied = Client().get(
        url, HTTP_X_FORWARDED_FOR="203.0.113.9", HTTP_AUTHORIZATION="Bearer operator-token-0123456789"
    )
    assert proxied.json()["status"] == "ok" and len(saved) == 2


class _Node(BaseHTTPRequestHandler):
    def do_GET(self):
        self.send_response(200)
        self.send_header("Content-Length", "4")
        self.end_headers()
        self.wfile.write(b"node")

    def log_message(self, *args):
        return


def _status(url: str, ca: Path) -> int:
    try:
        with urllib.request.urlopen(url, timeout=10, context=ssl.create_default_context(cafile=str(ca))) as answer:  # noqa: S310
            return answer.status
    except urllib.error.HTTPError as error:
        with error:
            return error.code


@pytest.mark.real_clock(reason="OpenSSL checks the test certificate's dates by the machine's time")
@pytest.mark.skipif(not shutil.which(load_script("topology").NGINX), reason="needs nginx")
def test_the_nginx_template_keeps_metrics_and_readiness_for_the_operators_networks(tmp_path):
    topology_script = load_script("topology")
    node = ThreadingHTTPServer(("127.0.0.1", 0), _Node)
    threading.Thread(target=node.serve_forever, daemon=True).start()
    site = topology_script.Topology(tmp_path, port=free_port())
    for each in site.nodes.values():
        each.port = node.server_address[1]
    site.certificates = topology_script.certificates_make(tmp_path / "tls")
    (tmp_path / "nginx" / "temp").mkdir(parents=True)
    config = site.nginx_config()
    paths = ("/metrics/", "/health/ready/", "/health/", "/")
    try:
        for networks, expected in ((config, [200, 200, 200, 200]), (_without_loopback(config), [404, 404, 200, 200])):
            (tmp_path / "nginx.conf").write_text(networks)
            proxy = subprocess.Popen(  # noqa: S603 - Debian's nginx on the repository's template
                [
                    topology_script.NGINX,
                    "-c",
                    str(tmp_path / "nginx.conf"),
                    "-e",
                    str(tmp_path / "error.log"),
                    "-g",
                    "daemon off;",
                ],
                stderr=subprocess.PIPE,
            )
            try:
                deadline = time.monotonic() + 10
                while _port_closed(site.port):
                    assert proxy.poll() is None and time.monotonic() < deadline, proxy.stderr.read()
                    time.sleep(0.02)
                assert [_status(site.url + path, site.certificates["ca"]) for path in paths] == expected
            finally:
                proxy.terminate()
                proxy.communicate(timeout=10)
    finally:
        node.shutdown()
        node.server_close()


def _without_loopback(config: str) -> str:
    """The template's config for an operator elsewhere: this machine is then the public."""
    assert "        127.0.0.0/8 1;\n" in config and "        ::1/128 1;\n" in config
    return config.replace("        127.0.0.0/8 1;\n", "").replace("        ::1/128 1;\n", "")


def _port_closed(port: int) -> bool:
    import socket

    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) != 0
