"""Any webhook: configurable authentication, dedup key and type; key fields found by name."""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
from collections.abc import Callable, Mapping, Sequence
from typing import Any
from urllib.parse import parse_qs

from echodash.events import EventDraft
from echodash.sources.base import Guide, Headers, SignatureError, Source
from echodash.sources.digest import hmac_digest
from echodash.sources.keyfacts import headline, key_facts
from echodash.sources.payload import dig, load_json, text

AUTH_MODES = ("none", "token", "hmac")
NO_SECRET_CHECKED = -1
ALGORITHMS: dict[str, Callable[[], Any]] = {
    "sha1": hashlib.sha1,
    "sha256": hashlib.sha256,
    "sha512": hashlib.sha512,
}
ENCODINGS = ("hex", "base64")
# Options that belong to one auth mode, with their defaults.
_MODE_OPTIONS: dict[str, dict[str, str]] = {
    "none": {},
    "token": {"token_header": "authorization"},
    "hmac": {
        "signature_header": "x-signature",
        "algorithm": "sha256",
        "prefix": "",
        "encoding": "hex",
    },
}
_COMMON_OPTIONS = ("id_header", "id_path", "type_header", "type_path", "title_path")
_HEADER_NAME = re.compile(r"[!#$%&'*+.^_`|~0-9a-z-]{1,100}")
_HEX = re.compile(r"[0-9a-fA-F]+")
_BASE64 = re.compile(r"[A-Za-z0-9+/\-_]+={0,2}")


class GenericSource(Source):
    kind = "generic"
    name = "Any webhook"
    order = 110
    icon = (
        '<circle cx="12" cy="12" r="11" fill="currentColor"/>'
        '<path d="M7 12h9.5M13 8.5l3.5 3.5-3.5 3.5" fill="none" '
        'style="stroke:var(--src-ink,#fff)" stroke-width="2.3" stroke-linecap="round" '
        'stroke-linejoin="round"/>'
    )
    colour = ("#64748b", "#a3b1c4")
    guide = Guide(
        "Any tool that can call a URL",
        (
            "URL: {url}",
            "Optional HMAC-SHA256 signature of the body with this secret, hex, in the "
            "header the endpoint's options name: {secret}",
            "Try it: curl -X POST {url} -H 'content-type: application/json' "
            '-d \'{{"title": "Hello from curl"}}\'',
        ),
    )

    def __init__(self, options: Mapping[str, Any] | None = None) -> None:
        super().__init__(self.validate_options(options or {}))
        self.auth: str = self.options["auth"]
        # Per endpoint, because they depend on the options; the base class declares them as
        # class variables, hence the ignores.
        token_header = {self.options["token_header"]} if self.auth == "token" else set()
        self.secret_headers = frozenset(token_header)
        self.requires_secret = self.auth != "none"

    @classmethod
    def validate_options(cls, options: Mapping[str, Any]) -> dict[str, Any]:
        known = {"auth", *_COMMON_OPTIONS, *(k for opts in _MODE_OPTIONS.values() for k in opts)}
        unknown = sorted(str(key) for key in options if key not in known)
        if unknown:
            raise ValueError(
                f"unknown option(s) for the generic source: {', '.join(unknown)} "
                f"(known: {', '.join(sorted(known))})"
            )
        auth = options.get("auth", "token")
        if auth not in AUTH_MODES:
            raise ValueError(f"auth must be one of {', '.join(AUTH_MODES)}, not {auth!r}")
        for key in options:
            if key not in _MODE_OPTIONS[auth] and key not in _COMMON_OPTIONS and key != "auth":
                owner = next(mode for mode, opts in _MODE_OPTIONS.items() if key in opts)
                raise ValueError(f"option {key!r} only applies when auth is {owner!r}")
        result: dict[str, Any] = {"auth": auth}
        for key, default in _MODE_OPTIONS[auth].items():
            result[key] = _checked(key, options.get(key, default))
        for key in _COMMON_OPTIONS:
            if options.get(key) is not None:
                result[key] = _checked(key, options[key])
        if "id_header" in result and "id_path" in result:
            raise ValueError("set id_header or id_path, not both")
        return result

    def verify(self, headers: Headers, body: bytes, secrets: Sequence[str]) -> int:
        if self.auth == "none":
            # The unguessable receive URL is the only credential. -1 says that no secret was
            # used (the receiver records no matching secret for an index out of range).
            return NO_SECRET_CHECKED
        header = self.options["token_header" if self.auth == "token" else "signature_header"]
        presented = headers.get(header, "").strip()
        if not presented:
            raise SignatureError("missing_signature", f"no {header} header")
        if self.auth == "token":
            matched = _match_token(header, presented, secrets)
        else:
            matched = self._match_hmac(header, presented, body, secrets)
        if matched is None:
            raise SignatureError("bad_signature", f"the {header} header matches no active secret")
        return matched

    def _match_hmac(
        self, header: str, presented: str, body: bytes, secrets: Sequence[str]
    ) -> int | None:
        prefix: str = self.options["prefix"]
        if prefix:
            if presented[: len(prefix)].lower() != prefix.lower():
                raise SignatureError(
                    "malformed_signature", f"{header} does not start with {prefix}"
                )
            presented = presented[len(prefix) :].strip()
        algorithm = ALGORITHMS[self.options["algorithm"]]
        digest = _decode_digest(presented, self.options["encoding"])
        if digest is None or len(digest) != algorithm().digest_size:
            raise SignatureError(
                "malformed_signature",
                f"{header} is not a {self.options['encoding']} {self.options['algorithm']} digest",
            )
        matched = None
        for index, secret in enumerate(secrets):
            expected = hmac_digest(secret.encode("utf-8"), body, algorithm)
            if secret and hmac.compare_digest(expected, digest) and matched is None:
                matched = index
        return matched

    def delivery_id(self, headers: Headers, body: bytes) -> str | None:
        if "id_header" in self.options:
            return _dedup_key(headers.get(self.options["id_header"]))
        if "id_path" in self.options:
            return _dedup_key(dig(_document(headers, body), self.options["id_path"]))
        return None

    def parse(self, headers: Headers, body: bytes) -> list[EventDraft]:
        document = _document(headers, body)
        event_type = self._event_type(headers, document)
        if not isinstance(document, dict):
            content_type = headers.get("content-type", "").split(";")[0].strip()
            seen = f"{len(body)} bytes, {content_type or 'no content type'}"
            return [EventDraft(type=event_type, title=f"Webhook received ({seen})")]
        facts = key_facts(document, event_type)
        title: str | None = None
        if "title_path" in self.options:
            title = text(dig(document, self.options["title_path"]))
        return [facts.draft(event_type, title or headline(event_type, facts))]

    def _event_type(self, headers: Headers, document: Any) -> str:
        if "type_header" in self.options:
            found = text(headers.get(self.options["type_header"]), limit=100)
            if found:
                return found
        paths = [self.options["type_path"]] if "type_path" in self.options else ["event", "type"]
        for path in paths:
            found = text(dig(document, path), limit=100)
            if found:
                return found
        return "webhook"


