"""`POST /in/{slug}`: verify on the raw bytes, commit durably, answer 202. Nothing else waits."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import orjson
from starlette.types import Message, Receive, Scope, Send

from echodash.crypto import SecretKeyError
from echodash.events import Delivery, utcnow
from echodash.pipeline.directory import ActiveEndpoint
from echodash.sources import Handshake, SignatureError, body_hash_key
from echodash.store.base import StoreUnavailableError
from echodash.web.request_bounds import CLOSE
from echodash.web.responses import RAW_JSON_HEADERS, ApiError, error_document
from echodash.web.services import Services

log = logging.getLogger("echodash.ingest")

# Never stored, whatever the source: they authenticate the sender to EchoDash or elsewhere.
ALWAYS_SECRET_HEADERS = frozenset({"authorization", "proxy-authorization", "cookie"})
MAX_KEY_LENGTH = 200
RETRY_AFTER = "5"


class ReceiveEndpoint:
    """`POST /in/{slug}` as a bare ASGI app: the hottest route by far, so it skips the
    request/response objects (and, from `EchoDashApp`, the router and middleware too)."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await receive_asgi(scope["app"].state.services, scope, receive, send)


async def receive_asgi(svc: Services, scope: Scope, receive: Receive, send: Send) -> None:
    error: ApiError | None = None
    task = svc.deadlines.begin()
    try:
        status, document = await _receive(svc, scope, receive)
    except asyncio.CancelledError:
        if not svc.deadlines.expired(task):
            raise
        seconds = svc.deadlines.seconds
        error = ApiError(
            408,
            "request_timeout",
            f"The request did not arrive within the {seconds:g}-second deadline.",
        )
    except ApiError as exc:
        error = exc
    except Exception:
        # A bug, not the sender's fault: nothing was acknowledged, so the sender retries.
        log.exception("receive path failed")
        error = ApiError(
            500,
            "internal_error",
            "EchoDash failed to handle this delivery; nothing was kept. Retry later.",
        )
    finally:
        svc.deadlines.end(task)
    extra: list[tuple[bytes, bytes]] = []
    if error is not None:
        status, document = error.status, error_document(error.code, error.detail)
        extra = [
            (k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in error.headers.items()
        ]
        if status in (408, 413):
            # Answered mid-body: end the connection rather than read the rest to throw it away.
            extra.append(CLOSE)
    payload = orjson.dumps(document)
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [*RAW_JSON_HEADERS, (b"content-length", b"%d" % len(payload)), *extra],
        }
    )
    await send({"type": "http.response.body", "body": payload})


async def _receive(svc: Services, scope: Scope, receive: Receive) -> tuple[int, dict[str, Any]]:
    headers = _header_dict(scope)
    limit = svc.settings.max_body_bytes
    declared = headers.get("content-length")
    if declared is not None:
        if not (declared.isascii() and declared.isdigit()):
            raise ApiError(400, "bad_request", "The Content-Length header is not a number.")
        if int(declared) > limit:
            raise ApiError(413, "body_too_large", f"The body is over the {limit}-byte limit.")

    slug = scope["path"][len("/in/") :]
    endpoint = svc.directory.cached(slug) or await _endpoint(svc, slug)
    record = endpoint.record
    first = await receive()  # usually the whole body: then no loop, and no await more
    body = (
        await _read_body(receive, limit, first) if first.get("more_body") else _body(first, limit)
    )
    handshake = _handshake(svc, endpoint, headers, body)
    if handshake is not None:
        # A sender's set-up request: answered as it asks, kept as a delivery if it says so.
        kept = await _accept_handshake(svc, endpoint, body, handshake)
        if kept is None:
            return 200, handshake.answer
        body, secret_id = kept, None
    else:
        secret_id = _verify(svc, endpoint, headers, body)
        # Limited after verification, so forged traffic cannot use up a real sender's budget.
        if not svc.limiter.allow(record.id):
            raise ApiError(
                429,
                "rate_limited",
                "This endpoint receives more deliveries per second than it is allowed.",
                {"Retry-After": str(svc.limiter.retry_after())},
            )
    # Committed durably before the answer (awaited here, not in a helper: the hottest await).
    delivery = _delivery(endpoint, headers, body, secret_id)
    try:
        result = await svc.store.append_delivery(delivery)
    except StoreUnavailableError:
        svc.telemetry.store_errors.inc()
        raise _store_down("EchoDash cannot store deliveries right now") from None
    svc.telemetry.delivery(delivery.source, "duplicate" if result.duplicate else "accepted")
    if not result.duplicate:
        svc.processor.notify()
    if handshake is not None:
        return 200, handshake.answer
    return 202, {"status": "accepted", "delivery_id": delivery.key, "duplicate": result.duplicate}


