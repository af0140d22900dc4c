"""Every registered source's verifier survives garbage: it refuses, it never breaks.

The kinds come from the registry (the `echodash.sources` entry points), so a source added
later is covered without touching this file. For each one, Hypothesis feeds `handshake`,
`verify` and `delivery_id` header dicts built from every signature header EchoDash knows
(with odd, huge and non-Latin values) and bodies of random bytes or JSON of odd shapes:

- `verify` returns an int or raises `SignatureError`, never anything else;
- `handshake` returns None or a `Handshake`, or raises `SignatureError`;
- `delivery_id` returns text or None; it may raise (the receive path catches that and keys
  on the body's hash), but it must not hang.

Then the same through HTTP against a real server: garbage is answered 400/401/409/413, never
500, and stores nothing.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from echodash.sources import Handshake, SignatureError, Source, source_classes
from tests.support import Server

KINDS = sorted(source_classes())

# Every signature and routing header name EchoDash's sources read (lower case, as the
# receive path hands them over), plus a few that carry ids.
HEADER_NAMES = [
    "x-hub-signature-256",
    "stripe-signature",
    "webhook-id",
    "webhook-timestamp",
    "webhook-signature",
    "sentry-hook-signature",
    "linear-signature",
    "x-vercel-signature",
    "cf-webhook-auth",
    "x-notion-signature",
    "x-gitlab-token",
    "x-gitlab-event",
    "x-slack-signature",
    "x-slack-request-timestamp",
    "x-signature",
    "authorization",
    "content-type",
    "x-github-event",
    "x-github-delivery",
    "idempotency-key",
    "linear-delivery",
    "sentry-hook-resource",
    "x-slack-retry-num",
]
# A call that takes longer than this on one small input is as good as hung.
SLOW_CALL_SECONDS = 5.0


def _now() -> str:
    return str(int(time.time()))


# --- header values: plausible shapes with broken insides, and plain junk ----------------------

_hex = st.text(alphabet="0123456789abcdefABCDEF", min_size=0, max_size=130)
_latin1 = st.text(alphabet=st.characters(min_codepoint=0, max_codepoint=255), max_size=80)
_number_text = st.sampled_from(
    [
        "0",
        "-1",
        "1e309",
        "nan",
        "inf",
        "-inf",
        "9" * 400,
        "1.5",
        " 17 ",
        "\uff10\uff11\uff12",
        "\u0663",
        "0x10",
        "",
    ]
)
_plausible = st.one_of(
    _hex.map(lambda h: "sha256=" + h),
    _hex.map(lambda h: "v0=" + h),
    _hex,
    st.builds(lambda t, s: f"t={t},v1={s}", _number_text, _hex),
    st.builds(lambda t, s: f"t={t},v1={s},v0=,t=", st.integers(), _hex),
    st.builds(lambda s: f"v1,{s}", st.text(max_size=60)),
    st.builds(lambda s: f"v1,{s} v1a,{s} v2,", st.text(alphabet="AZaz09+/=_-", max_size=60)),
    st.just("v1,"),
    st.just("t=,v1="),
    st.just(",,,"),
    st.just("Bearer "),
    st.builds(lambda s: "Bearer " + s, st.text(max_size=40)),
    st.just(_now()),
    _number_text,
    st.integers().map(str),
    st.just("application/x-www-form-urlencoded"),
    st.just("application/json; charset=utf-8"),
)
_header_value = st.one_of(
    _plausible,
    _latin1,
    st.text(max_size=80),  # any Unicode, even what HTTP cannot carry
    st.text(alphabet="ḁ☃🎉日本語\u202e\u0000\ud7ff", max_size=40),
    st.builds(lambda c, n: c * n, st.sampled_from("a0=,é "), st.integers(10_000, 200_000)),
)
_headers = st.dictionaries(st.sampled_from(HEADER_NAMES), _header_value, max_size=10)

# --- bodies: random bytes, and JSON of every odd shape ----------------------------------------

_scalar = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.integers(min_value=2**64, max_value=2**200),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=40),
)
_json_value = st.recursive(
    _scalar,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=12), inner, max_size=4)
    ),
    max_leaves=12,
)
_odd: st.SearchStrategy[Any] = st.one_of(
    _json_value, st.just(""), st.just([]), st.just({}), st.just(-(2**63))
)
_handshake_like = st.one_of(
    st.fixed_dictionaries({"type": st.just("url_verification"), "challenge": _odd}),
    st.fixed_dictionaries({"type": st.just("url_verification"), "challenge": _odd, "token": _odd}),
    st.fixed_dictionaries({"verification_token": _odd}),
    st.fixed_dictionaries({"verification_token": _odd, "id": _odd, "type": _odd}),
    st.fixed_dictionaries({"type": _odd, "event_id": _odd, "event": _odd}),
    st.fixed_dictionaries({"webhookTimestamp": _odd, "type": _odd, "data": _odd}),
    st.fixed_dictionaries({"id": _odd, "object_kind": _odd, "event_name": _odd}),
)


def _dumps(value: Any) -> bytes:
    try:
        return json.dumps(value).encode("utf-8", "surrogatepass")
    except (ValueError, TypeError):
        return b"{}"


_bodies = st.one_of(
    st.binary(max_size=300),
    _json_value.map(_dumps),
    _handshake_like.map(_dumps),
    st.sampled_from(
        [
            b"",
            b"null",
            b"[]",
            b"{}",
            b"1" * 5000,  # an integer far too long for int() and for orjson
            b"[" * 5000 + b"]" * 5000,  # deeper than any parser's recursion limit
            b'{"a": NaN, "b": Infinity}',
            b'{"type": "url_verification", "challenge": "\xff\xfe"}',
            b"payload=%7B%22type%22%3A%22url_verification%22%7D",
            b"\xef\xbb\xbf{}",  # a byte order mark
        ]
    ),
)


# --- the sources under test -------------------------------------------------------------------


def build(kind: str) -> Source:
    """The kind's source with its default options; skipped when it has no defaults."""
    cls = source_classes()[kind]
    try:
        options = cls.validate_options({})
    except ValueError as exc:
        print(f"{kind}: skipped, its options are required ({exc})")
        pytest.skip(f"the {kind} source needs options: {exc}")
    return cls(options)


