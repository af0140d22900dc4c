"""Feed page: server time to render `GET /` (and its filters) over a large SQLite store.

Seeds `--events` events straight into the SQLite file of a fresh data directory, signs in as
the first admin through the real setup page, then times the feed's URLs on loopback.

.venv/bin/python bench/feed.py [--events 1000000] [--requests 50] [--keep]
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import re
import shlex
import shutil
import sqlite3
import statistics
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import orjson

from serving import EchoDashProcess

TOKEN = "edk_bench-token-0123456789abcdef"
WORKSPACE = 1
CHUNK = 50_000
WARMUP = 5
DAY_US = 86_400 * 1_000_000

REPOS = ["acme/web", "acme/api", "acme/infra", "acme/docs", "acme/mobile"]
PEOPLE = ["octocat", "hubot", "monalisa", "defunkt", "mojombo", "pjhyett", "wanstrath"]
BRANCHES = ["main", "develop", "release/2.4", "fix/login-redirect", "feat/billing-v2"]
WORDS = ["retry", "timeout", "cache", "login", "invoice", "webhook", "deploy", "search", "billing",
         "dashboard", "migration", "flaky", "latency", "export", "onboarding"]  # fmt: skip
WORKFLOWS = ["CI", "Deploy", "Nightly", "Lint", "Release"]
CUSTOMERS = ["Globex", "Initech", "Umbrella", "Hooli", "Stark Industries", "Wayne Enterprises"]

INSERT = (
    "INSERT INTO events (workspace_id, endpoint_id, delivery_id, source, type, title, summary, "
    "actor, subject, url, occurred_at, received_at, severity, tags, fields) "
    "VALUES (?, ?, NULL, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, '[]', ?)"
)


def github_event(rng: random.Random) -> tuple[str, str, str, str, str, str, dict[str, object]]:
    """(type, title, summary, actor, subject, url, fields) of a plausible GitHub event."""
    repo, who = rng.choice(REPOS), rng.choice(PEOPLE)
    n = rng.randint(1, 9999)
    kind = rng.random()
    if kind < 0.4:
        branch, commits = rng.choice(BRANCHES), rng.randint(1, 12)
        return (
            "push",
            f"{who} pushed {commits} commit{'s' * (commits > 1)} to {branch} in {repo}",
            f"{rng.choice(WORDS)}: {rng.choice(WORDS)} {rng.choice(WORDS)}",
            who,
            f"{repo}@{branch}",
            f"https://github.com/{repo}/compare/{n:x}...{n + 1:x}",
            {"repository": repo, "branch": branch, "commits": commits},
        )
    if kind < 0.65:
        action = rng.choice(["opened", "closed", "reopened"])
        words = " ".join(rng.sample(WORDS, 3))
        return (
            f"pull_request.{action}",
            f"{who} {action} pull request #{n} in {repo}: Fix {words}",
            f"Fix {words}",
            who,
            f"{repo}#{n}",
            f"https://github.com/{repo}/pull/{n}",
            {"repository": repo, "number": n, "draft": rng.random() < 0.1},
        )
    if kind < 0.9:
        flow = rng.choice(WORKFLOWS)
        conclusion = "failure" if rng.random() < 0.15 else "success"
        return (
            "workflow_run.completed",
            f"{flow} {'failed' if conclusion == 'failure' else 'passed'} on "
            f"{rng.choice(BRANCHES)} in {repo}",
            f"Run {n} triggered by {who}",
            who,
            f"{repo}:{flow}",
            f"https://github.com/{repo}/actions/runs/{n}",
            {"repository": repo, "workflow": flow, "conclusion": conclusion},
        )
    words = " ".join(rng.sample(WORDS, 2))
    return (
        "issues.opened",
        f"{who} opened issue #{n} in {repo}: {words.capitalize()} is broken",
        f"{words.capitalize()} is broken since the last deploy",
        who,
        f"{repo}#{n}",
        f"https://github.com/{repo}/issues/{n}",
        {"repository": repo, "number": n},
    )


def stripe_event(rng: random.Random) -> tuple[str, str, str, str, str, str, dict[str, object]]:
    customer = rng.choice(CUSTOMERS)
    amount = rng.randint(500, 250_000)
    money = f"${amount / 100:,.2f}"
    ref = f"{rng.getrandbits(48):012x}"
    kind = rng.random()
    if kind < 0.45:
        typ, title = "charge.succeeded", f"{customer} paid {money}"
    elif kind < 0.55:
        typ, title = "charge.failed", f"Charge of {money} to {customer} failed: card declined"
    elif kind < 0.85:
        typ, title = "invoice.paid", f"Invoice for {customer} paid: {money}"
    elif kind < 0.93:
        typ, title = "invoice.payment_failed", f"Invoice payment for {customer} failed ({money})"
    else:
        typ, title = "customer.subscription.created", f"{customer} subscribed to the Pro plan"
    prefix = "ch" if typ.startswith("charge") else "in" if typ.startswith("invoice") else "sub"
    return (
        typ,
        title,
        f"{customer} · {money}",
        customer,
        f"{prefix}_{ref}",
        f"https://dashboard.stripe.com/payments/{prefix}_{ref}",
        {"customer": customer, "amount": amount, "currency": "usd"},
    )


def severity_of(typ: str, title: str, rng: random.Random) -> str:
    if typ.endswith("failed") or " failed" in title:
        return "critical" if rng.random() < 0.05 else "error"
    if typ in {"charge.succeeded", "invoice.paid"} or " passed " in title:
        return "success"
    return "warning" if rng.random() < 0.05 else "info"


def seed(
    db: Path,
    count: int,
    github_id: int,
    stripe_id: int,
    seed_no: int = 1,
    span: tuple[int, int] | None = None,
) -> float:
    """Insert `count` events over `span` (microseconds; default the last 30 days); return the
    seconds it took."""
    rng = random.Random(seed_no)
    end = int(time.time() * 1_000_000)
    start, end = span or (end - 30 * DAY_US, end)
    step = (end - start) / max(count, 1)
    started = time.perf_counter()
    conn = sqlite3.connect(db, isolation_level=None)
    try:
        mode = conn.execute("PRAGMA journal_mode").fetchone()[0]
        assert mode == "wal", f"journal_mode is {mode}, expected wal"
        conn.execute("PRAGMA synchronous = NORMAL")
        conn.execute("PRAGMA cache_size = -262144")  # 256 MiB: the indexes of a big seed
        done = 0
        while done < count:
            rows = []
            for i in range(done, min(done + CHUNK, count)):
                github = rng.random() < 0.6
                typ, title, summary, actor, subject, url, fields = (
                    github_event(rng) if github else stripe_event(rng)
                )
                occurred = int(start + i * step)
                rows.append((
                    WORKSPACE,
                    github_id if github else stripe_id,
                    "github" if github else "stripe",
                    typ,
                    title,
                    summary,
                    actor,
                    subject,
                    url,
                    occurred,
                    occurred + rng.randint(20_000, 900_000),
                    severity_of(typ, title, rng),
                    orjson.dumps(fields).decode(),
                ))  # fmt: skip
            conn.execute("BEGIN")
            conn.executemany(INSERT, rows)
            conn.execute("COMMIT")
            done += len(rows)
            elapsed = time.perf_counter() - started
            print(f"  seeded {done:>9,} / {count:,} events  ({elapsed:6.1f} s)", flush=True)
    finally:
        conn.close()
    return time.perf_counter() - started


def setup_admin(server: EchoDashProcess, client: httpx.Client) -> None:
    """Create the first admin through the setup link in the server log; the client signs in."""
    deadline = time.monotonic() + 10
    link = None
    while link is None and time.monotonic() < deadline:
        found = re.search(
            r"create the first admin at (\S+)", server.log.read_text(errors="replace")
        )
        link = found.group(1) if found else None
        if link is None:
            time.sleep(0.05)
    if link is None:
        raise RuntimeError(f"no setup link in {server.log}")
    parts = urlsplit(link)
    path = f"{parts.path}?{parts.query}"
    form = client.get(path)
    assert form.status_code == 200, form.text
    csrf = re.search(r'name="csrf" value="([^"]+)"', form.text)
    assert csrf, "no csrf field on the setup page"
    done = client.post(
        path,
        data={
            "csrf": csrf.group(1),
            "name": "Bench Admin",
            "email": "bench@example.com",
            "password": "bench-password-123",
        },
    )
    assert done.status_code == 303, (done.status_code, done.text[:500])
    feed = client.get("/")
    assert feed.status_code == 200 and 'class="row' in feed.text, feed.status_code


def time_urls(client: httpx.Client, urls: list[str], requests: int) -> list[tuple[str, ...]]:
    table = []
    for url in urls:
        for _ in range(WARMUP):
            assert client.get(url).status_code == 200
        times = []
        for _ in range(requests):
            t0 = time.perf_counter()
            r = client.get(url)
            times.append((time.perf_counter() - t0) * 1000)
            assert r.status_code == 200, (url, r.status_code)
        times.sort()
        p95 = times[min(len(times) - 1, max(0, round(0.95 * len(times)) - 1))]
        table.append((
            url,
            f"{statistics.median(times):.1f}",
            f"{p95:.1f}",
            f"{times[-1]:.1f}",
            f"{len(r.content) / 1024:.1f}",
            str(r.text.count('class="row sev-')),
        ))  # fmt: skip
    return table


def print_table(header: tuple[str, ...], rows: list[tuple[str, ...]]) -> None:
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header))]
    for n, row in enumerate([header, *rows]):
        cells = [
            c.ljust(w) if i == 0 else c.rjust(w)
            for i, (c, w) in enumerate(zip(row, widths, strict=True))
        ]
        print("| " + " | ".join(cells) + " |")
        if n == 0:
            print("|" + "|".join("-" * (w + 2) for w in widths) + "|")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--events", type=int, default=1_000_000, help="events to seed")
    parser.add_argument("--requests", type=int, default=50, help="timed requests per URL")
    parser.add_argument("--keep", action="store_true", help="keep the temporary data directory")
    args = parser.parse_args()
    command = shlex.join([os.path.relpath(sys.executable), *sys.argv])

    tmp = Path(tempfile.mkdtemp(prefix="echodash-feed-"))
    data_dir = tmp / "data"
    server = EchoDashProcess(data_dir, token=TOKEN)
    try:
        # 1. Migrations and two endpoints, through the running server.
        server.start()
        with httpx.Client(
            base_url=server.url, headers={"Authorization": f"Bearer {TOKEN}"}, timeout=10
        ) as api:
            ids = {}
            for kind, name in (("github", "acme/web"), ("stripe", "Acme payments")):
                r = api.post("/api/v1/endpoints", json={"kind": kind, "name": name})
                assert r.status_code == 201, r.text
                ids[kind] = int(r.json()["id"])
        server.stop()

        # 2. Events straight into the SQLite file.
        db = data_dir / "echodash.db"
        print(f"seeding {args.events:,} events into {db}")
        seeded = seed(db, args.events, ids["github"], ids["stripe"])
        with sqlite3.connect(db) as conn:
            total = conn.execute("SELECT count(*) FROM events").fetchone()[0]
            low, high = conn.execute("SELECT min(id), max(id) FROM events").fetchone()
        size = sum(f.stat().st_size for f in data_dir.glob("echodash.db*")) / 2**20

        # 3. Serve it; the first admin through the setup page.
        server.start(timeout=120)
        with httpx.Client(base_url=server.url, timeout=60) as client:
            setup_admin(server, client)
            urls = [
                "/",
                "/?source=github",
                "/?severity=error",
                "/?q=octocat",
                "/?range=24h",
                f"/feed/rows?before={(low + high) // 2}",
            ]
            # 4. Time each URL.
            table = time_urls(client, urls, args.requests)
    finally:
        server.stop()
        if args.keep:
            print(f"kept {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)

    print()
    print(f"command: {command}")
    print(
        f"host: {platform.platform()}, {platform.machine()}, {os.cpu_count()} CPUs, "
        f"Python {platform.python_version()}, SQLite {sqlite3.sqlite_version}"
    )
    print(
        f"events in store: {total:,} (database {size:,.0f} MiB); "
        f"seeded in {seeded:.1f} s ({total / seeded:,.0f} events/s)"
    )
    print(f"{args.requests} timed requests per URL after {WARMUP} warm-up, one client, loopback")
    print()
    print_table(("URL", "median ms", "p95 ms", "max ms", "size KiB", "rows"), table)


if __name__ == "__main__":
    main()
