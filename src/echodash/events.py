"""The normalized vocabulary: what a received delivery becomes in the feed."""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

FieldValue = str | int | float | bool | None
# The times EchoDash takes in from people and files: a day inside datetime's own range, so a
# time kept as microseconds (through a float) and read back cannot step outside it.
EARLIEST = datetime(1, 1, 2, tzinfo=UTC)
LATEST = datetime(9999, 12, 30, tzinfo=UTC)


class Severity(StrEnum):
    INFO = "info"
    SUCCESS = "success"
    WARNING = "warning"
    ERROR = "error"
    CRITICAL = "critical"


class Category(StrEnum):
    """What kind of thing happened, the same across every sender (see docs/events.md).

    Alerts read it to find the changes that came before a problem; metrics read it to count
    deployments, changes and incidents whichever tool reported them."""

    DEPLOYMENT = "deployment"  # a deploy started, finished or failed
    CHANGE = "change"  # code landed: a push, a merge to the default branch
    REVIEW = "review"  # pull and merge requests, reviews, their comments
    RELEASE = "release"  # tags and releases
    CONFIG = "config"  # settings: a Cloudflare setting, a Stripe price, a webhook, a flag
    BUILD = "build"  # CI pipelines, workflow runs, jobs, checks
    INCIDENT = "incident"  # an incident opened or resolved
    ALERT = "alert"  # a tool's own alert: an error spike, a security finding, an outage
    ISSUE = "issue"  # issues, tickets, their comments
    PAYMENT = "payment"  # charges, invoices, refunds, disputes, payouts, customers
    SUBSCRIPTION = "subscription"  # subscriptions and trials
    SIGNUP = "signup"  # someone new: a product sign-up, a member joining
    ACTIVITY = "activity"  # people using a product or a tool: messages, pages, events
    OTHER = "other"


class Outcome(StrEnum):
    """How the thing an event reports went, where it has an outcome."""

    STARTED = "started"
    SUCCESS = "success"
    FAILURE = "failure"
    CANCELLED = "cancelled"
    SKIPPED = "skipped"


# The tag a replayed event is saved with; reserved: removed from what senders' payloads say.
REPLAY_TAG = "replay"


class Origin(StrEnum):
    """How an event reached EchoDash."""

    WEBHOOK = "webhook"  # a sender's delivery to /in/…
    API = "api"  # a custom event (POST /api/v1/events)
    REPLAY = "replay"  # a stored delivery parsed again
    IMPORT = "import"  # `echodash import`
    BACKFILL = "backfill"  # history read from a tool's API


@dataclass(frozen=True, slots=True)
class EventDraft:
    """What a source's parser makes of one delivery, before it is stored."""

    type: str
    title: str
    summary: str = ""
    actor: str | None = None
    subject: str | None = None
    url: str | None = None
    occurred_at: datetime | None = None
    severity: Severity = Severity.INFO
    tags: tuple[str, ...] = ()
    fields: dict[str, FieldValue] = field(default_factory=dict)
    category: Category = Category.OTHER
    # What it is about, in one comparable form: `github:acme/web`, `vercel:web`,
    # `cloudflare:example.com` (the sender's kind, then its own name for it).
    service: str | None = None
    environment: str | None = None  # `production`, `staging`… where one is named
    outcome: Outcome | None = None
    # Commit SHAs (or a tool's change ids) the event is about: a deploy's, a push's head.
    commits: tuple[str, ...] = ()


# Text no store can hold (NUL; lone surrogates, which are not UTF-8), shown as U+FFFD.
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")
# Controls that reorder the text around them: a sender's U+202E would turn a feed line
# around ("deliaf" for "failed"). Shown text never needs them; isolation keeps RTL words right.
_REORDERING = re.compile("[\u202a-\u202e\u2066-\u2069]")


def clean_text(text: str) -> str:
    """`text` as every store can keep it."""
    if text.isascii():
        return text.replace("\x00", "\ufffd") if "\x00" in text else text
    return _UNSTORABLE.sub("\ufffd", text)


