"""`custom`: a team's own product events, sent with an API token to `POST /api/v1/events`
(or loaded with `echodash import`), never to a receive URL."""

from __future__ import annotations

from echodash.events import EventDraft
from echodash.sources._base import Guide, Source
from echodash.sources.custom.reader import CustomEvent
from echodash.sources.custom.titles import TITLES
from echodash.sources.kit.payload import load_json_quietly, not_an_object
from echodash.sources.kit.signatures import Headers, SecretTest, SignatureError


class CustomSource(Source):
    """Custom events: what the product's own code reports, through the API."""

    kind = "custom"
    name = "Custom events"
    order = 120
    icon = (
        '<path d="M7.6 1.5h8.8l6.1 6.1v8.8l-6.1 6.1H7.6l-6.1-6.1V7.6z" fill="currentColor"/>'
        '<path d="M9.5 7.5c-1.5 0-2 .7-2 2v.8c0 1-.5 1.7-1.5 1.7 1 0 1.5.7 1.5 1.7v.8c0 1.3.5 2 '
        '2 2M14.5 7.5c1.5 0 2 .7 2 2v.8c0 1 .5 1.7 1.5 1.7-1 0-1.5.7-1.5 1.7v.8c0 1.3-.5 2-2 2" '
        'fill="none" style="stroke:var(--src-ink,#fff)" stroke-width="1.9" '
        'stroke-linecap="round" stroke-linejoin="round"/>'
    )
    colour = ("#4d7c0f", "#a3e635")
    guide = Guide(
        "Your own code, with an API token (Settings → API tokens)",
        (
            "Send events to POST /api/v1/events with Authorization: Bearer <token>, not to "
            "this endpoint's receive URL (it refuses everything).",
            "Example: curl -H 'Authorization: Bearer <token>' "
            "https://<your EchoDash>/api/v1/events "
            '-d \'{{"event": "Signed up", "distinct_id": "u_1"}}\'',
        ),
    )
    requires_secret = False
    titles = TITLES

    def signed_with(self, headers: Headers, body: bytes) -> SecretTest:
        # Custom events come through the API with a token; the endpoint's receive URL takes
        # nothing, so knowing it is worth nothing.
        raise SignatureError(
            "use_the_api", "custom events go to POST /api/v1/events with an API token"
        )

    def delivery_id(self, headers: Headers, body: bytes) -> str | None:
        return None

    def read(self, headers: Headers, body: bytes) -> CustomEvent | None:
        # What the API and `echodash import` stored is checked already; anything else still
        # becomes a readable line rather than an error.
        document = load_json_quietly(headers, body)
        return CustomEvent(document) if isinstance(document, dict) else None

    def unreadable(self, headers: Headers, body: bytes) -> EventDraft:
        return not_an_object("Custom events", load_json_quietly(headers, body))
