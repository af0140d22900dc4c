"""A local HTTP server that answers like Stripe's API for one account (stripe_account.py):
the lists a backfill reads, newest first, with `limit`, `starting_after` and `has_more`; a
price by id; and scripted answers — a 429, a 502, a request held until the test lets it
go. Lists answer with their objects expanded (as the backfill asks)."""

from __future__ import annotations

import copy
import json
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from tests.backfill.stripe_account import Account


@dataclass
class FakeStripe:
    account: Account
    now: int = 0  # the API's clock, for which events it still keeps (30 days)
    # Path prefix -> answers for the next requests to it: "429", "502", "hold", "ok".
    faults: dict[str, list[str]] = field(default_factory=dict)
    requests: list[str] = field(default_factory=list)
    keys: list[str | None] = field(default_factory=list)
    release: threading.Event = field(default_factory=threading.Event)
    held: threading.Event = field(default_factory=threading.Event)
    lock: threading.Lock = field(default_factory=threading.Lock)
    embedded_lines: int = 2  # lines an invoice carries; the rest at /v1/invoices/{id}/lines
    max_limit: int = 100  # Stripe's cap on `limit`; smaller, for more pages
    events_allowed: bool = True  # False: a restricted key without read access to events

    def listing(self, path: str, query: dict[str, str]) -> tuple[int, Any]:
        account = self.account
        if path == "/v1/customers":
            return 200, sorted(account.customers, key=lambda c: c["created"], reverse=True)
        if path == "/v1/subscriptions":
            subs = [account.subscription(s) for s in account.subs.values()]
            return 200, sorted(subs, key=lambda s: s["created"], reverse=True)
        if path == "/v1/invoices":
            wanted = query.get("subscription")
            found = []
            for invoice in account.invoices:
                owner = invoice.get("subscription") or (invoice.get("parent") or {}).get(
                    "subscription_details", {}
                ).get("subscription")
                if owner == wanted:
                    shown = copy.deepcopy(invoice)
                    lines = shown["lines"]["data"]
                    shown["lines"]["data"] = lines[: self.embedded_lines]
                    shown["lines"]["has_more"] = len(lines) > self.embedded_lines
                    found.append(shown)
            return 200, sorted(found, key=lambda i: i["created"], reverse=True)
        if path.startswith("/v1/invoices/") and path.endswith("/lines"):
            invoice_id = path.split("/")[3]
            invoice = next(i for i in account.invoices if i["id"] == invoice_id)
            return 200, invoice["lines"]["data"]
        if path == "/v1/invoiceitems":
            assert query.get("pending") == "true"
            found = [
                account.pending_item(sub, line)
                for sub in account.subs.values()
                if sub.customer == query.get("customer")
                for line in sub.pending
            ]
            return 200, sorted(found, key=lambda i: i["date"], reverse=True)
        if path == "/v1/events":
            floor = max(int(query.get("created[gte]", "0")), self.now - 30 * 86400)
            kept = [e for e in account.events if e["created"] >= floor]
            return 200, sorted(kept, key=lambda e: e["created"], reverse=True)
        return 404, None

    def answer(self, path: str, query: dict[str, str]) -> tuple[int, Any]:
        if path.startswith("/v1/coupons/"):
            coupons = {s.coupon["id"]: s.coupon for s in self.account.subs.values() if s.coupon}
            found = coupons.get(path.rsplit("/", 1)[1])
            return (200, found) if found else (404, _error("No such coupon"))
        if path.startswith("/v1/prices/"):
            found = self.account.prices.get(path.rsplit("/", 1)[1])
            return (200, found) if found else (404, _error("No such price"))
        status, listed = self.listing(path, query)
        if listed is None:
            return 404, _error("Unrecognized request URL")
        after = query.get("starting_after")
        if after:
            ids = [x["id"] for x in listed]
            listed = listed[ids.index(after) + 1 :]
        limit = min(int(query.get("limit", "10")), self.max_limit)
        return status, {
            "object": "list",
            "url": path,
            "has_more": len(listed) > limit,
            "data": listed[:limit],
        }

    def fault(self, path: str) -> str | None:
        with self.lock:
            self.requests.append(path)
            for prefix, queue in self.faults.items():
                if path.startswith(prefix) and queue:
                    return queue.pop(0)
        return None


def _error(message: str) -> Any:
    return {"error": {"type": "invalid_request_error", "message": message}}


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def log_message(self, *args: Any) -> None:
        pass

    def do_GET(self) -> None:
        api = self.server.api
        parts = urlsplit(self.path)
        query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
        api.keys.append(self.headers.get("authorization"))
        fault = api.fault(parts.path)
        if fault == "hold":
            api.held.set()
            api.release.wait(30)
        if fault == "502":
            self._send(502, _error("Bad gateway"))
            return
        if fault == "429":
            self._send(
                429,
                {
                    "error": {
                        "type": "invalid_request_error",
                        "code": "rate_limit",
                        "message": "Too many requests.",
                    }
                },
            )
            return
        if self.headers.get("authorization") != f"Bearer {self.server.key}":
            self._send(
                401,
                {
                    "error": {
                        "type": "invalid_request_error",
                        "message": "Invalid API Key provided.",
                    }
                },
            )
            return
        if parts.path == "/v1/events" and not api.events_allowed:
            message = "The provided key does not have the required permissions (rak_event_read)."
            self._send(403, {"error": {"type": "invalid_request_error", "message": message}})
            return
        self._send(*api.answer(parts.path, query))

    def _send(self, status: int, document: Any) -> None:
        body = json.dumps(document).encode()
        self.send_response(status)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(body)))
        self.send_header("request-id", "req_local")
        self.end_headers()
        try:
            self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the reader was killed (as a test does on purpose)


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, api: FakeStripe, key: str) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.api = api
        self.key = key


class StripeApiServer:
    """The fake API on a loopback port, in a thread."""

    def __init__(self, api: FakeStripe, key: str) -> None:
        self.api = api
        self._server = _Server(api, key)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_port}"

    def __enter__(self) -> StripeApiServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.api.release.set()
        self._server.shutdown()
        self._server.server_close()
