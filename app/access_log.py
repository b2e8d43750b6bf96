"""One access-log line per request on stdout: method, path, status, duration."""

import logging
import sys
import time
from urllib.parse import quote

logger = logging.getLogger("app.access")

# Characters left readable in a logged path; everything else is percent-encoded
# so that a hostile path cannot forge or break log lines.
_SAFE_PATH_CHARS = "/:@!$&'()*+,;=-._~"


def _configure_logger():
    """Send access lines to stdout once per process, without the root logger's noise."""
    if not logger.handlers:
        handler = logging.StreamHandler(sys.stdout)
        handler.setFormatter(logging.Formatter("%(message)s"))
        logger.addHandler(handler)
        logger.setLevel(logging.INFO)
        logger.propagate = False


class AccessLogMiddleware:
    """WSGI middleware that logs every request the app answers, whatever answered it."""

    def __init__(self, wsgi_app):
        self.wsgi_app = wsgi_app
        _configure_logger()

    def __call__(self, environ, start_response):
        started = time.perf_counter()
        status = []

        def recording_start_response(status_line, headers, exc_info=None):
            status.append(status_line.split(" ", 1)[0])
            return start_response(status_line, headers, exc_info)

        try:
            return self.wsgi_app(environ, recording_start_response)
        finally:
            logger.info(
                "%s %s %s %.1fms",
                quote(environ.get("REQUEST_METHOD", "-"), safe=""),
                quote(environ.get("PATH_INFO", ""), safe=_SAFE_PATH_CHARS),
                status[-1] if status else "-",
                (time.perf_counter() - started) * 1000,
            )
