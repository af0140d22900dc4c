"""An EchoDash source for Acme Deploys: HMAC-signed deploy notifications."""

from __future__ import annotations

import re
from collections.abc import Sequence

from echodash.events import EventDraft, Severity
from echodash.sources.base import Headers, SignatureError, Source
from echodash.sources.digest import match_hex_hmac
from echodash.sources.payload import line, link, load_json_quietly, not_an_object

SIGNATURE = "x-acme-signature"  # header names arrive in lower case
DELIVERY = "x-acme-delivery"
HEX_SHA256 = re.compile(r"[0-9a-f]{64}", re.ASCII | re.IGNORECASE)
SEVERITY = {"succeeded": Severity.SUCCESS, "failed": Severity.ERROR}


class AcmeSource(Source):
    """Deploy notifications from Acme Deploys, signed with the endpoint's secret."""

    kind = "acme"  # the name used in `echodash endpoints create --kind acme`
    name = "Acme Deploys"

    def verify(self, headers: Headers, body: bytes, secrets: Sequence[str]) -> int:
        """The index of the secret that signed `body`; SignatureError for anything else."""
        signature = headers.get(SIGNATURE, "").strip()
        if not signature:
            raise SignatureError("missing_signature", "the X-Acme-Signature header is missing")
        if not HEX_SHA256.fullmatch(signature):
            raise SignatureError("malformed_signature", "X-Acme-Signature is not 64 hex digits")
        matched = match_hex_hmac(signature, body, secrets)  # every secret, constant time
        if matched is None:
            raise SignatureError("bad_signature", "X-Acme-Signature matches no active secret")
        return matched

    def delivery_id(self, headers: Headers, body: bytes) -> str | None:
        return headers.get(DELIVERY, "").strip() or None

    def parse(self, headers: Headers, body: bytes) -> list[EventDraft]:
        """Pure, and never raises: a body that is not what we expect still becomes a line."""
        document = load_json_quietly(headers, body)
        if not isinstance(document, dict):
            return [not_an_object("Acme Deploys", document)]
        event = line(document.get("event"), 60) or "deploy"
        service = line(document.get("service"), 80)
        status = line(document.get("status"), 40)
        title = f"Deploy of {service or 'a service'} {status or 'reported'}"
        return [
            EventDraft(
                type=event,
                title=title,
                subject=service,
                url=link(document.get("url")),
                severity=SEVERITY.get(status or "", Severity.INFO),
                fields={"status": status} if status else {},
            )
        ]
