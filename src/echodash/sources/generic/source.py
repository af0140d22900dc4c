"""Any webhook: configurable authentication, dedup key and type; key fields found by name."""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import parse_qs

from echodash.events import EventDraft
from echodash.sources._base import Guide, Source
from echodash.sources.generic.reader import Hook
from echodash.sources.generic.titles import TITLES
from echodash.sources.kit.payload import dig, load_json, text
from echodash.sources.kit.signatures import (
    Headers,
    SecretTest,
    SignatureError,
    digest_test,
    header_value,
    token_test,
)

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
    """Any tool that can call a URL, with the authentication its endpoint's options choose."""

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
    titles = TITLES
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

    def signed_with(self, headers: Headers, body: bytes) -> SecretTest | None:
        """None when `auth` is none (the unguessable receive URL is the only credential);
        else a test of the token, or of the HMAC of the body, in the configured header."""
        if self.auth == "none":
            return None
        header = self.options["token_header" if self.auth == "token" else "signature_header"]
        presented = header_value(headers, header, header)
        if self.auth == "token":
            return _token_test(header, presented)
        return self._hmac_test(header, presented, body)

    @property
    def signature_label(self) -> str:
        header = self.options.get("token_header") or self.options.get("signature_header")
        return f"the {header} header" if header else "the signature"

    def _hmac_test(self, header: str, presented: str, body: bytes) -> SecretTest:
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
        return digest_test(digest, body, algorithm)

    def delivery_id(self, headers: Headers, body: bytes) -> str | None:
        if "id_header" in self.options:
            return _dedup_key(headers.get(self.options["id_header"]))
        if "id_path" in self.options:
            return _dedup_key(dig(_document(headers, body), self.options["id_path"]))
        return None

    def read(self, headers: Headers, body: bytes) -> Hook | None:
        document = _document(headers, body)
        if not isinstance(document, dict):
            return None
        title = None
        if "title_path" in self.options:
            title = text(dig(document, self.options["title_path"]))
        return Hook(document, self._event_type(headers, document), title)

    def unreadable(self, headers: Headers, body: bytes) -> EventDraft:
        content_type = headers.get("content-type", "").split(";")[0].strip()
        seen = f"{len(body)} bytes, {content_type or 'no content type'}"
        event_type = self._event_type(headers, None)
        return EventDraft(type=event_type, title=f"Webhook received ({seen})")

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


def _token_test(header: str, presented: str) -> SecretTest:
    """The token as sent, or after `Bearer ` in the Authorization header."""
    candidates = [presented]
    scheme, _, rest = presented.partition(" ")
    if header == "authorization" and scheme.lower() == "bearer":
        candidates.append(rest.strip())
    tests = [token_test(candidate, header) for candidate in candidates]
    # Both candidates are compared, so the time taken does not tell which one matched.
    return lambda secret: any([test(secret) for test in tests])


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
