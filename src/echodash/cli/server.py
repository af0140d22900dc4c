"""The uvicorn server `echodash serve` runs in one process: once it listens it shows the
first-admin link (the last thing on screen), and when it stops it ends live streams first."""

from __future__ import annotations

import asyncio
import contextlib
import socket
import sys

import click
import uvicorn

from echodash.app import EchoDashApp

_RULE = "=" * 72
# How long the link waits for the background jobs' first log lines, at most.
FIRST_JOBS_WAIT = 3.0


def setup_banner(link: str) -> str:
    """The few lines a new installation needs to see: where to create the first admin."""
    return "\n".join(
        [
            "",
            _RULE,
            "  EchoDash is running. No account exists yet: open this link to create",
            "  the first admin (it works until the first admin exists):",
            "",
            f"    {link}",
            _RULE,
            "",
        ]
    )


class EchoDashServer(uvicorn.Server):
    def __init__(self, config: uvicorn.Config, app: EchoDashApp) -> None:
        super().__init__(config)
        self.echodash = app

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets=sockets)
        if not self.started or self.should_exit:
            return
        services = self.echodash.state.services
        if services.setup_link:
            # After the background jobs' first log lines, so that it is the last thing on
            # screen (a repeated job account goes to the debug log).
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(services.jobs.first_pass.wait(), FIRST_JOBS_WAIT)
            click.echo(setup_banner(services.setup_link), err=True)

    async def shutdown(self, sockets: list[socket.socket] | None = None) -> None:
        # A browser tab's live feed would otherwise keep its connection open until the
        # graceful-shutdown deadline, then be cut off with a traceback.
        services = getattr(self.echodash.state, "services", None)
        if services is not None:
            services.closing.set()
            services.fanout.close_all()
        await super().shutdown(sockets=sockets)


def run(app: EchoDashApp, **options: object) -> None:
    """What `uvicorn.run(app, **options)` does for one process, with this server."""
    config = uvicorn.Config(app, **options)  # type: ignore[arg-type]
    server = EchoDashServer(config, app)
    try:
        server.run()
    except KeyboardInterrupt:
        pass
    if not server.started:
        sys.exit(3)  # uvicorn's exit status for a failed start
