"""Everything EchoDash needs to know about Acme Deploys, on one class."""

from __future__ import annotations

from echodash.sources import (
    Guide,
    Headers,
    SecretTest,
    Source,
    header_value,
    hex_hmac_test,
    load_json,
)
from echodash_acme.reader import Deploy
from echodash_acme.titles import TITLES


class AcmeSource(Source):
    """Deploy notifications from Acme Deploys, signed with the endpoint's secret."""

    kind = "acme"  # the name used in `echodash endpoints create --kind acme`
    name = "Acme Deploys"  # the label shown everywhere
    order = 200  # its place in the "Connect a tool" list (built-ins: 10 to 120)
    icon = '<path d="M12 2 23 21H1z" fill="currentColor"/>'  # SVG in a 24x24 box
    colour = ("#b45309", "#fbbf24")  # its colour in the light and the dark theme
    guide = Guide(
        "Acme console → your project → Notifications → Webhooks",
        ("URL: {url}", "Signing secret: {secret}", "Send a test deploy: it shows in the feed."),
    )
    signature_headers = ("x-acme-signature", "x-acme-delivery")
    titles = TITLES

    def signed_with(self, headers: Headers, body: bytes) -> SecretTest:
        """X-Acme-Signature: the hex HMAC-SHA256 of the body, keyed with the secret."""
        signature = header_value(headers, "x-acme-signature", "X-Acme-Signature")
        return hex_hmac_test(signature, "X-Acme-Signature", body)

    def delivery_id(self, headers: Headers, body: bytes) -> str | None:
        return headers.get("x-acme-delivery", "").strip() or None

    def read(self, headers: Headers, body: bytes) -> Deploy | None:
        document = load_json(headers, body)
        return Deploy(document) if isinstance(document, dict) else None