def _delivery(
    endpoint: ActiveEndpoint, headers: dict[str, str], body: bytes, secret_id: int | None
) -> Delivery:
    """The delivery to keep: its dedup key, and its headers without secrets."""
    record = endpoint.record
    secret = endpoint.source.secret_headers
    return Delivery(
        endpoint_id=record.id,
        workspace_id=record.workspace_id,
        source=record.kind,
        key=_delivery_key(endpoint, headers, body),
        headers={
            name: value
            for name, value in headers.items()
            if name not in ALWAYS_SECRET_HEADERS and name not in secret
        },
        body=body,
        received_at=utcnow(),
        secret_id=secret_id,
    )


def _store_down(what: str) -> ApiError:
    """503 with Retry-After: the store could not answer; the sender retries later."""
    return ApiError(
        503,
        "store_unavailable",
        f"{what}; nothing was kept. Retry shortly.",
        {"Retry-After": RETRY_AFTER},
    )


def _handshake(
    svc: Services, endpoint: ActiveEndpoint, headers: dict[str, str], body: bytes
) -> Handshake | None:
    try:
        return endpoint.source.handshake(headers, body, endpoint.secrets)
    except SignatureError as exc:
        _reject(svc, endpoint, exc.reason)
        raise ApiError(401, exc.reason, f"Delivery refused: {exc.detail}.") from None
    except Exception:
        log.warning(
            "handshake check of %s raised on endpoint %s",
            endpoint.record.kind,
            endpoint.record.id,
            exc_info=True,
        )
        _reject(svc, endpoint, "verifier_error")
        raise ApiError(
            401, "verifier_error", "Delivery refused: it could not be verified."
        ) from None


async def _accept_handshake(
    svc: Services, endpoint: ActiveEndpoint, body: bytes, handshake: Handshake
) -> bytes | None:
    """Take the secret a handshake brings, if any; the body to keep as a delivery, if any."""
    record = endpoint.record
    if handshake.secret is not None:
        try:
            # Read again, not from the few-seconds cache: another node may have taken one.
            fresh = await svc.store.get_endpoint(record.workspace_id, record.id)
        except StoreUnavailableError:
            raise _store_down("EchoDash cannot read its store right now") from None
        if fresh is None or fresh.secrets:
            # Unsigned, so never allowed to replace a secret the endpoint already has.
            _reject(svc, endpoint, "handshake_refused")
            raise ApiError(
                409,
                "handshake_refused",
                "This endpoint has its secret already; a new verification token is refused. "
                "Create a new endpoint to connect again.",
            )
        try:
            await svc.store.add_secret(
                record.workspace_id, record.id, svc.box.seal(handshake.secret), None
            )
        except StoreUnavailableError:
            raise _store_down("EchoDash cannot store the token right now") from None
        svc.directory.forget(record.slug)
    if not handshake.keep:
        return None
    kept = body if handshake.kept_body is None else handshake.kept_body
    if handshake.secret is not None and handshake.secret.encode("utf-8") in kept:
        # A secret sent in the clear lives only sealed: better no delivery than a copy
        # every member, export and backup can read.
        log.warning("%s handshake not kept: it would hold the secret", record.kind)
        return None
    return kept


