# Copyright 2026 isp_telephony authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The gateway interface every VoIP platform adapter implements.

Plain Python, no Odoo: models translate their records into the dataclasses
below, call a gateway, and store what comes back. An adapter module per
platform (``summit.py``, ``callmyway.py``, ``asterisk.py``, ``sandbox.py``)
registers itself with :func:`register` under the code used in the
integration's ``gateway`` selection.
"""

from dataclasses import dataclass, field

# code -> Gateway subclass; filled by @register in each adapter module.
GATEWAYS = {}


def register(code):
    def decorator(cls):
        GATEWAYS[code] = cls
        cls.code = code
        return cls

    return decorator


def gateway_class(code):
    try:
        return GATEWAYS[code]
    except KeyError:
        raise GatewayError(f"No platform adapter for gateway {code!r}.") from None


class GatewayError(Exception):
    """A platform call failed. ``message`` is fit to show to a user; it never
    contains a credential."""

    retryable = False

    def __init__(self, message, status=None):
        super().__init__(message)
        self.message = message
        self.status = status


class TransientError(GatewayError):
    """Timeout, connection failure or 5xx: worth retrying with backoff."""

    retryable = True


class RejectedError(GatewayError):
    """The platform refused the request (4xx); ``message`` is its reason."""


class ProtocolError(GatewayError):
    """The platform answered something we cannot read (bad JSON, missing
    fields). Not retried automatically; visible and retryable by hand."""


@dataclass
class GatewayConfig:
    """Connection settings, built from an integration record."""

    base_url: str = ""
    username: str = ""
    password: str = ""
    # Seconds for connect and for read.
    timeout: float = 10.0
    verify_tls: bool = True
    # Attempts for transient failures, and the first backoff delay (doubles).
    retries: int = 3
    backoff: float = 0.5
    extra: dict = field(default_factory=dict)


@dataclass
class DidSpec:
    number: str  # E.164
    priority: int = 1
    port: int | None = None  # 1 = main line; other = own port; None = no calls


@dataclass
class DidResult:
    number: str
    terminal: str = ""
    credential: str = ""


@dataclass
class LineSpec:
    """What Odoo wants a line to be on the platform."""

    # Idempotency key: the line's UUID. The platform (or the adapter, by
    # looking it up first) must never create two terminals for one key.
    key: str
    caller_id: str  # E.164
    bid_type: str = "terminal"  # terminal | trunk
    description: str = ""
    account_code: str = ""
    extension: str = ""
    partition: str = ""  # partition code
    category: str = ""  # category code (acronym)
    plan: str = ""  # platform plan code
    licence: str = ""  # licence code (acronym)
    cost_center: str = "Default"
    activation_date: str = ""  # ISO date
    due_day: int = 1
    call_limit: int = 1
    active: bool = True
    dids: list = field(default_factory=list)  # [DidSpec]


@dataclass
class LineResult:
    terminal: str
    credential: str = ""
    dids: list = field(default_factory=list)  # [DidResult]


@dataclass
class CatalogEntry:
    code: str
    name: str
    acronym: str = ""
    extra: dict = field(default_factory=dict)


@dataclass
class Catalogs:
    partitions: list = field(default_factory=list)  # [CatalogEntry]
    categories: list = field(default_factory=list)
    plans: list = field(default_factory=list)
    licences: list = field(default_factory=list)


class Gateway:
    """Base class. One instance per job: it may hold an HTTP session, which
    :meth:`close` releases (also usable as a context manager)."""

    code = None

    def __init__(self, config):
        self.config = config

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def close(self):
        """Release connections."""

    # Lines -------------------------------------------------------------
    def find_line(self, key):
        """The line created earlier with idempotency ``key``, or None."""
        raise NotImplementedError

    def activate_line(self, spec):
        """Create the line (or return the one that already has spec.key)."""
        raise NotImplementedError

    def update_line(self, terminal, spec, changed):
        """Push the fields named in ``changed`` (a set of LineSpec field
        names). Returns a LineResult when the platform returns new data."""
        raise NotImplementedError

    def cancel_line(self, terminal):
        """Remove the line from the platform; cancelling twice is not an
        error."""
        raise NotImplementedError

    # Catalogs ----------------------------------------------------------
    def list_catalogs(self):
        """Partitions, categories, plans and licences as a Catalogs."""
        raise NotImplementedError

    # Connection --------------------------------------------------------
    def check_connection(self):
        """Ask the platform one harmless authenticated question; returns
        what it says in a few words, raises a GatewayError whose message
        tells what failed (unreachable, credentials refused, ...)."""
        raise NotImplementedError
