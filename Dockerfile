# StageSlot's image: Debian's Python, the site's packages in /opt/venv, the catalogues compiled and the static
# files collected at build, run as a user without rights on its own code. Every build step is
# deploy/build.sh's (CI runs it with --check); each process is the Procfile's line of that name
# (deploy/procfile.sh): the default is `web`, compose.yaml runs `release`, `worker` and `beat` from the same
# image. docs/deploying.md ("The container image") and docs/decisions/0086-an-image-and-a-compose-file.md.
FROM python:3.11-slim-bookworm

ENV PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    STAGESLOT_VENV=/opt/venv \
    PATH=/opt/venv/bin:$PATH \
    DJANGO_SETTINGS_MODULE=stageslot.settings.production \
    DJANGO_MEDIA_ROOT=/data/media \
    BOOKING_FILES_ROOT=/data/booking-files \
    STAGESLOT_BEAT_SCHEDULE_FILE=/data/celerybeat-schedule \
    STAGESLOT_ERASURE_LEDGER=/data/erasure-ledger.jsonl

WORKDIR /app

# The packages first, in a layer of their own: a change to the code alone does not install them again.
COPY requirements.txt ./
COPY deploy/build.sh deploy/build.sh
RUN deploy/build.sh system python

COPY . .
RUN deploy/build.sh catalogues static \
    && useradd --system --uid 10001 --home-dir /data --shell /usr/sbin/nologin stageslot \
    && mkdir -p /data/media /data/booking-files /app/.cache \
    && chown -R stageslot:stageslot /data /app/.cache

# What the site writes at run time: uploads when no bucket is named and beat's schedule (/data), the
# development seal and push keys when none are given (.cache).
USER stageslot
EXPOSE 8000
ENTRYPOINT ["/app/deploy/procfile.sh"]
CMD ["web"]