def _document(headers: Headers, body: bytes) -> Any:
    """JSON, or a form: its `payload` field when that holds JSON, else the flat form."""
    content_type = headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type != "application/x-www-form-urlencoded":
        return load_json(headers, body)
    embedded = load_json(headers, body)
    if embedded is not None:
        return embedded
    try:
        form = parse_qs(body.decode("utf-8"), keep_blank_values=True)
    except (UnicodeDecodeError, ValueError):
        return None
    return {key: values[0] if len(values) == 1 else values for key, values in form.items()}


def _dedup_key(value: Any) -> str | None:
    """A scalar as text, never shortened: two long ids must not end up as one key."""
    if value is None or isinstance(value, (bool, dict, list)):
        return None
    return str(value).strip() or None


def _match_token(header: str, presented: str, secrets: Sequence[str]) -> int | None:
    candidates = [presented]
    scheme, _, rest = presented.partition(" ")
    if header == "authorization" and scheme.lower() == "bearer":
        candidates.append(rest.strip())
    matched = None
    # Every secret is compared, so the time taken does not tell which one matched.
    for index, secret in enumerate(secrets):
        for candidate in candidates:
            equal = hmac.compare_digest(candidate.encode("utf-8"), secret.encode("utf-8"))
            if secret and equal and matched is None:
                matched = index
    return matched


def _decode_digest(value: str, encoding: str) -> bytes | None:
    if encoding == "hex":
        return bytes.fromhex(value) if _HEX.fullmatch(value) and len(value) % 2 == 0 else None
    if not _BASE64.fullmatch(value):
        return None
    standard = value.translate(str.maketrans("-_", "+/")).rstrip("=")
    try:
        return base64.b64decode(standard + "=" * (-len(standard) % 4), validate=True)
    except ValueError:
        return None


def _checked(key: str, raw: Any) -> str:
    if not isinstance(raw, str):
        raise ValueError(f"option {key!r} must be text, not {type(raw).__name__}")
    if key == "prefix":
        if len(raw) > 50:
            raise ValueError("prefix must be at most 50 characters")
        return raw
    value = raw.strip()
    if key.endswith("_header"):
        value = value.lower()
        if not _HEADER_NAME.fullmatch(value):
            raise ValueError(f"{key} {value!r} is not a valid HTTP header name")
    elif key.endswith("_path"):
        if not value or len(value) > 200 or not all(value.split(".")):
            raise ValueError(f"{key} {value!r} must be a dotted path like data.object.id")
    elif key == "algorithm":
        value = value.lower()
        if value not in ALGORITHMS:
            raise ValueError(f"algorithm must be one of {', '.join(ALGORITHMS)}, not {value!r}")
    elif key == "encoding":
        value = value.lower()
        if value not in ENCODINGS:
            raise ValueError(f"encoding must be one of {', '.join(ENCODINGS)}, not {value!r}")
    return value