def secret_sets(source: Source) -> list[list[str]]:
    """Active-secret lists as the receive path can pass them (never empty when required)."""
    own = source.generate_secret()
    sets = [
        [own],
        ["an-older-secret-0123456789", own],
        ["ünïcødé ☃ secret"],
        ["x" * 1000],
        ["whsec_AAAA"],
        ["whsec_not*base64!"],
    ]
    if not source.requires_secret or type(source).secret_from_handshake:
        sets.append([])
    return sets


def timed(call: Callable[[], Any]) -> Any:
    start = time.monotonic()
    try:
        return call()
    finally:
        took = time.monotonic() - start
        assert took < SLOW_CALL_SECONDS, f"one call took {took:.1f} s: as good as hung"


def refused(exc: SignatureError) -> None:
    """A refusal carries a reason code the endpoint can show."""
    reason = exc.reason
    assert isinstance(reason, str) and reason, repr(reason)


def check_survives(
    source: Source, headers: dict[str, str], body: bytes, secrets: list[str]
) -> None:
    # handshake: None, a Handshake, or SignatureError.
    try:
        found = timed(lambda: source.handshake(headers, body, secrets))
    except SignatureError as exc:
        refused(exc)
    else:
        assert found is None or isinstance(found, Handshake), repr(found)

    # verify: an int or SignatureError. The receive path refuses an endpoint that requires a
    # secret and has none before calling verify, so that case is not asked of it.
    if secrets or not source.requires_secret:
        try:
            index = timed(lambda: source.verify(headers, body, secrets))
        except SignatureError as exc:
            refused(exc)
        else:
            assert isinstance(index, int) and not isinstance(index, bool), repr(index)
            assert index == -1 or 0 <= index < len(secrets), index

    # delivery_id: text or None; raising is tolerated (the receive path catches it).
    try:
        key = timed(lambda: source.delivery_id(headers, body))
    except AssertionError:
        raise
    except Exception as exc:
        print(f"{source.kind}: delivery_id raised {type(exc).__name__} (caught by ingest)")
    else:
        assert key is None or isinstance(key, str), repr(key)

    # parse: never raises, and always gives the feed something readable to show.
    drafts = timed(lambda: source.parse(headers, body))
    assert isinstance(drafts, list) and drafts, repr(drafts)
    for draft in drafts:
        assert isinstance(draft.title, str) and draft.title.strip(), repr(draft)
        assert draft.url is None or draft.url.startswith(("https://", "http://")), draft.url