def shown_text(text: str) -> str:
    """`text` fit for a feed line: storable, and without bidirectional overrides."""
    text = clean_text(text)
    return text if text.isascii() else _REORDERING.sub("", text)


def _shown_opt(text: str | None) -> str | None:
    return None if text is None else shown_text(text)


def _clean_value(value: FieldValue) -> FieldValue:
    if isinstance(value, str):
        return shown_text(value)
    if isinstance(value, int) and not -(2**63) <= value < 2**64:
        return str(value)  # JSON in the store holds 64-bit integers; the digits stay readable
    return value


def storable(draft: EventDraft) -> EventDraft:
    """The draft with every text cleaned so that storing it cannot fail: whatever a parser
    or a feed template produced, the event is kept (and reads the right way round)."""
    fields = {clean_text(str(k)): _clean_value(v) for k, v in draft.fields.items()}
    return replace(
        draft,
        type=clean_text(draft.type),
        title=shown_text(draft.title),
        summary=shown_text(draft.summary),
        actor=_shown_opt(draft.actor),
        subject=_shown_opt(draft.subject),
        url=None if draft.url is None else clean_text(draft.url),
        tags=tuple(clean_text(t) for t in draft.tags),
        fields=fields,
        service=None if draft.service is None else clean_text(draft.service),
        environment=None if draft.environment is None else clean_text(draft.environment),
        commits=tuple(clean_text(c) for c in draft.commits),
    )


@dataclass(frozen=True, slots=True)
class Event:
    """A stored, normalized event as the API and the feed show it."""

    id: int
    workspace_id: int
    endpoint_id: int | None
    delivery_id: int | None
    source: str
    type: str
    title: str
    summary: str
    actor: str | None
    subject: str | None
    url: str | None
    occurred_at: datetime
    received_at: datetime
    severity: Severity
    tags: tuple[str, ...]
    fields: dict[str, FieldValue]
    category: Category = Category.OTHER
    service: str | None = None
    environment: str | None = None
    outcome: Outcome | None = None
    commits: tuple[str, ...] = ()
    origin: Origin = Origin.WEBHOOK

    def __post_init__(self) -> None:
        # A replay is saved with the REPLAY_TAG (which the processor never lets a sender set):
        # read back, that tag is its origin.
        if self.origin is Origin.WEBHOOK and REPLAY_TAG in self.tags:
            object.__setattr__(self, "origin", Origin.REPLAY)

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "endpoint_id": self.endpoint_id,
            "source": self.source,
            "type": self.type,
            "title": self.title,
            "summary": self.summary,
            "actor": self.actor,
            "subject": self.subject,
            "url": self.url,
            "occurred_at": iso(self.occurred_at),
            "received_at": iso(self.received_at),
            "severity": self.severity.value,
            "category": self.category.value,
            "service": self.service,
            "environment": self.environment,
            "outcome": None if self.outcome is None else self.outcome.value,
            "commits": list(self.commits),
            "origin": self.origin.value,
            "tags": list(self.tags),
            "fields": self.fields,
        }


@dataclass(frozen=True, slots=True)
class Delivery:
    """One received request, exactly as it arrived (secrets removed from the headers)."""

    endpoint_id: int
    workspace_id: int
    source: str
    key: str
    headers: dict[str, str]
    body: bytes
    received_at: datetime
    secret_id: int | None
    # How it reached EchoDash, set by EchoDash itself (never read from the request): a custom
    # event's `api`, `import` for `echodash import`; the receive path's are all `webhook`.
    origin: Origin = Origin.WEBHOOK


def utcnow() -> datetime:
    return datetime.now(UTC)


def iso(moment: datetime) -> str:
    """ISO-8601 in UTC with a `Z`, milliseconds kept."""
    text = moment.astimezone(UTC).isoformat(timespec="milliseconds")
    return text.replace("+00:00", "Z")
