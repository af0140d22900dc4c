"""Live fan-out to SSE streams: one bus listener per process, each event framed once per group
of identical streams, a bounded backlog per subscriber, one shared heartbeat timer.

`hub.py` holds the groups and the timer, `group.py` one group's shared log of frames,
`subscriber.py` one stream's place in that log, `connection.py` the ASGI side of one stream.
"""

from __future__ import annotations

from echodash.web.fanout.hub import FanoutHub

__all__ = ["FanoutHub"]
