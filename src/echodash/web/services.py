"""Everything a running EchoDash holds: built once at start-up, shared by every route."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

from echodash.alerts.feed_items import FeedIntake
from echodash.alerts.runner import AlertRunner
from echodash.bus.base import Bus
from echodash.config import Settings
from echodash.crypto import SecretBox
from echodash.custom_intake import CustomIntake
from echodash.demo.runner import DemoRunner
from echodash.jobs.relabel import IncidentRelabel
from echodash.jobs.runner import JobRunner
from echodash.pipeline.directory import EndpointDirectory
from echodash.pipeline.processor import Processor
from echodash.pipeline.rejections import RejectionTally
from echodash.ratelimit import RateLimiter
from echodash.store.base import Store
from echodash.telemetry import Telemetry
from echodash.titles.worker import RenderPool
from echodash.web.deadlines import RequestDeadlines
from echodash.web.fanout.hub import FanoutHub
from echodash.web.login_limits import SignInLimits


@dataclass(slots=True)
class Services:
    settings: Settings
    store: Store
    bus: Bus
    # The live streams' one listener on the bus (web/fanout/).
    fanout: FanoutHub
    box: SecretBox
    directory: EndpointDirectory
    processor: Processor
    telemetry: Telemetry
    limiter: RateLimiter
    deadlines: RequestDeadlines
    rejections: RejectionTally
    jobs: JobRunner
    custom: CustomIntake
    # Alerts in the feed (alerts/feed_items.py): the sender's, and the one the acknowledge
    # and resolve routes pass to `after_status_change`.
    alert_feed: FeedIntake
    workspace_id: int = 0
    # Alert evaluation and notifications, once the app has started them (sends tests too).
    alerts: AlertRunner | None = None
    # Rebuilds incident facts after a workspace's incident label changes (once started).
    relabel: IncidentRelabel | None = None
    # Feed-template previews: a child process of its own, below normal priority, so that
    # a member's previews never delay anyone's events.
    previews: RenderPool = field(default_factory=lambda: RenderPool("previews", niceness=19))
    # Previews per person per second (bursts of twice that): typing previews 4 a second.
    preview_limiter: RateLimiter = field(default_factory=lambda: RateLimiter(4.0))
    # Live streams open on this node, per person or workspace token (see web/api/stream.py).
    open_streams: dict[str, int] = field(default_factory=dict)
    # The first-admin setup link while no account exists (said again once the server listens).
    setup_link: str | None = None
    # Set when the server begins to stop: live streams end at once instead of holding it up.
    closing: asyncio.Event = field(default_factory=asyncio.Event)
    # The demo company of `serve --demo` (demo/runner.py), while it runs.
    demo: DemoRunner | None = None
    # Wrong passwords, counted as web/login_limits.py says.
    sign_in_limits: SignInLimits = field(default_factory=SignInLimits)
