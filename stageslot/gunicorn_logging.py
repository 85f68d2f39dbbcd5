"""gunicorn's own lines through the site's formatter (deploy/gunicorn.conf.py's `logger_class`).

gunicorn writes the master's and the workers' messages ("Booting worker", "Worker exiting") and one access
line a request with handlers of its own, in its own text formats. With this logger class they go through
the formatter the site's lines use (stageslot.observability.site_formatter): with DJANGO_LOG_FORMAT=json,
production's default, every line a web node writes is one JSON object, and the access line names the
request's id – the one the app gave the answer (X-Request-ID), so the access line and the app's lines of
one request share it (docs/decisions/0085-logs-probes-and-prefixes.md).
"""

import logging

from gunicorn.glogging import Logger

from stageslot.observability import HEADER, RequestIdFilter, is_request_id, site_formatter


class SiteLogger(Logger):
    """gunicorn's logger, its lines formatted as the site's. Python's warnings (a library's, while the
    application loads) are lines of gunicorn's error log too, not text on stderr. The access line's query
    string is left out: signed links carry their token there."""

    def setup(self, cfg) -> None:
        super().setup(cfg)  # gunicorn's handlers, made again on each reload (HUP)
        formatter = site_formatter()
        for log in (self.error_log, self.access_log):
            for handler in log.handlers:
                handler.setFormatter(formatter)
                if not any(isinstance(f, RequestIdFilter) for f in handler.filters):
                    handler.addFilter(RequestIdFilter())
        logging.captureWarnings(True)
        warnings = logging.getLogger("py.warnings")
        warnings.handlers, warnings.propagate = list(self.error_log.handlers), False

    def access(self, resp, req, environ, request_time) -> None:
        if not self.access_log_enabled:
            return
        status = str(resp.status).split(None, 1)[0]
        # An answer gunicorn made itself (the application failed) comes with an empty environ.
        method = environ.get("REQUEST_METHOD") or getattr(req, "method", None) or "-"
        path = environ.get("PATH_INFO") or getattr(req, "path", None) or "-"
        fields = {
            "method": method,
            "path": path,
            "status": int(status) if status.isdigit() else status,
            "bytes": getattr(resp, "sent", None),
            "duration_ms": round(request_time.total_seconds() * 1000, 1),
            "remote_addr": environ.get("REMOTE_ADDR"),
            "user_agent": environ.get("HTTP_USER_AGENT"),
        }
        try:
            self.access_log.info(
                "%s %s %s", method, path, status, extra={"request_id": _answer_id(resp, req), "fields": fields}
            )
        except Exception:
            self.error_log.exception("The access line of %s %s could not be written", method, path)


def _answer_id(resp, req) -> str:
    """The id the app gave the answer; the proxy's, for an answer gunicorn made itself (the application
    failed, or the request was bad)."""
    for headers in (resp.headers, getattr(req, "headers", None)):
        for name, value in (headers.items() if hasattr(headers, "items") else headers) or ():
            if name.lower() == HEADER.lower() and is_request_id(value):
                return value
    return "-"
