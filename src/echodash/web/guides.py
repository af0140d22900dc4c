"""Copy-paste setup steps per tool: where its webhook settings are, and what goes where."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Guide:
    # Where the tool's webhook settings live, as a person would click to them.
    where: str
    # Steps; "{url}" and "{secret}" are shown as copyable values on the page.
    steps: tuple[str, ...]
    # True when the tool makes the signing secret itself and it must be pasted into EchoDash.
    tool_makes_secret: bool = False
    paste_hint: str = ""


GUIDES: dict[str, Guide] = {
    "github": Guide(
        "Repository or organization → Settings → Webhooks → Add webhook",
        (
            "Payload URL: {url}",
            "Content type: application/json",
            "Secret: {secret}",
            "Choose “Send me everything”, or pick the events you want, then Add webhook.",
            "GitHub sends a ping at once: it appears in the feed within a second.",
        ),
    ),
    "stripe": Guide(
        "Dashboard → Developers → Webhooks → Add endpoint",
        (
            "Endpoint URL: {url}",
            "Select the events to send (for revenue metrics: customer.subscription.*, "
            "invoice.*, charge.*), then Add endpoint.",
            "Reveal the endpoint's Signing secret (whsec_…) and paste it below.",
        ),
        tool_makes_secret=True,
        paste_hint="Stripe's signing secret, starting with whsec_",
    ),
    "cloudflare": Guide(
        "Dashboard → Notifications → Destinations → Webhooks → Create",
        (
            "URL: {url}",
            "Secret: {secret}",
            "Save and Test: the test message appears in the feed.",
            "Then attach the destination to the notifications you want (origin health, "
            "DDoS, SSL, Workers, usage…).",
        ),
    ),
    "notion": Guide(
        "My integrations → your integration → Webhooks → Create a subscription",
        (
            "Webhook URL: {url}",
            "Notion posts a verification token to EchoDash; it appears on this page, for admins. "
            "Paste it back into Notion's Verify dialog.",
        ),
        tool_makes_secret=True,
        paste_hint="Notion's verification token",
    ),
    "gitlab": Guide(
        "Project → Settings → Webhooks → Add new webhook",
        (
            "URL: {url}",
            "Secret token: {secret}",
            "Tick the triggers (push, merge request, pipeline, job, deployment, issue, "
            "note, release), then Add webhook and use Test.",
        ),
    ),
    "sentry": Guide(
        "Settings → Developer Settings → your internal integration → Webhook URL",
        (
            "Webhook URL: {url}",
            "Enable Alert Rule Action and tick the resources (issue, error, …).",
            "Copy the integration's Client Secret and paste it below.",
        ),
        tool_makes_secret=True,
        paste_hint="The integration's Client Secret",
    ),
    "linear": Guide(
        "Settings → API → Webhooks → New webhook",
        (
            "URL: {url}",
            "Pick the data change events (issues, comments, projects, cycles…), then Create.",
            "Copy the webhook's signing secret and paste it below.",
        ),
        tool_makes_secret=True,
        paste_hint="Linear's signing secret",
    ),
    "vercel": Guide(
        "Team Settings → Webhooks → Create webhook",
        (
            "Endpoint: {url}",
            "Pick the events (deployment.created, deployment.succeeded, deployment.error…) "
            "and projects, then Create.",
            "Copy the secret Vercel shows once and paste it below.",
        ),
        tool_makes_secret=True,
        paste_hint="The secret Vercel showed when you created the webhook",
    ),
    "slack": Guide(
        "api.slack.com/apps → your app → Event Subscriptions",
        (
            "Request URL: {url} (EchoDash answers Slack's challenge by itself).",
            "Subscribe to the bot events you want, then Save Changes.",
            "Copy Basic Information → Signing Secret and paste it below.",
        ),
        tool_makes_secret=True,
        paste_hint="The app's Signing Secret",
    ),
    "standard": Guide(
        "The sending tool's webhook settings",
        (
            "URL: {url}",
            "Signing secret (Standard Webhooks, whsec_…): {secret} — or paste the "
            "sender's own secret below if it makes one.",
        ),
    ),
    "generic": Guide(
        "Any tool that can call a URL",
        (
            "URL: {url}",
            "Optional HMAC-SHA256 signature of the body with this secret, hex, in the "
            "header the endpoint's options name: {secret}",
            "Try it: curl -X POST {url} -H 'content-type: application/json' "
            '-d \'{{"title": "Hello from curl"}}\'',
        ),
    ),
    "custom": Guide(
        "Your own code, with an API token (Settings → API tokens)",
        (
            "Send events to POST /api/v1/events with Authorization: Bearer <token>, not to "
            "this endpoint's receive URL (it refuses everything).",
            "Example: curl -H 'Authorization: Bearer <token>' "
            "https://<your EchoDash>/api/v1/events "
            '-d \'{{"event": "Signed up", "distinct_id": "u_1"}}\'',
        ),
    ),
}

FALLBACK = Guide(
    "The tool's webhook settings",
    ("URL: {url}", "Secret: {secret}", "Send a test delivery: it appears in the feed."),
)


def guide_for(kind: str) -> Guide:
    return GUIDES.get(kind, FALLBACK)
