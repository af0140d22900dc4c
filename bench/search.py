"""Search at 10 M events: `GET /api/v1/events?q=…` and the HTML feed's search over a big store.

SQLite: seeds `--events` events straight into the SQLite file of a data directory (the same
generator as bench/feed.py), keeps that seeded directory under `--cache` keyed by size and seed
so a re-run starts in seconds, and serves a copy of it. PostgreSQL (`--database postgres`):
seeds a fresh database on the local server with COPY, kept between runs the same way (by name).
Then times each search of issue 14's table, p50/p95, through the API and the feed page.

.venv/bin/python bench/search.py [--events 10000000] [--requests 50] [--database postgres]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import re
import shlex
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx

from feed import TOKEN, WORKSPACE, github_event, print_table, seed, setup_admin, stripe_event
from serving import EchoDashProcess

WARMUP = 5
BASE = 250_000  # events made by the Python generator; the rest are time-shifted copies
DAY_US = 86_400 * 1_000_000
PG_ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"

# The searches of issue 14's table (and the page without a search, for scale).
SEARCHES = [
    ("page (no search)", ""),
    ("rare word", "q=4242"),
    ("common word", "q=octocat"),
    ("two words", "q=octocat+retry"),
    ("short prefix", "q=re"),
    ("common word, filter matching nothing", "q=octocat&source=gitlab"),
    ("common word, filter it never meets", "q=octocat&source=stripe"),
    ("common word, rare filter", "q=octocat&severity=critical"),
    ("word matching nothing", "q=zzzznothere"),
]


def cached_sqlite(cache: Path, events: int, seed_no: int) -> Path:
    """A data directory holding `events` seeded events, made once per (size, seed)."""
    home = cache / f"sqlite-{events}-seed{seed_no}"
    data = home / "data"
    if (home / "complete").exists():
        return data
    shutil.rmtree(home, ignore_errors=True)
    home.mkdir(parents=True)
    server = EchoDashProcess(data, token=TOKEN)
    try:
        server.start()
        ids = endpoints(server.url)
    finally:
        server.stop()
    db = data / "echodash.db"
    print(f"seeding {events:,} events into {db}")
    took = seed_sqlite(db, events, ids, seed_no)
    (home / "complete").write_text(f"{events} events seeded in {took:.0f} s\n")
    return data


def seed_sqlite(db: Path, events: int, ids: dict[str, int], seed_no: int) -> float:
    """The first BASE events from the Python generator (the oldest slice of 30 days), then
    copies of them shifted forward in time by SQL alone (the search index filled by its
    trigger as for any insert): 10 M events in minutes instead of hours. Word frequencies are
    the generator's; each distinct title recurs once per copy."""
    started = time.perf_counter()
    base = min(events, BASE)
    copies = -(-events // base)
    now = int(time.time() * 1_000_000)
    width = 30 * DAY_US // copies
    first = now - 30 * DAY_US
    seed(db, base, ids["github"], ids["stripe"], seed_no, (first, first + width))
    conn = sqlite3.connect(db, isolation_level=None)
    try:
        conn.execute("PRAGMA synchronous = OFF")
        conn.execute("PRAGMA cache_size = -524288")
        columns = [r[1] for r in conn.execute("PRAGMA table_info(events)") if r[1] != "id"]
        names = ", ".join(columns)
        shifted = ", ".join(
            f"{c} + :shift" if c in ("occurred_at", "received_at") else c for c in columns
        )
        done = base
        for k in range(1, copies):
            n = min(base, events - done)
            conn.execute("BEGIN")
            conn.execute(
                f"INSERT INTO events ({names}) SELECT {shifted} FROM events "
                "WHERE id <= :n ORDER BY id",
                {"shift": k * width, "n": n},
            )
            conn.execute("COMMIT")
            done += n
            print(f"  copied {done:>11,} / {events:,}  ({time.perf_counter() - started:6.1f} s)")
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        conn.close()
    return time.perf_counter() - started


def endpoints(url: str) -> dict[str, int]:
    ids = {}
    with httpx.Client(base_url=url, headers={"Authorization": f"Bearer {TOKEN}"}) as api:
        for kind, name in (("github", "acme/web"), ("stripe", "Acme payments")):
            r = api.post("/api/v1/endpoints", json={"kind": kind, "name": name})
            assert r.status_code == 201, r.text
            ids[kind] = int(r.json()["id"])
    return ids


def pg_rows(
    count: int, github_id: int, stripe_id: int, seed_no: int, width: int
) -> Iterator[tuple[Any, ...]]:
    """The same events as the SQLite seed, as rows for COPY (times as datetimes)."""
    import datetime as dt
    import random

    import orjson

    from echodash.store.postgres.sql import lexemes
    from feed import severity_of

    rng = random.Random(seed_no)
    start = int(time.time() * 1_000_000) - 30 * DAY_US
    step = width / max(count, 1)
    epoch = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
    for i in range(count):
        github = rng.random() < 0.6
        typ, title, summary, actor, subject, url, fields = (
            github_event(rng) if github else stripe_event(rng)
        )
        occurred = int(start + i * step)
        received = occurred + rng.randint(20_000, 900_000)
        source = "github" if github else "stripe"
        words = lexemes(" ".join((title, summary, actor, subject, typ, source)))
        yield (
            WORKSPACE,
            github_id if github else stripe_id,
            source,
            typ,
            title,
            summary,
            actor,
            subject,
            url,
            epoch + dt.timedelta(microseconds=occurred),
            epoch + dt.timedelta(microseconds=received),
            severity_of(typ, title, rng),
            orjson.dumps(fields).decode(),
            " ".join(words),
        )


async def seed_postgres(url: str, events: int, seed_no: int, ids: dict[str, int]) -> float:
    """As for SQLite: BASE events from the generator with COPY (the oldest slice of 30 days),
    then time-shifted copies made by SQL, with the search index built once at the end."""
    import asyncpg

    started = time.perf_counter()
    base = min(events, BASE)
    copies = -(-events // base)
    width = 30 * DAY_US // copies
    conn = await asyncpg.connect(url)
    try:
        await conn.execute(
            "CREATE TEMP TABLE seed (workspace_id bigint, endpoint_id bigint, source text, "
            "type text, title text, summary text, actor text, subject text, url text, "
            "occurred_at timestamptz, received_at timestamptz, severity text, fields text, "
            "words text)"
        )
        await conn.execute("DROP INDEX events_search")
        chunk: list[tuple[Any, ...]] = []
        for row in pg_rows(base, ids["github"], ids["stripe"], seed_no, width):
            chunk.append(row)
            if len(chunk) == 50_000:
                await _copy_chunk(conn, chunk)
                chunk = []
        if chunk:
            await _copy_chunk(conn, chunk)
        columns = [
            r[0]
            for r in await conn.fetch(
                "SELECT column_name FROM information_schema.columns WHERE table_name = 'events' "
                "AND column_name <> 'id' ORDER BY ordinal_position"
            )
        ]
        names = ", ".join(columns)
        low = await conn.fetchval("SELECT min(id) FROM events")
        done = base
        for k in range(1, copies):
            n = min(base, events - done)
            shift = f"interval '{k * width} microseconds'"
            shifted = ", ".join(
                f"{c} + {shift}" if c in ("occurred_at", "received_at") else c for c in columns
            )
            await conn.execute(
                f"INSERT INTO events ({names}) SELECT {shifted} FROM events "
                f"WHERE id < {low + n} ORDER BY id"
            )
            done += n
            print(f"  copied {done:>11,} / {events:,}  ({time.perf_counter() - started:6.1f} s)")
        print("  building the search index")
        await conn.execute("CREATE INDEX events_search ON events USING GIN (search)")
        await conn.execute("VACUUM ANALYZE events")
    finally:
        await conn.close()
    return time.perf_counter() - started


async def _copy_chunk(conn: Any, rows: list[tuple[Any, ...]]) -> int:
    await conn.execute("TRUNCATE seed")
    await conn.copy_records_to_table("seed", records=rows)
    await conn.execute(
        "INSERT INTO events (workspace_id, endpoint_id, delivery_id, source, type, title, "
        "summary, actor, subject, url, occurred_at, received_at, severity, tags, fields, search) "
        "SELECT workspace_id, endpoint_id, NULL, source, type, title, summary, actor, subject, "
        "url, occurred_at, received_at, severity, '[]', fields::jsonb, "
        "array_to_tsvector(string_to_array(words, ' ')) FROM seed"
    )
    return len(rows)


def cached_postgres(events: int, seed_no: int, data: Path) -> str:
    """A database on the local server holding the seeded events, made once per (size, seed)."""
    import asyncpg

    name = f"echodash_search_{events}_s{seed_no}"
    url = PG_ADMIN.rsplit("/", 1)[0] + "/" + name

    async def exists() -> bool:
        conn = await asyncpg.connect(PG_ADMIN)
        try:
            found = await conn.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", name)
            if found:
                done = await asyncpg.connect(url)
                try:
                    return bool(
                        await done.fetchval("SELECT 1 FROM instance_meta WHERE key = 'bench_seed'")
                    )
                finally:
                    await done.close()
            await conn.execute(f'CREATE DATABASE "{name}"')
            return False
        finally:
            await conn.close()

    if asyncio.run(exists()):
        return url
    server = EchoDashProcess(data, token=TOKEN, database=url)
    try:
        server.start()
        ids = endpoints(server.url)
    finally:
        server.stop()
    print(f"seeding {events:,} events into {name}")
    took = asyncio.run(seed_postgres(url, events, seed_no, ids))

    async def mark() -> None:
        conn = await asyncpg.connect(url)
        try:
            await conn.execute(
                "INSERT INTO instance_meta (key, value) VALUES ('bench_seed', $1)", f"{took:.0f} s"
            )
        finally:
            await conn.close()

    asyncio.run(mark())
    return url


def sign_in(client: httpx.Client) -> None:
    form = client.get("/login")
    csrf = re.search(r'name="csrf" value="([^"]+)"', form.text)
    done = client.post(
        "/login",
        data={
            "csrf": csrf.group(1) if csrf else "",
            "email": "bench@example.com",
            "password": "bench-password-123",
        },
    )
    assert done.status_code == 303, (done.status_code, done.text[:300])


def time_urls(client: httpx.Client, urls: list[str], requests: int) -> list[list[float]]:
    out = []
    for url in urls:
        for _ in range(WARMUP):
            r = client.get(url)
            assert r.status_code == 200, (url, r.status_code, r.text[:300])
        times = []
        for _ in range(requests):
            t0 = time.perf_counter()
            r = client.get(url)
            times.append((time.perf_counter() - t0) * 1000)
            assert r.status_code == 200, (url, r.status_code)
        out.append(sorted(times))
    return out


def p95(times: list[float]) -> float:
    return times[min(len(times) - 1, max(0, round(0.95 * len(times)) - 1))]


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--events", type=int, default=10_000_000, help="events to seed")
    parser.add_argument("--seed", type=int, default=1, help="random seed of the events")
    parser.add_argument("--requests", type=int, default=50, help="timed requests per URL")
    parser.add_argument("--database", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument(
        "--cache", type=Path, default=Path("/tmp/echodash-search-cache"), help="seeded stores"
    )
    parser.add_argument("--only-seed", action="store_true", help="seed (or find) and stop")
    parser.add_argument(
        "--only", default="", help="time only the searches whose query has one of these (a,b)"
    )
    args = parser.parse_args()
    searches = [(label, q) for label, q in SEARCHES if any(o in q for o in args.only.split(","))]
    command = shlex.join([os.path.relpath(sys.executable), *sys.argv])

    settings: dict[str, str] = {}
    if args.database == "sqlite":
        cached = cached_sqlite(args.cache, args.events, args.seed)
        if args.only_seed:
            return
        tmp = Path(tempfile.mkdtemp(prefix="echodash-search-"))
        data = tmp / "data"
        print(f"copying the seeded store from {cached}")
        shutil.copytree(cached, data)
        db = data / "echodash.db"
        with sqlite3.connect(db) as conn:
            total = conn.execute("SELECT max(id) FROM events").fetchone()[0]
        size = f"database {db.stat().st_size / 2**30:.1f} GiB"
        engine = f"SQLite {sqlite3.sqlite_version}"
    else:
        tmp = Path(tempfile.mkdtemp(prefix="echodash-search-"))
        data = tmp / "data"
        url = cached_postgres(args.events, args.seed, tmp / "seed-data")
        if args.only_seed:
            shutil.rmtree(tmp, ignore_errors=True)
            return
        settings["database"] = url
        total = args.events
        out = subprocess.run(
            ["psql", url, "-Atc", "SELECT pg_size_pretty(pg_database_size(current_database())), "
             "version()"],
            capture_output=True, text=True, check=False,
        )  # fmt: skip
        size, _, version = out.stdout.strip().partition("|")
        size = f"database {size}"
        engine = version.split(" on ")[0]

    server = EchoDashProcess(data, token=TOKEN, **settings)
    table: list[tuple[str, ...]] = []
    try:
        server.start(timeout=300)
        auth = {"Authorization": f"Bearer {TOKEN}"}
        with httpx.Client(base_url=server.url, timeout=120, headers=auth) as api:
            counts = []
            for _, query in searches:
                r = api.get(f"/api/v1/events?limit=50&{query}")
                assert r.status_code == 200, r.text[:300]
                counts.append(len(r.json()["events"]))
            api_times = time_urls(
                api, [f"/api/v1/events?limit=50&{q}" for _, q in searches], args.requests
            )
        with httpx.Client(base_url=server.url, timeout=120) as client:
            if "create the first admin" in server.log.read_text(errors="replace"):
                setup_admin(server, client)
            else:  # a kept PostgreSQL database: the admin made by an earlier run signs in
                sign_in(client)
            html_times = time_urls(client, [f"/?{q}" for _, q in searches], args.requests)
        for (label, query), n, a, h in zip(searches, counts, api_times, html_times, strict=True):
            table.append((
                label,
                query or "—",
                str(n),
                f"{statistics.median(a):.1f}",
                f"{p95(a):.1f}",
                f"{statistics.median(h):.1f}",
                f"{p95(h):.1f}",
            ))  # fmt: skip
    finally:
        server.stop()
        shutil.rmtree(tmp, ignore_errors=True)

    print()
    print(f"command: {command}")
    print(
        f"host: {platform.platform()}, {os.cpu_count()} CPUs, Python "
        f"{platform.python_version()}, {engine}; load average "
        + " ".join(f"{x:.2f}" for x in os.getloadavg())
    )
    print(f"events in store: {total:,} ({size})")
    print(f"{args.requests} timed requests per URL after {WARMUP} warm-up, one client, loopback")
    print()
    print_table(
        ("search", "query", "rows", "API p50 ms", "API p95 ms", "feed p50 ms", "feed p95 ms"),
        table,
    )


if __name__ == "__main__":
    main()
