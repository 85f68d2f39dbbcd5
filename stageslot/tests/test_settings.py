"""Production settings refuse to start half-configured and pass `check --deploy`."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from core.transport.webpush import vapid_key_pem_new
from documents.seal import certificate_make

ROOT = Path(__file__).resolve().parents[2]
GOOD = {
    "DJANGO_SETTINGS_MODULE": "stageslot.settings.production",
    "DJANGO_SECRET_KEY": "k" * 20 + "-production-secret-" + "Z9" * 20,
    "DATABASE_URL": "postgres://stageslot@127.0.0.1:5432/stageslot",
    "REDIS_URL": "redis://127.0.0.1:6379/0",
    "DJANGO_ALLOWED_HOSTS": "stageslot.example",
    "STAGESLOT_OPERATOR_NAME": "Stage Example GmbH",
    "STAGESLOT_OPERATOR_ADDRESS": "Kastanienallee 1, 10435 Berlin",
    "STAGESLOT_OPERATOR_EMAIL": "privacy@stageslot.example",
    "STAGESLOT_ERASURE_LEDGER": "/var/lib/stageslot/erasure-ledger.jsonl",
}


def run_check(env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    clean = {
        k: v
        for k, v in os.environ.items()
        if k not in GOOD and k != "DJANGO_ALLOW_ASYNC_UNSAFE" and not k.startswith(("STRIPE_", "STAGESLOT_OPERATOR_"))
    }
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
def test_production_passes_check_deploy_without_warnings(tmp_path):
    stripe = {
        "STRIPE_SECRET_KEY": "sk_test_x",
        "STRIPE_PUBLISHABLE_KEY": "pk_test_x",
        "STRIPE_WEBHOOK_SECRET": "whsec_x",
    }
    sealed = certificate_make(directory=tmp_path)
    seal = {"DOCUMENTS_SEAL_KEY_FILE": str(sealed.key), "DOCUMENTS_SEAL_CERT_FILE": str(sealed.cert)}
    vapid = tmp_path / "vapid.pem"
    vapid.write_bytes(vapid_key_pem_new())
    push = {"WEBPUSH_VAPID_PRIVATE_KEY": str(vapid)}
    result = run_check({**GOOD, **stripe, **seal, **push}, "--deploy", "--fail-level", "WARNING")
    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout
    without_push = run_check({**GOOD, **stripe, **seal}, "--deploy", "--fail-level", "WARNING")
    assert "accounts.W001" in without_push.stderr


@pytest.mark.slow
def test_production_without_stripe_keys_is_told_at_check_deploy():
    result = run_check(GOOD, "--deploy", "--fail-level", "WARNING")
    assert result.returncode != 0
    assert "payments.W001" in result.stderr


@pytest.mark.slow
def test_production_without_a_seal_certificate_is_told_at_check_deploy():
    stripe = {
        "STRIPE_SECRET_KEY": "sk_test_x",
        "STRIPE_PUBLISHABLE_KEY": "pk_test_x",
        "STRIPE_WEBHOOK_SECRET": "whsec_x",
    }
    result = run_check({**GOOD, **stripe}, "--deploy", "--fail-level", "WARNING")
    assert result.returncode != 0
    assert "documents.W001" in result.stderr


def setting_in(env: dict[str, str], name: str) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if k not in GOOD and k != "STAGESLOT_TRUSTED_PROXIES"}
    code = f"import django; django.setup(); from django.conf import settings; print(settings.{name})"
    return subprocess.run(  # noqa: S603
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


@pytest.mark.parametrize(
    ("module", "proxies", "expected"),
    [
        # Production stands behind one TLS proxy (SECURE_PROXY_SSL_HEADER trusts it already).
        ("production", None, "1"),
        ("production", "2", "2"),
        ("production", "0", "0"),
        ("local", None, "0"),
        ("local", "1", "1"),
    ],
)
def test_trusted_proxies_come_from_the_environment(module, proxies, expected):
    env = {**GOOD, "DJANGO_SETTINGS_MODULE": f"stageslot.settings.{module}"}
    if proxies is not None:
        env["STAGESLOT_TRUSTED_PROXIES"] = proxies
    result = setting_in(env, "ALLAUTH_TRUSTED_PROXY_COUNT")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == expected


@pytest.mark.parametrize("proxies", ["-1", "one", "1.5", ""])
def test_production_refuses_a_trusted_proxy_count_that_is_no_count(proxies):
    result = setting_in({**GOOD, "STAGESLOT_TRUSTED_PROXIES": proxies}, "ALLAUTH_TRUSTED_PROXY_COUNT")
    assert result.returncode != 0
    assert "STAGESLOT_TRUSTED_PROXIES is a count of proxies" in result.stderr


LOADERS = """
import json

