"""The container image and compose.yaml, checked without a container builder (none runs on these machines): the
image's and compose's processes are exactly the Procfile's, the image is built by deploy/build.sh alone, and
that script's steps hold for this checkout (docs/decisions/0086-an-image-and-a-compose-file.md)."""

import json
import os
import re
import shlex
import subprocess
import sys

import yaml

from stageslot.tests.test_procfile import PROCFILE, processes

ROOT = PROCFILE.parent
DOCKERFILE = ROOT / "Dockerfile"
COMPOSE = ROOT / "compose.yaml"


def instructions() -> list[tuple[str, str]]:
    """The Dockerfile's instructions as (NAME, arguments), continued lines joined, comments left out."""
    text = re.sub(r"\\\n", " ", DOCKERFILE.read_text(encoding="utf-8"))
    lines = (line.strip() for line in text.splitlines())
    return [tuple(line.split(None, 1)) for line in lines if line and not line.startswith("#")]


def instruction(name: str) -> str:
    (value,) = [arguments for instruction, arguments in instructions() if instruction == name]
    return value


def procfile_words(process: str, env: dict[str, str]) -> list[str]:
    """The Procfile's line as a shell reads it, ${NAME:-default} taken from `env`."""
    line = re.sub(r"\$\{(\w+):-([^}]*)\}", lambda m: env.get(m[1], m[2]), processes()[process])
    return shlex.split(line)


def entrypoint_words(process: str, env: dict[str, str]) -> list[str]:
    """What the image's entrypoint runs for `process`: the words it would hand to exec."""
    entrypoint = json.loads(instruction("ENTRYPOINT"))
    script = ROOT / entrypoint[0].removeprefix("/app/")
    ran = subprocess.run(  # noqa: S603 (the project's own script)
        [str(script), process],
        env={"PATH": os.environ["PATH"], "PROCFILE_PRINT": "1", **env},
        capture_output=True,
        text=True,
        timeout=10,
        check=True,
    )
    return ran.stdout.splitlines()


def test_the_image_is_debians_python_run_by_a_user_without_rights_on_its_code():
    assert re.fullmatch(r"python:3\.11-slim-bookworm", instruction("FROM"))
    assert instruction("USER") not in {"root", "0"}
    assert json.loads(instruction("ENTRYPOINT")) == ["/app/deploy/procfile.sh"]
    assert json.loads(instruction("CMD")) == ["web"]


def test_the_image_is_built_by_the_build_script_alone():
    runs = [arguments for name, arguments in instructions() if name == "RUN"]
    assert runs and all(run.startswith("deploy/build.sh ") for run in runs)
    steps = [word for run in runs for word in run.split("&&")[0].split()[1:]]
    assert steps == ["system", "python", "catalogues", "static"]


def test_the_image_runs_each_process_exactly_as_the_procfile_says():
    for env in ({}, {"WEB_CONCURRENCY": "5", "WEB_THREADS": "8", "PORT": "9000"}):
        for process in processes():
            assert entrypoint_words(process, env) == procfile_words(process, env), process


def test_the_entrypoint_refuses_a_process_the_procfile_does_not_name():
    script = ROOT / "deploy" / "procfile.sh"
    ran = subprocess.run([str(script), "shell"], capture_output=True, text=True, timeout=10, check=False)  # noqa: S603
    assert ran.returncode == 64 and "no shell: line" in ran.stderr


def test_compose_runs_every_procfile_process_from_the_image_and_the_site_after_its_release():
    services = yaml.safe_load(COMPOSE.read_text(encoding="utf-8"))["services"]
    commands = {name: service["command"] for name, service in services.items() if "command" in service}
    assert sorted(commands.values()) == sorted([process] for process in processes())
    for name in commands:
        assert services[name]["build"] == "." and "entrypoint" not in services[name], name
    by_process = {command[0]: name for name, command in commands.items()}
    for process in ("web", "worker", "beat"):
        after = services[by_process[process]]["depends_on"]
        assert after[by_process["release"]] == {"condition": "service_completed_successfully"}, process
    assert {"postgres", "redis", "s3"} <= set(services)


def test_the_build_leaves_out_the_checkouts_environment_and_secrets():
    ignored = set((ROOT / ".dockerignore").read_text(encoding="utf-8").splitlines())
    assert {".git", ".venv", ".env", ".cache/", "staticfiles/", "*.mo", "media/", "private/"} <= ignored


def test_the_build_steps_hold_for_this_checkout():
    """Each step's cheap half against the checkout and its .venv: every package pinned and installed at its
    version, and collectstatic with the production settings and the build's placeholders finding every file
    (a dry run). The catalogues step is `make messages-compile`, which every test run does first."""
    ran = subprocess.run(  # noqa: S603 (the project's own script)
        [str(ROOT / "deploy" / "build.sh"), "--check", "python", "static"],
        env={k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")} | {"PYTHON": sys.executable},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert ran.returncode == 0, ran.stderr
    assert [line.split()[1] for line in ran.stdout.splitlines()] == ["python", "static"]