async def _endpoint(svc: Services, slug: str) -> ActiveEndpoint:
    try:
        endpoint = await svc.directory.by_slug(slug)
    except SecretKeyError:
        log.error("endpoint secrets cannot be decrypted: was the secret key changed or lost?")
        raise ApiError(
            503,
            "secrets_unreadable",
            "EchoDash cannot read this endpoint's secrets (its secret key changed); "
            "nothing was kept. Retry later.",
            {"Retry-After": "60"},
        ) from None
    except StoreUnavailableError:
        raise _store_down("EchoDash cannot read its store right now") from None
    if endpoint is None:
        raise ApiError(404, "unknown_endpoint", "No endpoint has this receive URL.")
    return endpoint


def _body(message: Message, limit: int) -> bytes:
    """A message's body; the whole body when it is the last (usually the only) one."""
    if message["type"] == "http.disconnect":
        raise ApiError(400, "client_disconnected", "The sender hung up mid-body.")
    body: bytes = message.get("body", b"")
    if len(body) > limit:
        raise ApiError(413, "body_too_large", f"The body is over the {limit}-byte limit.")
    return body


async def _read_body(receive: Receive, limit: int, first: Message) -> bytes:
    """The whole body of a request sent in several messages, refused as soon as it passes
    `limit` (chunked bodies included)."""
    chunks: list[bytes] = []
    size = 0
    message = first
    while True:
        chunk = _body(message, limit - size)
        size += len(chunk)
        chunks.append(chunk)
        if not message.get("more_body", False):
            return b"".join(chunks)
        message = await receive()


def _header_dict(scope: Scope) -> dict[str, str]:
    """Header names are lower case in ASGI; a repeated header's values are joined."""
    raw = scope["headers"]
    headers = {name.decode("latin-1"): value.decode("latin-1") for name, value in raw}
    if len(headers) != len(raw):
        headers = {}
        for raw_name, raw_value in raw:
            name = raw_name.decode("latin-1")
            value = raw_value.decode("latin-1")
            headers[name] = f"{headers[name]}, {value}" if name in headers else value
    return headers


def _verify(
    svc: Services, endpoint: ActiveEndpoint, headers: dict[str, str], body: bytes
) -> int | None:
    source = endpoint.source
    record = endpoint.record
    try:
        if source.requires_secret and not endpoint.secrets:
            raise SignatureError("no_active_secret", "this endpoint has no active secret")
        index = source.verify(headers, body, endpoint.secrets)
    except SignatureError as exc:
        _reject(svc, endpoint, exc.reason)
        raise ApiError(401, exc.reason, f"Delivery refused: {exc.detail}.") from None
    except Exception:
        # Fail closed: a verifier that breaks on odd input never lets the delivery through.
        log.warning("verifier of %s raised on endpoint %s", record.kind, record.id, exc_info=True)
        _reject(svc, endpoint, "verifier_error")
        raise ApiError(
            401, "verifier_error", "Delivery refused: it could not be verified."
        ) from None
    if 0 <= index < len(endpoint.secret_ids):
        return endpoint.secret_ids[index]
    return None


def _reject(svc: Services, endpoint: ActiveEndpoint, reason: str) -> None:
    svc.telemetry.delivery(endpoint.record.kind, "rejected")
    svc.rejections.add(endpoint.record.id, reason)


def _delivery_key(endpoint: ActiveEndpoint, headers: dict[str, str], body: bytes) -> str:
    try:
        key = endpoint.source.delivery_id(headers, body)
    except Exception:
        key = None
    if not key:
        return body_hash_key(body)
    return key if len(key) <= MAX_KEY_LENGTH else body_hash_key(key.encode("utf-8"))