@pytest.mark.parametrize("kind", KINDS)
def test_the_registry_has_sources_to_check(kind: str) -> None:
    assert isinstance(build(kind), Source)


@pytest.mark.parametrize("kind", KINDS)
def test_every_part_of_a_source_survives_garbage(kind: str) -> None:
    source = build(kind)
    sets = secret_sets(source)

    @settings(max_examples=200, deadline=None, database=None)
    @given(headers=_headers, body=_bodies, which=st.integers(0, len(sets) - 1))
    def run(headers: dict[str, str], body: bytes, which: int) -> None:
        check_survives(source, headers, body, sets[which])

    run()


def test_the_checks_catch_a_verifier_that_breaks() -> None:
    """The property itself is honest: a verifier raising anything else is caught."""

    class Broken(Source):
        kind = "broken"
        name = "Broken"

        def verify(self, headers: Any, body: bytes, secrets: Any) -> int:
            return int(headers.get("x-signature", ""))

        def signed_with(self, headers: Any, body: bytes) -> Any:
            return None

        def delivery_id(self, headers: Any, body: bytes) -> str | None:
            return None

        def read(self, headers: Any, body: bytes) -> Any:
            return None

        def parse(self, headers: Any, body: bytes) -> list[Any]:
            return []

    with pytest.raises(ValueError, match="invalid literal"):
        check_survives(Broken(), {"x-signature": "nope"}, b"", ["secret"])


# --- the same through HTTP ------------------------------------------------------------------

REFUSALS = {400, 401, 409, 413}
# Small, so "too large" costs 64 KiB per kind rather than the default 25 MiB.
MAX_BODY = 64 * 1024


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """The usual one-per-module server, with a small body limit."""
    env = {"ECHODASH_MAX_BODY_BYTES": str(MAX_BODY)}
    srv = Server(tmp_path_factory.mktemp("server"), env=env).start()
    yield srv
    srv.stop()


