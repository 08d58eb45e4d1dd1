# Copyright 2026 isp_telephony authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Log redaction: secrets that travel in query strings never reach a log line.

CallMyWay takes its ``password`` in the query string of every request, and
platforms may call the webhook with its secret as ``?token=``. The HTTP
libraries log every request line (urllib3 at DEBUG, werkzeug's access log):
:class:`RedactSecretsFilter`, installed on those loggers by
:func:`install_filter`, masks the values; :func:`redact` masks a text (a URL
put in an error message).
"""

import logging
import re

# Query parameters whose value is a secret.
SECRET_PARAMS = ("password", "token")

_SECRET_IN_QUERY = re.compile(
    r"((?:^|[?&\s])(?:" + "|".join(SECRET_PARAMS) + r")=)[^&\s\"']*"
)


def redact(text):
    """``text`` with the value of every secret query parameter masked."""
    return _SECRET_IN_QUERY.sub(r"\1***", text)


class RedactSecretsFilter(logging.Filter):
    """Masks secret query values in the log records it sees."""

    def filter(self, record):
        try:
            message = record.getMessage()
        except (TypeError, ValueError):
            return True
        redacted = redact(message)
        if redacted != message:
            record.msg, record.args = redacted, ()
        return True


def install_filter(logger_name):
    """Put the filter on ``logger_name`` once (installing twice is a no-op)."""
    target = logging.getLogger(logger_name)
    if not any(isinstance(f, RedactSecretsFilter) for f in target.filters):
        target.addFilter(RedactSecretsFilter())
