#!/bin/sh
# StageSlot's container image is built by this script and nothing else: the Dockerfile runs its steps, and
# CI runs them with --check, which does the cheap part of each against the checkout and its .venv (no package
# is installed, nothing is written but the compiled catalogues `make test` writes anyway).
#
#   deploy/build.sh [--check] [STEP …]     STEP: system python catalogues static (default: all, in that order)
#
#   system      Debian's libraries WeasyPrint's PDFs need (Pango, HarfBuzz's subsetter, DejaVu) and pg_dump
#               for bin/backup.py (postgresql-client: 15 on bookworm, as compose.yaml's PostgreSQL)
#               --check: WeasyPrint finds Pango, and pg_dump is on the PATH
#   python      a virtualenv in $STAGESLOT_VENV (/opt/venv) with requirements.txt, as pinned
#               --check: every line of requirements.txt is pinned to one version, the one installed in .venv
#   catalogues  the German catalogue compiled (python -m stageslot.catalogues, as `make messages-compile`)
#   static      collectstatic with the production settings: hashed names, a manifest, brotli and gzip copies
#               --check: the same with --dry-run (the production settings load, every file is found)
#
# The build runs with placeholders for the settings production refuses to start without: collectstatic
# reads no database, cache or secret, and nothing of them stays in the image (docs/decisions/0086).
set -eu
cd "$(dirname "$0")/.."

check=""
if [ "${1:-}" = "--check" ]; then
  check=1
  shift
fi
steps=${*:-system python catalogues static}
VENV=${STAGESLOT_VENV:-/opt/venv}
SYSTEM_PACKAGES="libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core postgresql-client"

# The interpreter the steps after `python` run: the image's virtualenv, or in --check the checkout's .venv.
if [ -n "$check" ]; then
  python=${PYTHON:-.venv/bin/python}
else
  python=$VENV/bin/python
fi

build_settings() {
  env DJANGO_SETTINGS_MODULE=stageslot.settings.production \
    DJANGO_SECRET_KEY=image-build-placeholder-never-used-to-sign-anything-0000 \
    DATABASE_URL=postgres://image-build@127.0.0.1:1/image-build \
    REDIS_URL=redis://127.0.0.1:1/0 \
    DJANGO_ALLOWED_HOSTS=image-build.invalid \
    "$@"
}

step_system() {
  if [ -n "$check" ]; then
    "$python" -c "import weasyprint" \
      || { echo "build: WeasyPrint does not find Pango: apt-get install $SYSTEM_PACKAGES" >&2; return 1; }
    command -v pg_dump >/dev/null || { echo "build: no pg_dump on the PATH (postgresql-client)" >&2; return 1; }
    return 0
  fi
  apt-get update -qq
  # shellcheck disable=SC2086 (one word per package)
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $SYSTEM_PACKAGES >/dev/null
  rm -rf /var/lib/apt/lists/*
}

step_python() {
  if [ -n "$check" ]; then
    "$python" - requirements.txt <<'PYTHON'
import importlib.metadata, re, sys
text = open(sys.argv[1], encoding="utf-8").read().replace("\\\n", " ")
wrong = []
for line in text.splitlines():
    line = line.split("#", 1)[0].strip()
    if not line:
        continue
    pin = re.match(r"([A-Za-z0-9_.\-]+)(?:\[[^]]*\])?==(\S+)", line)
    if not pin:
        wrong.append(f"not pinned to one version: {line[:80]}")
        continue
    try:
        installed = importlib.metadata.version(pin[1])
    except importlib.metadata.PackageNotFoundError:
        installed = "not installed"
    if installed != pin[2]:
        wrong.append(f"{pin[1]}: requirements.txt pins {pin[2]}, the environment has {installed}")
if wrong:
    sys.exit("build: " + "\nbuild: ".join(wrong))
PYTHON
    return
  fi
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install --quiet --no-cache-dir --disable-pip-version-check -r requirements.txt
}

step_catalogues() {
  "$python" -m stageslot.catalogues
}

step_static() {
  if [ -n "$check" ]; then
    build_settings "$python" manage.py collectstatic --noinput --dry-run -v0
  else
    build_settings "$python" manage.py collectstatic --noinput -v0
  fi
}

for step in $steps; do
  case $step in
    system | python | catalogues | static) ;;
    *) echo "build: no step $step (system, python, catalogues, static)" >&2; exit 64 ;;
  esac
  began=$(date +%s)
  "step_$step"
  echo "build: $step${check:+ (check)} done in $(( $(date +%s) - began )) s"
done