def garbage_requests(max_body: int) -> list[tuple[str, dict[str, Any], bytes]]:
    """20 requests no sender would sign: (label, headers, body)."""
    every = dict.fromkeys(HEADER_NAMES, "garbage")
    every.pop("content-type")
    zeros = "0" * 64
    plausible = {
        "x-hub-signature-256": f"sha256={zeros}",
        "stripe-signature": f"t={_now()},v1={zeros}",
        "webhook-id": "msg_garbage",
        "webhook-timestamp": _now(),
        "webhook-signature": "v1,AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=",
        "sentry-hook-signature": zeros,
        "linear-signature": zeros,
        "x-vercel-signature": "0" * 40,
        "cf-webhook-auth": "not-the-secret",
        "x-notion-signature": f"sha256={zeros}",
        "x-gitlab-token": "not-the-secret",
        "x-slack-signature": f"v0={zeros}",
        "x-slack-request-timestamp": _now(),
        "x-signature": zeros,
        "authorization": "Bearer not-the-secret",
    }
    json_type = {"content-type": "application/json"}
    return [
        ("nothing at all", {}, b""),
        ("binary body", {"content-type": "application/octet-stream"}, bytes(range(256)) * 4),
        ("every header, junk", every, b"{}"),
        ("every header, plausible", {**plausible, **json_type}, b'{"id": "evt_1"}'),
        ("huge header", {**plausible, "x-signature": "a" * 8000}, b"{}"),
        ("huge signatures", dict.fromkeys(plausible, "9" * 1000), b"{}"),
        ("UTF-8 header bytes", {k: "é☃日本".encode() for k in plausible}, b"{}"),
        ("Latin-1 bytes in headers", dict.fromkeys(plausible, b"\x80\xfe\xff"), b"{}"),
        ("JSON list", {**plausible, **json_type}, b"[1, 2, 3]"),
        ("JSON null", {**plausible, **json_type}, b"null"),
        ("huge integer", {**plausible, **json_type}, b"1" * 5000),
        ("deep nesting", {**plausible, **json_type}, b"[" * 3000 + b"]" * 3000),
        (
            "Slack challenge, unsigned, not text",
            json_type,
            b'{"type": "url_verification", "challenge": {"a": 1}}',
        ),
        (
            "Slack challenge, forged signature",
            {**plausible, **json_type},
            b'{"type": "url_verification", "challenge": "abc"}',
        ),
        ("Notion token, not text", json_type, b'{"verification_token": 12345678901234567890}'),
        ("Notion token, a list", json_type, b'{"verification_token": ["secret_x"]}'),
        (
            "stale timestamps",
            {**plausible, "webhook-timestamp": "1", "x-slack-request-timestamp": "1"},
            b'{"webhookTimestamp": 1}',
        ),
        ("form body", {"content-type": "application/x-www-form-urlencoded"}, b"payload=%7B%7D%zz"),
        ("odd content type", {**plausible, "content-type": "text/plain; charset=ebcdic"}, b"\x00"),
        ("too large", json_type, b"x" * (max_body + 1)),
    ]


@pytest.mark.parametrize("kind", KINDS)
def test_garbage_over_http_is_refused_never_a_500_and_stores_nothing(
    server: Server, kind: str
) -> None:
    source = build(kind)
    cls = type(source)
    with server.client() as admin:
        body: dict[str, Any] = {"kind": kind, "name": f"garbage {kind}"}
        if not cls.secret_from_handshake:
            body["secret"] = source.generate_secret()  # e.g. whsec_… for `standard`
        created = admin.post("/api/v1/endpoints", json=body)
        if created.status_code == 400:
            # A kind that has no receive URL of its own (its events come another way).
            print(f"{kind}: no endpoint can be created ({created.json()}); skipped")
            pytest.skip(f"endpoints of kind {kind} cannot be created: {created.text}")
        assert created.status_code == 201, created.text
        endpoint = created.json()

    answers: list[tuple[str, int, str]] = []
    with httpx.Client(base_url=server.url, timeout=20.0) as client:
        for label, headers, payload in garbage_requests(MAX_BODY):
            try:
                r = client.post(f"/in/{endpoint['slug']}", headers=headers, content=payload)
            except httpx.RemoteProtocolError:
                # The HTTP server itself dropped a request it would not parse: no 500 either.
                answers.append((label, 0, "connection closed"))
                continue
            answers.append((label, r.status_code, r.text[:200]))
    wrong = [a for a in answers if a[1] not in REFUSALS and a[1] != 0]
    assert not wrong, f"{kind}: garbage answered outside {sorted(REFUSALS)}: {wrong}"
    # The endpoint was reached and its source said no (not, say, a 404 for every request).
    assert any(status == 401 for _, status, _ in answers), answers

    time.sleep(0.5)  # anything stored would have been parsed by now
    assert server.all_events(endpoint=endpoint["id"]) == []
