"""Page work that grows with a delivery's size, run off the event loop, one job at a time.

On the loop, rendering the page of a 25 MB delivery stopped every other request for seconds,
ingestion's acknowledgements included. One worker thread does such work instead: a job holds
a whole parsed body in memory, so jobs queue rather than run side by side, and the default
thread pool stays free for the short jobs that share it (password hashing).
"""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import ParamSpec, TypeVar

P = ParamSpec("P")
T = TypeVar("T")

_WORKER = ThreadPoolExecutor(max_workers=1, thread_name_prefix="echodash-pages")


async def off_loop(work: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
    """`work(*args, **kwargs)`, run in the pages' worker thread."""
    job = functools.partial(work, *args, **kwargs)
    return await asyncio.get_running_loop().run_in_executor(_WORKER, job)
