# Copyright 2026 isp_telephony authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The gateway interface every VoIP platform adapter implements.

Plain Python, no Odoo: models translate their records into the dataclasses
below, call a gateway, and store what comes back. An adapter module per
platform (``summit.py``, ``callmyway.py``, ``asterisk.py``, ``sandbox.py``)
registers itself with :func:`register` under the code used in the
integration's ``gateway`` selection, and DECLARES what it can do in
:attr:`Gateway.capabilities`. Models never test a platform's name: they ask
:func:`gateway_class` for the adapter and the adapter what it can do
(:meth:`Gateway.can`) before calling the matching method.

Adding a platform: one module here with a ``@register``-ed Gateway subclass
(imported in ``gateways/__init__.py``), its label, capabilities and methods.
"""

from dataclasses import dataclass, field

# Capabilities an adapter may declare. Each names the methods it implements.
# find_line / activate_line / update_line / cancel_line: lines on the platform.
PROVISIONING = "provisioning"
# list_catalogs: partitions, categories, plans and licences.
CATALOGS = "catalogs"
# place_call: ring the agent's phone, then the number (click-to-dial).
CLICK_TO_DIAL = "click_to_dial"
# fetch_cdrs: call records read from the platform's API (not from files).
CDR_FETCH = "cdr_fetch"
# The platform reports calls as they happen (see Gateway.event_source).
CALL_EVENTS = "call_events"
CAPABILITIES = (PROVISIONING, CATALOGS, CLICK_TO_DIAL, CDR_FETCH, CALL_EVENTS)

# How call events reach Odoo: the platform posts them to the webhook
# controller, or Odoo keeps a connection open and listens (the AMI command).
EVENTS_WEBHOOK = "webhook"
EVENTS_LISTENER = "listener"

# code -> Gateway subclass, in registration order; filled by @register.
GATEWAYS = {}


def _(text):
    """Marks an adapter's label for Odoo's translation export (which reads
    ``_("...")`` in every Python file of the addon); the integration model
    shows it translated. Plain Python: returns ``text`` unchanged."""
    return text


def register(code):
    """Class decorator: ``cls`` is the adapter of the platform ``code``."""

    def decorator(cls):
        unknown = set(cls.capabilities) - set(CAPABILITIES)
        if unknown:
            raise ValueError(f"{cls.__name__}: unknown capabilities {sorted(unknown)}")
        if CALL_EVENTS in cls.capabilities and cls.event_source not in (
            EVENTS_WEBHOOK,
            EVENTS_LISTENER,
        ):
            raise ValueError(f"{cls.__name__}: call events need an event_source")
        GATEWAYS[code] = cls
        cls.code = code
        return cls

    return decorator


def unregister(code):
    """Remove an adapter (tests that register a fake platform)."""
    GATEWAYS.pop(code, None)


def gateway_class(code):
    try:
        return GATEWAYS[code]
    except KeyError:
        raise GatewayError(f"No platform adapter for gateway {code!r}.") from None


def choices():
    """``[(code, label)]`` of every registered platform: the integration's
    ``gateway`` selection."""
    ordered = sorted(GATEWAYS.items(), key=lambda item: item[1].sequence)
    return [(code, cls.label or code) for code, cls in ordered]


def codes_with(capability, event_source=None):
    """Codes of the platforms that declare ``capability`` (and, for call
    events, deliver them by ``event_source``), for domains."""
    return [
        code
        for code, cls in GATEWAYS.items()
        if cls.can(capability)
        and (event_source is None or cls.event_source == event_source)
    ]


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
    # Bare host name or address and port, for platforms reached over a
    # socket rather than a URL (Asterisk AMI). 0: the platform's default.
    host: str = ""
    port: int = 0
    use_tls: bool = False
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
    category: str = ""  # category code
    plan: str = ""  # platform plan code
    licence: str = ""  # licence code
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
    extra: dict = field(default_factory=dict)


@dataclass
class DialRequest:
    """Click-to-dial: ring ``endpoint`` (the agent's phone), then connect
    ``number`` (E.164)."""

    endpoint: str
    number: str
    # The identity to call from (an endpoint or number of the agent's).
    caller_id: str = ""
    # Where the platform dials the number: ISO country and area code of the
    # integration, the outside-line prefix, a dialplan context.
    country: str = ""
    area_code: str = ""
    dial_prefix: str = ""
    context: str = ""
    # Seconds the agent's phone rings before the attempt is given up.
    timeout: int = 30
    # Passed to the call (Asterisk channel variables), e.g. the call log id.
    variables: dict = field(default_factory=dict)


@dataclass
class Catalogs:
    partitions: list = field(default_factory=list)  # [CatalogEntry]
    categories: list = field(default_factory=list)
    plans: list = field(default_factory=list)
    licences: list = field(default_factory=list)


class UnsupportedError(RejectedError):
    """The platform does not offer what was asked (nothing was sent)."""


class Gateway:
    """Base class. One instance per job: it may hold an HTTP session, which
    :meth:`close` releases (also usable as a context manager).

    A subclass declares what its platform offers; the methods of a
    capability it does not declare raise :class:`UnsupportedError` before
    anything is sent."""

    code = None
    # Shown in the integration's platform list; wrap it in _() for the export.
    label = ""
    # Place in that list.
    sequence = 100
    # Subset of CAPABILITIES.
    capabilities = frozenset()
    # With CALL_EVENTS: EVENTS_WEBHOOK or EVENTS_LISTENER.
    event_source = None
    # XML id of the CDR layout its files use unless the integration picks one.
    default_cdr_layout = None
    # GatewayConfig fields that must be set before the platform is reached.
    required_settings = ()

    def __init__(self, config):
        self.config = config

    @classmethod
    def can(cls, capability):
        return capability in cls.capabilities

    def _unsupported(self, capability):
        return UnsupportedError(
            f"{self.label or self.code} does not offer {capability.replace('_', ' ')}."
        )

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def close(self):
        """Release connections."""

    # Lines (PROVISIONING) ----------------------------------------------
    def find_line(self, key):
        """The line created earlier with idempotency ``key``, or None."""
        raise self._unsupported(PROVISIONING)

    def activate_line(self, spec):
        """Create the line (or return the one that already has spec.key)."""
        raise self._unsupported(PROVISIONING)

    def update_line(self, terminal, spec, changed):
        """Push the fields named in ``changed`` (a set of LineSpec field
        names). Returns a LineResult when the platform returns new data."""
        raise self._unsupported(PROVISIONING)

    def cancel_line(self, terminal):
        """Remove the line from the platform; cancelling twice is not an
        error."""
        raise self._unsupported(PROVISIONING)

    # Catalogs (CATALOGS) -----------------------------------------------
    def list_catalogs(self):
        """Partitions, categories, plans and licences as a Catalogs."""
        raise self._unsupported(CATALOGS)

    # Click-to-dial (CLICK_TO_DIAL) -------------------------------------
    def place_call(self, request):
        """Ask the platform to ring ``request.endpoint``, then
        ``request.number`` (a DialRequest). Returns once the platform has
        queued the call: its outcome comes later as call events. Never
        retried: a retry after a lost answer could ring the customer twice."""
        raise self._unsupported(CLICK_TO_DIAL)

    # CDRs (CDR_FETCH) --------------------------------------------------
    def fetch_cdrs(self, start=None, end=None, recent=False):
        """Call records between ``start`` and ``end`` (or the recent ones),
        as the platform's raw dicts."""
        raise self._unsupported(CDR_FETCH)

    # Connection --------------------------------------------------------
    def check_connection(self):
        """Ask the platform one harmless authenticated question; returns
        what it says in a few words, raises a GatewayError whose message
        tells what failed (unreachable, credentials refused, ...)."""
        raise NotImplementedError