import django

django.setup()
from django.conf import settings
from django.forms.renderers import get_default_renderer
from django.template import engines


def chain(loaders):
    return [{"loader": f"{type(x).__module__}.{type(x).__name__}", "inner": chain(getattr(x, "loaders", []))}
            for x in loaders]


print(json.dumps({
    "debug": settings.DEBUG,
    "pages": chain(engines["django"].engine.template_loaders),
    "forms": f"{type(get_default_renderer()).__module__}.{type(get_default_renderer()).__name__}",
}))
"""
CACHED = "django.template.loaders.cached.Loader"
FILES = ["django.template.loaders.filesystem.Loader", "django.template.loaders.app_directories.Loader"]


def template_loaders_in(env: dict[str, str]) -> dict:
    clean = {k: v for k, v in os.environ.items() if k not in GOOD and k != "DJANGO_DEBUG"}
    result = subprocess.run(  # noqa: S603
        [sys.executable, "-c", LOADERS],
        cwd=ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


@pytest.mark.parametrize(
    "env",
    [
        {**GOOD},
        {**GOOD, "DJANGO_SETTINGS_MODULE": "stageslot.settings.test"},
        {**GOOD, "DJANGO_SETTINGS_MODULE": "stageslot.settings.local", "DJANGO_DEBUG": "false"},
    ],
    ids=["production", "test", "local without DEBUG"],
)
def test_templates_are_compiled_once_per_process_whenever_debug_is_off(env):
    """Django's cached loader in front of the file and app loaders, for the pages and for form widgets:
    a template is read and compiled on its first use only. template_partials' loader, which finds
    "page.html#part", sits in front of that cache."""
    found = template_loaders_in(env)
    assert found["debug"] is False
    [partials] = found["pages"]
    assert partials["loader"] == "template_partials.loader.Loader"
    [cached] = partials["inner"]
    assert cached["loader"] == CACHED
    assert [inner["loader"] for inner in cached["inner"]] == FILES
    # Form widgets render through the same engines as the pages (TemplatesSetting), so through that cache.
    assert found["forms"] == "django.forms.renderers.TemplatesSetting"


def test_a_live_site_without_the_operators_name_address_and_email_is_refused_by_name(settings):
    from stageslot.checks import operator_facts_set

    settings.DEBUG = False
    settings.STAGESLOT_LIVE = True
    settings.STAGESLOT_OPERATOR = {**settings.STAGESLOT_OPERATOR, **settings.STAGESLOT_OPERATOR_PLACEHOLDERS}
    settings.STAGESLOT_OPERATOR["address"] = " "
    errors = operator_facts_set()
    assert [e.id for e in errors] == ["stageslot.E001"] * 3
    assert [e.msg.split()[0] for e in errors] == [
        "STAGESLOT_OPERATOR_NAME",
        "STAGESLOT_OPERATOR_ADDRESS",
        "STAGESLOT_OPERATOR_EMAIL",
    ]
    settings.STAGESLOT_OPERATOR = {"name": "Stage Example GmbH", "address": "Berlin", "email": "hi@stage.example"}
    assert operator_facts_set() == []
    assert "\nSTAGESLOT_LIVE = True\n" in (ROOT / "stageslot/settings/production.py").read_text()


def test_the_local_and_test_settings_and_debug_start_without_the_operators_facts(settings):
    from stageslot.checks import operator_facts_set

    settings.STAGESLOT_OPERATOR = {"name": "", "address": "", "email": ""}
    assert operator_facts_set() == []  # the test settings are not live
    settings.STAGESLOT_LIVE = True
    settings.DEBUG = True
    assert operator_facts_set() == []


def test_a_live_site_is_warned_at_check_deploy_of_an_erasure_ledger_inside_the_apps_folder(settings):
    from stageslot.checks import erasure_ledger_kept_apart

    settings.DEBUG = False
    settings.STAGESLOT_LIVE = True
    for inside in ("", str(settings.BASE_DIR / ".cache" / "erasure-ledger.jsonl")):
        settings.STAGESLOT_ERASURE_LEDGER = inside
        assert [w.id for w in erasure_ledger_kept_apart()] == ["stageslot.W001"]
    settings.STAGESLOT_ERASURE_LEDGER = "/var/lib/stageslot/erasure-ledger.jsonl"
    assert erasure_ledger_kept_apart() == []
