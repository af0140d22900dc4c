"""The open-file limit of `echodash serve`: every connection holds a descriptor."""

from __future__ import annotations

import logging
import resource

# Tens of thousands of connections (live streams stay open for hours). Capped, so that an
# unlimited hard limit does not size descriptor tables far beyond any real need.
WANTED = 65536
# Below this, a few hundred idle or slow clients could leave no descriptor for new ones.
LOW = 4096

log = logging.getLogger("echodash")


def raise_open_file_limit() -> int:
    """Raise the soft limit to the hard one (at most `WANTED`); warn when it stays low.
    Worker processes inherit it. Returns the limit now in force."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = WANTED if hard == resource.RLIM_INFINITY else min(hard, WANTED)
    if soft != resource.RLIM_INFINITY and soft < wanted:
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (wanted, hard))
            soft = wanted
        except (ValueError, OSError):
            pass  # kept as it is; the warning below says so if it is low
    if soft != resource.RLIM_INFINITY and soft < LOW:
        log.warning(
            "only %d files can be open at once (hard limit %s): that many connections, live "
            "streams included, use them all up; raise it (ulimit -Hn, or LimitNOFILE= in the "
            "systemd unit)",
            soft,
            "unlimited" if hard == resource.RLIM_INFINITY else hard,
        )
    return soft
