"""`echodash metrics dora|revenue|product|retention|funnel|time-to-value|nps|csat|rebuild`:
the metrics of the default workspace as readable tables (or the API's JSON), and rebuilding
the metric facts from the stored events."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime, timedelta
from typing import Any, cast

import click
import orjson

from echodash.cli.context import settings_from, with_open_store, with_store
from echodash.crypto import SecretBox
from echodash.events import utcnow
from echodash.metrics import report
from echodash.metrics.product import Period
from echodash.metrics.settings import MetricSettings
from echodash.sources.kit.payload import parse_time
from echodash.store.base import Store

_SPAN = re.compile(r"(\d{1,5})([hdw])")
_UNITS = {"h": timedelta(hours=1), "d": timedelta(days=1), "w": timedelta(weeks=1)}
REBUILD_BATCH = 1000


def _moment(value: str, name: str, now: datetime) -> datetime:
    """`90d`, `12w`, `36h` (that long before now) or an ISO-8601 time."""
    span = _SPAN.fullmatch(value.strip())
    if span:
        return now - int(span.group(1)) * _UNITS[span.group(2)]
    moment = parse_time(value)
    if moment is None:
        raise click.BadParameter(
            f"{value!r}: use 90d, 12w, 36h or an ISO-8601 time", param_hint=name
        )
    return moment


def _window(since: str, until: str | None) -> tuple[datetime, datetime]:
    now = utcnow()
    end = _moment(until, "--until", now) if until else now
    start = _moment(since, "--since", now)
    if start >= end:
        raise click.BadParameter("must be before --until", param_hint="--since")
    if end - start > report.MAX_WINDOW:
        raise click.BadParameter("the window may span at most 3660 days", param_hint="--since")
    return start, end


def _common(fn: Callable[..., Any]) -> Callable[..., Any]:
    fn = click.option("--json", "as_json", is_flag=True, help="Print the API's JSON.")(fn)
    fn = click.option("--until", default=None, help="Window end: ISO-8601 or 7d ago [now].")(fn)
    fn = click.option(
        "--since", default="90d", show_default=True, help="Window start: 90d, 12w, 36h or ISO."
    )(fn)
    return click.pass_context(fn)


Compute = Callable[[Store, int, datetime, datetime, MetricSettings], Awaitable[dict[str, Any]]]


def _run(
    ctx: click.Context,
    since: str,
    until: str | None,
    as_json: bool,
    compute: Compute,
    show: Callable[[dict[str, Any]], None],
) -> None:
    start, end = _window(since, until)

    async def work(store: Store, box: SecretBox, workspace_id: int) -> dict[str, Any]:
        # The workspace's own settings, as the API uses them (docs/metrics.md#settings).
        settings = await store.get_metric_settings(workspace_id)
        return await compute(store, workspace_id, start, end, settings)

    found = with_store(settings_from(ctx), work)
    if as_json:
        click.echo(orjson.dumps(found, option=orjson.OPT_INDENT_2).decode())
        return
    click.echo(f"{_iso(start)} to {_iso(end)}")
    show(found)


def _iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M UTC")


def _num(value: Any, suffix: str = "") -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        text = f"{value:,.2f}".rstrip("0").rstrip(".")
        return f"{text}{suffix}"
    return f"{value:,}{suffix}"


def _pct(value: Any) -> str:
    return "-" if value is None else f"{value * 100:.2f} %"


def _money(value: Any, currency: str) -> str:
    return "-" if value is None else f"{value / 100:,.2f} {currency.upper()}"


def _duration(seconds: float | None) -> str:
    """7200 → `2 h`, 5400 → `1 h 30 min`, 90 → `1 min 30 s`."""
    if seconds is None:
        return "-"
    whole = round(seconds)
    days, rest = divmod(whole, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    parts = [(days, "d"), (hours, "h"), (minutes, "min"), (secs, "s")]
    shown = [f"{n} {unit}" for n, unit in parts if n][:2]
    return " ".join(shown) or "0 s"


def _table(rows: Sequence[tuple[str, ...]]) -> None:
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    for row in rows:
        cells = [
            cell.ljust(width) if i == 0 else cell.rjust(width)
            for i, (cell, width) in enumerate(zip(row, widths, strict=True))
        ]
        click.echo("  ".join(cells).rstrip())


@click.group()
def metrics() -> None:
    """DORA, revenue and product metrics of the default workspace (docs/metrics.md)."""


@metrics.command()
@click.option("--repository", default=None, help="acme/web or github:acme/web [all].")
@click.option("--environment", default=None, help="Only deployments to this environment.")
@_common
def dora(
    ctx: click.Context,
    repository: str | None,
    environment: str | None,
    since: str,
    until: str | None,
    as_json: bool,
) -> None:
    """Deployment frequency, lead time, change failure rate, recovery time, rework rate."""

    async def compute(
        store: Store, ws: int, start: datetime, end: datetime, settings: MetricSettings
    ) -> dict[str, Any]:
        return await report.dora_report(
            store,
            ws,
            start,
            end,
            repository=repository,
            environment=environment,
            settings=settings,
        )

    def show(found: dict[str, Any]) -> None:
        frequency = found["deployment_frequency"]
        lead = found["lead_time_minutes"]
        cfr = found["change_failure_rate"]
        recovery = found["recovery_time_minutes"]
        _table(
            [
                ("metric", "value", "band"),
                (
                    "deployments",
                    f"{frequency['count']} ({_num(frequency['per_week'])}/week)",
                    frequency["band"],
                ),
                ("lead time, median", _num(lead["median"], " min"), lead["band"] or "-"),
                ("lead time, p90", _num(lead["p90"], " min"), ""),
                ("change failure rate", _pct(cfr["value"]), cfr["band"] or "-"),
                (
                    "recovery time, median",
                    _num(recovery["median"], " min"),
                    recovery["band"] or "-",
                ),
                ("rework rate", _pct(found["rework_rate"]["value"]), ""),
            ]
        )

    _run(ctx, since, until, as_json, compute, show)


@metrics.command()
@click.option("--currency", default=None, help="ISO code [the one with the most MRR].")
@_common
def revenue(
    ctx: click.Context, currency: str | None, since: str, until: str | None, as_json: bool
) -> None:
    """MRR and its movements, churn, ARPA, LTV and trial conversion (from Stripe)."""
    if currency is not None and not re.fullmatch(r"[A-Za-z]{3}", currency):
        raise click.BadParameter("a three-letter code such as usd", param_hint="--currency")

    async def compute(
        store: Store, ws: int, start: datetime, end: datetime, settings: MetricSettings
    ) -> dict[str, Any]:
        return await report.revenue_report(
            store, ws, start, end, currency=currency, settings=settings
        )

    def show(found: dict[str, Any]) -> None:
        cur = found["currency"]
        moved = found["movements"]
        customers = found["customers"]
        _table(
            [
                ("metric", "value"),
                ("MRR at start", _money(found["mrr"]["start"], cur)),
                ("+ new", _money(moved["new"], cur)),
                ("+ reactivation", _money(moved["reactivation"], cur)),
                ("+ expansion", _money(moved["expansion"], cur)),
                ("- contraction", _money(moved["contraction"], cur)),
                ("- churn", _money(moved["churn"], cur)),
                ("MRR at end", _money(found["mrr"]["end"], cur)),
                (
                    "customers",
                    f"{customers['start']} -> {customers['end']} ({customers['churned']} churned)",
                ),
                ("customer churn rate", _pct(found["customer_churn_rate"])),
                ("gross MRR churn", _pct(found["gross_mrr_churn"])),
                ("net MRR churn", _pct(found["net_mrr_churn"])),
                ("ARPA", _money(found["arpa"], cur)),
                ("LTV", _money(found["ltv"], cur)),
                ("trial conversion", _pct(found["trial_conversion"])),
            ]
        )

    _run(ctx, since, until, as_json, compute, show)


@metrics.command()
@click.option("--event", default=None, help="Count only this event [any].")
@_common
def product(
    ctx: click.Context, event: str | None, since: str, until: str | None, as_json: bool
) -> None:
    """Daily, weekly and monthly active people per day, and stickiness."""

    async def compute(
        store: Store, ws: int, start: datetime, end: datetime, settings: MetricSettings
    ) -> dict[str, Any]:
        return await report.product_report(store, ws, start, end, event=event, settings=settings)

    def show(found: dict[str, Any]) -> None:
        rows = [("day", "DAU", "WAU", "MAU")]
        for dau, wau, mau in zip(found["dau"], found["wau"], found["mau"], strict=True):
            rows.append((dau["date"], str(dau["value"]), str(wau["value"]), str(mau["value"])))
        _table(rows)
        click.echo(f"stickiness (mean DAU / last MAU): {_pct(found['stickiness'])}")

    _run(ctx, since, until, as_json, compute, show)


@metrics.command()
@click.option("--start-event", required=True, help="The event that starts a cohort.")
@click.option("--return-event", required=True, help="The event that counts as a return.")
@click.option(
    "--period", type=click.Choice(["day", "week", "month"]), default="week", show_default=True
)
@_common
def retention(
    ctx: click.Context,
    start_event: str,
    return_event: str,
    period: str,
    since: str,
    until: str | None,
    as_json: bool,
) -> None:
    """First-time retention: cohorts by their first start event, retained per period."""

    async def compute(
        store: Store, ws: int, start: datetime, end: datetime, settings: MetricSettings
    ) -> dict[str, Any]:
        return await report.retention_report(
            store,
            ws,
            start,
            end,
            start_event=start_event,
            return_event=return_event,
            period=cast(Period, period),
            settings=settings,
        )

    def show(found: dict[str, Any]) -> None:
        cohorts = found["cohorts"]
        if not cohorts:
            click.echo("no cohorts in this window")
            return
        span = max(len(c["retained"]) for c in cohorts)
        rows = [("cohort", "size", *(f"{period[0]}{n}" for n in range(span)))]
        for cohort in cohorts:
            size = cohort["size"]
            cells = [f"{n} ({n / size * 100:.0f}%)" if size else str(n) for n in cohort["retained"]]
            rows.append((cohort["start"], str(size), *cells, *([""] * (span - len(cells)))))
        _table(rows)

    _run(ctx, since, until, as_json, compute, show)


@metrics.command()
@click.option("--steps", required=True, help="Event names in order, comma-separated.")
@click.option("--window-days", type=click.IntRange(1, 365), default=14, show_default=True)
@_common
def funnel(
    ctx: click.Context,
    steps: str,
    window_days: int,
    since: str,
    until: str | None,
    as_json: bool,
) -> None:
    """An ordered funnel: people per step, conversion, median time from the previous step."""
    names = [s.strip() for s in steps.split(",")]
    if not all(names) or len(names) > 20:
        raise click.BadParameter("1 to 20 event names, comma-separated", param_hint="--steps")

    async def compute(
        store: Store, ws: int, start: datetime, end: datetime, settings: MetricSettings
    ) -> dict[str, Any]:
        return await report.funnel_report(
            store, ws, start, end, steps=names, window_days=window_days
        )

    def show(found: dict[str, Any]) -> None:
        rows = [("step", "people", "conversion", "median from previous")]
        for step in found["steps"]:
            rows.append(
                (
                    step["event"],
                    str(step["count"]),
                    _pct(step["conversion"]),
                    _duration(step["median_seconds_from_previous"]),
                )
            )
        _table(rows)

    _run(ctx, since, until, as_json, compute, show)


@metrics.command("time-to-value")
@click.option("--signup-event", default="signup", show_default=True)
@click.option("--activation-event", required=True, help="The event that means value.")
@_common
def time_to_value(
    ctx: click.Context,
    signup_event: str,
    activation_event: str,
    since: str,
    until: str | None,
    as_json: bool,
) -> None:
    """People who signed up in the window, how many activated, the median time it took."""

    async def compute(
        store: Store, ws: int, start: datetime, end: datetime, settings: MetricSettings
    ) -> dict[str, Any]:
        return await report.time_to_value_report(
            store, ws, start, end, signup_event=signup_event, activation_event=activation_event
        )

    def show(found: dict[str, Any]) -> None:
        _table(
            [
                ("metric", "value"),
                ("signed up", str(found["users"])),
                ("activated", str(found["activated"])),
                ("median time to value", _duration(found["median_seconds"])),
            ]
        )

    _run(ctx, since, until, as_json, compute, show)


def _survey(kind: str) -> click.Command:
    @click.option("--event", default=kind, show_default=True, help="The survey event.")
    @_common
    def command(
        ctx: click.Context, event: str, since: str, until: str | None, as_json: bool
    ) -> None:
        async def compute(
            store: Store, ws: int, start: datetime, end: datetime, settings: MetricSettings
        ) -> dict[str, Any]:
            return await report.survey_report(store, ws, start, end, kind=kind, event=event)

        def show(found: dict[str, Any]) -> None:
            if kind == "nps":
                rows = [("metric", "value"), ("NPS", _num(found["nps"]))]
                rows += [
                    (k, str(found[k])) for k in ("responses", "promoters", "passives", "detractors")
                ]
            else:
                csat = found["csat"]
                rows = [("metric", "value"), ("CSAT", "-" if csat is None else f"{csat:.2f} %")]
                rows += [(k, str(found[k])) for k in ("responses", "satisfied")]
            _table(rows)

        _run(ctx, since, until, as_json, compute, show)

    help_text = (
        "Net Promoter Score: % of 9-10 minus % of 0-6 of the answers' `score`."
        if kind == "nps"
        else "Customer satisfaction: % of the answers' 1-5 `score` that are 4 or 5."
    )
    return click.command(kind, help=help_text)(command)


metrics.add_command(_survey("nps"))
metrics.add_command(_survey("csat"))


@metrics.command()
@click.pass_context
def rebuild(ctx: click.Context) -> None:
    """Forget every workspace's metric facts and work them out again from the stored events."""

    async def work(store: Store, box: SecretBox) -> tuple[int, int]:
        # Each workspace's incident label, as the processor keeps facts with it: the rebuild
        # also settles any incident rebuild a label change left pending.
        pending = await store.pending_relabels()
        labels = await store.incident_labels()
        until = await store.latest_event_id()
        total = await store.count_events_between(0, until)
        await store.clear_metric_facts()
        after, facts = 0, 0
        with click.progressbar(length=total, label="Rebuilding metric facts") as bar:
            while True:
                rows = await store.events_to_refill(after, until, REBUILD_BATCH)
                if not rows:
                    break
                facts += await store.keep_metric_facts(rows, labels)
                after = rows[-1][0].id
                bar.update(len(rows))
        for relabel in pending:
            await store.finish_relabel(relabel.workspace_id, relabel.version)
        return total, facts

    events, facts = with_open_store(settings_from(ctx), work)
    click.echo(f"{events} events read, {facts} facts kept")
