"""Production settings refuse to start half-configured and pass `check --deploy`."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
GOOD = {
    "DJANGO_SETTINGS_MODULE": "stageslot.settings.production",
    "DJANGO_SECRET_KEY": "k" * 20 + "-production-secret-" + "Z9" * 20,
    "DATABASE_URL": "postgres://stageslot@127.0.0.1:5432/stageslot",
    "REDIS_URL": "redis://127.0.0.1:6379/0",
    "DJANGO_ALLOWED_HOSTS": "stageslot.example",
}


def run_check(env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if k not in GOOD and k != "DJANGO_ALLOW_ASYNC_UNSAFE"}
    return subprocess.run(  # noqa: S603
        [sys.executable, "manage.py", "check", *args],
        cwd=ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.mark.slow
@pytest.mark.parametrize("missing", ["DJANGO_SECRET_KEY", "DATABASE_URL", "DJANGO_ALLOWED_HOSTS", "REDIS_URL"])
def test_production_refuses_to_start_without(missing):
    env = {k: v for k, v in GOOD.items() if k != missing}
    result = run_check(env)
    assert result.returncode != 0
    assert missing in result.stderr


@pytest.mark.slow
def test_production_passes_check_deploy_without_warnings():
    result = run_check(GOOD, "--deploy", "--fail-level", "WARNING")
    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout
