"""create_app(settings) -> the ASGI app; its lifespan opens the store and starts the workers."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
from collections.abc import AsyncIterator

from starlette.applications import Starlette
from starlette.types import Receive, Scope, Send

from echodash.alerts.feed_items import FeedIntake
from echodash.alerts.runner import AlertRunner
from echodash.bus import open_bus
from echodash.config import Settings
from echodash.crypto import SecretBox, hash_token
from echodash.custom_intake import CustomIntake
from echodash.demo.runner import DemoRunner
from echodash.digest.job import DigestJob
from echodash.jobs.backfill import BackfillJob
from echodash.jobs.relabel import IncidentRelabel
from echodash.jobs.retention import RetentionJob
from echodash.jobs.runner import JobRunner
from echodash.jobs.vocabulary import VocabularyFill
from echodash.pipeline.directory import EndpointDirectory
from echodash.pipeline.processor import Processor
from echodash.pipeline.rejections import RejectionTally
from echodash.ratelimit import RateLimiter
from echodash.setup_link import setup_url
from echodash.store import open_store
from echodash.store.base import StoreUnavailableError
from echodash.telemetry import Telemetry
from echodash.web import ingest
from echodash.web.deadlines import RequestDeadlines
from echodash.web.errors import exception_handlers
from echodash.web.fanout import FanoutHub
from echodash.web.request_bounds import bounded
from echodash.web.routes import LIVE_STREAMS, routes
from echodash.web.services import Services

log = logging.getLogger("echodash")

GC_YOUNG = 20_000


class EchoDashApp:
    """The ASGI entry point: receive-path POSTs and live streams go straight to their handler,
    other HTTP requests through Starlette's router with their bodies bounded in size and time."""

    def __init__(self, app: Starlette) -> None:
        self.app = app
        self.state = app.state

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        svc: Services = self.state.services
        path = scope["path"]
        if scope["method"] == "POST" and path.startswith("/in/") and "/" not in path[4:]:
            await ingest.receive_asgi(svc, scope, receive, send)
        elif scope["method"] == "GET" and path in LIVE_STREAMS:
            scope["app"] = self.app  # what `Request.app` (and so `services(request)`) reads
            await LIVE_STREAMS[path](svc, scope, receive, send)
        else:
            await bounded(self.app, svc.settings, svc.deadlines, scope, receive, send)


def create_app(settings: Settings) -> EchoDashApp:
    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        svc = await start_services(settings)
        app.state.services = svc
        # Everything loaded so far lives as long as the process. Frozen, it is left out of
        # the collector's full passes, which otherwise walk it all (~17 ms each, several
        # times a second under load) to find the short-lived garbage of requests.
        gc.collect()
        gc.freeze()
        # Young objects are collected every GC_YOUNG allocations rather than CPython's 700:
        # a request's objects are freed by reference counting, and a collection every few
        # requests found nothing but cost the receive path ~1 µs a delivery (+2.5 % req/s).
        gc.set_threshold(GC_YOUNG, 10, 10)
        workers = [
            asyncio.create_task(svc.processor.run(), name="echodash-processor"),
            asyncio.create_task(svc.deadlines.run(), name="echodash-deadlines"),
            asyncio.create_task(svc.rejections.run(), name="echodash-rejections"),
            asyncio.create_task(svc.jobs.run(), name="echodash-jobs"),
        ]
        # Alert evaluation, the time-based pass and the notification sender.
        alerts = svc.alerts = AlertRunner(svc.store, settings, box=svc.box, feed=svc.alert_feed)
        svc.processor.on_events = alerts.notify
        workers += alerts.start()
        # Older events get the vocabulary in the background (once; ends when done).
        fill = VocabularyFill(svc.store, settings.node)
        workers.append(asyncio.create_task(fill.run(), name="echodash-vocabulary"))
        # Incident facts follow a changed incident label (and resume a cut-short rebuild).
        relabel = svc.relabel = IncidentRelabel(svc.store)
        workers.append(asyncio.create_task(relabel.run(), name="echodash-relabel"))
        if settings.demo:
            # The demo company (`serve --demo`): in-process requests to this very app.
            svc.demo = DemoRunner(svc.store, svc.box, app.state.entry, svc.workspace_id)
            workers.append(asyncio.create_task(svc.demo.run(), name="echodash-demo"))
        try:
            yield
        finally:
            svc.processor.on_events = None
            svc.alerts = None
            svc.relabel = None
            for worker in workers:
                worker.cancel()
            for worker in workers:
                with contextlib.suppress(asyncio.CancelledError):
                    await worker
            await alerts.stop()
            with contextlib.suppress(StoreUnavailableError):
                await svc.rejections.flush()
            await svc.bus.stop()
            await svc.store.close()
            svc.processor.templates.close()
            svc.previews.close()

    starlette = Starlette(
        routes=routes,
        lifespan=lifespan,
        exception_handlers=exception_handlers(),
    )
    entry = EchoDashApp(starlette)
    # What in-process senders (the demo company) post to: the whole app, receive path included.
    starlette.state.entry = entry
    return entry


def app_from_env() -> EchoDashApp:
    """The app built from `ECHODASH_*` variables (what each of `serve --workers N` runs)."""
    from echodash.logs import configure

    settings = Settings.from_env()
    configure(settings.log_level, settings.log_format)
    return create_app(settings)


async def start_services(settings: Settings) -> Services:
    store = open_store(settings.database_url)
    await store.open()
    bus = open_bus(settings.database_url, store)
    # The one listener of this process's live streams (web/fanout/).
    fanout = FanoutHub(settings.stream_backlog_bytes, settings.stream_keepalive)
    bus.listen(fanout)
    await bus.start()
    box = SecretBox.from_setting_or_file(settings.secret_key, settings.data_dir)
    telemetry = Telemetry()
    processor = Processor(store, bus, telemetry)
    svc = Services(
        settings=settings,
        store=store,
        bus=bus,
        fanout=fanout,
        box=box,
        directory=EndpointDirectory(store, box),
        processor=processor,
        telemetry=telemetry,
        limiter=RateLimiter(settings.rate_limit),
        deadlines=RequestDeadlines(settings.request_deadline),
        rejections=RejectionTally(store),
        jobs=JobRunner(
            store,
            [
                RetentionJob(settings.retention_interval),
                DigestJob(settings),
                BackfillJob(processor, box, settings.node),
            ],
            settings.node,
        ),
        custom=CustomIntake(store),
        alert_feed=FeedIntake(store),
    )
    svc.alert_feed.on_stored = svc.processor.notify
    store.observe_commits(telemetry.commit_seconds.observe)
    svc.workspace_id = await store.ensure_default_workspace()
    # So that `echodash endpoints …` run in another shell prints this server's receive URLs.
    await store.set_meta("base_url", settings.base_url)
    await _bootstrap_token(svc)
    await _first_admin_link(svc)
    return svc


async def _bootstrap_token(svc: Services) -> None:
    if await svc.store.count_api_tokens() > 0:
        return
    token = svc.settings.bootstrap_token
    if token and await svc.store.api_token_ever_existed(hash_token(token)):
        # Revoked on purpose: it must not come back with the next restart.
        log.warning(
            "ECHODASH_BOOTSTRAP_TOKEN was revoked and is not created again; unset it, or "
            "create a token with `echodash tokens create`"
        )
        return
    if token:
        try:
            await svc.store.create_api_token(
                svc.workspace_id, "bootstrap", hash_token(token), "admin"
            )
        except StoreUnavailableError:
            raise
        except Exception:
            # Several nodes starting at once: another one created it a moment ago.
            if await svc.store.find_api_token(hash_token(token)) is None:
                raise
            return
        log.info("created the admin API token from ECHODASH_BOOTSTRAP_TOKEN")


async def _first_admin_link(svc: Services) -> None:
    if await svc.store.count_users() > 0:
        return
    # Printed on every start until the first admin exists (the link stays the same).
    svc.setup_link = setup_url(svc.settings.base_url, svc.box)
    log.warning("no account exists yet: create the first admin at %s", svc.setup_link)
