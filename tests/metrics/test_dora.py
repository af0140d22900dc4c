"""DORA metrics: the worked example, a generator with answers known in closed form, and the
edges (empty windows, one deployment, incidents linked by root cause, rework)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from echodash.metrics.dora import (
    Commit,
    Deployment,
    Incident,
    Push,
    Settings,
    deployed_changes,
    dora,
    frequency_band,
)

T0 = datetime(2026, 9, 7, 9, 0, tzinfo=UTC)  # a Monday
WEB = "github:acme/web"


def minutes(n: float) -> timedelta:
    return timedelta(minutes=n)


def test_lead_times_of_60_120_240_480_minutes_give_a_median_of_180() -> None:
    deploy = Deployment("d1", WEB, "production", T0 + minutes(600), sha="a", ref="main")
    commits = tuple(
        Commit(sha, T0 + minutes(600 - lead))
        for sha, lead in (("a", 60), ("b", 120), ("c", 240), ("h", 480))
    )
    # Pushed one by one, the last push's head is the deployed SHA.
    pushes = [
        Push(WEB, "main", c.sha, c.at + minutes(1), (c,))
        for c in sorted(commits, key=lambda c: c.at)
    ]
    result = dora([deploy], pushes, [], T0, T0 + timedelta(days=1)).to_json()
    assert result["lead_time_minutes"]["median"] == 180
    assert result["lead_time_minutes"]["p90"] == 408  # 240 + 0.7 x 240 (linear interpolation)
    assert result["lead_time_minutes"]["band"] == "elite"


def weekday_deploys(weeks: int) -> tuple[list[Deployment], list[Push], list[Incident]]:
    """A deploy every weekday at 15:00, each bringing two commits pushed that morning (lead
    times 6 h and 4 h); every 10th deploy causes an incident 30 min later, resolved in 45 min."""
    deployments, pushes, incidents = [], [], []
    n = 0
    for day in range(weeks * 7):
        moment = T0 + timedelta(days=day)
        if moment.weekday() >= 5:
            continue
        n += 1
        first = Commit(f"{n:04x}a", moment)
        second = Commit(f"{n:04x}b", moment + timedelta(hours=2))
        pushes.append(
            Push(WEB, "main", second.sha, moment + timedelta(hours=2, minutes=5), (first, second))
        )
        deploy = Deployment(
            f"dep{n}", WEB, "production", moment + timedelta(hours=6), sha=second.sha, ref="main"
        )
        deployments.append(deploy)
        if n % 10 == 0:
            start = deploy.at + minutes(30)
            incidents.append(Incident(f"inc{n}", WEB, start, start + minutes(45)))
    return deployments, pushes, incidents


def test_a_deploy_every_weekday_with_every_tenth_failing() -> None:
    deployments, pushes, incidents = weekday_deploys(weeks=8)
    result = dora(deployments, pushes, incidents, T0, T0 + timedelta(weeks=8)).to_json()
    assert result["deployment_frequency"] == {"count": 40, "per_week": 5.0, "band": "elite"}
    assert result["change_failure_rate"] == {"value": 0.1, "band": "high"}
    assert result["lead_time_minutes"]["median"] == 300  # 6 h and 4 h, equally many
    assert result["recovery_time_minutes"] == {"median": 45, "band": "elite"}
    assert result["rework_rate"] == {"value": 0.0}


def test_the_environment_filter_keeps_incidents_through_their_deployments() -> None:
    deployments, pushes, incidents = weekday_deploys(weeks=4)
    staging = [
        Deployment(f"s{d.key}", d.service, "production-eu", d.at - minutes(30), sha=d.sha)
        for d in deployments
    ]
    result = dora(
        [*deployments, *staging],
        pushes,
        incidents,
        T0,
        T0 + timedelta(weeks=4),
        environment="production",
    ).to_json()
    assert result["deployment_frequency"]["count"] == 20
    assert result["change_failure_rate"]["value"] == 0.1
    assert result["recovery_time_minutes"]["median"] == 45


def test_non_production_environments_are_not_deployments() -> None:
    staging = Deployment("s1", WEB, "staging", T0)
    preview = Deployment("p1", WEB, "Preview", T0)
    result = dora([staging, preview], [], [], T0, T0 + timedelta(days=7)).to_json()
    assert result["deployment_frequency"]["count"] == 0
    custom = dora(
        [staging], [], [], T0, T0 + timedelta(days=7), settings=Settings(production="^staging$")
    )
    assert custom.to_json()["deployment_frequency"]["count"] == 1


def test_an_empty_window_says_so_with_nulls() -> None:
    result = dora([], [], [], T0, T0 + timedelta(days=30)).to_json()
    assert result == {
        "deployment_frequency": {"count": 0, "per_week": 0.0, "band": "low"},
        "lead_time_minutes": {"median": None, "p90": None, "band": None},
        "change_failure_rate": {"value": None, "band": None},
        "recovery_time_minutes": {"median": None, "band": None},
        "rework_rate": {"value": None},
    }


def test_a_single_deployment_with_an_incident_is_a_100_percent_failure_rate() -> None:
    deploy = Deployment("d1", WEB, "production", T0)
    incident = Incident("i1", WEB, T0 + minutes(5), T0 + timedelta(days=2))
    monday = T0.replace(hour=0)
    result = dora([deploy], [], [incident], monday, monday + timedelta(days=7)).to_json()
    assert result["change_failure_rate"] == {"value": 1.0, "band": "low"}
    assert result["recovery_time_minutes"] == {"median": 2875, "band": "medium"}
    assert result["deployment_frequency"]["band"] == "high"


def test_a_root_cause_line_overrides_the_latest_deployment() -> None:
    older = Deployment("d1", WEB, "production", T0, sha="aaaaaaa1111")
    latest = Deployment("d2", WEB, "production", T0 + minutes(60), sha="bbbbbbb2222")
    incident = Incident("i1", WEB, T0 + minutes(90), root_cause="aaaaaaa")
    result = dora([older, latest], [], [incident], T0, T0 + timedelta(days=1))
    assert result.causes["i1"].key == "d1"
    assert [d.key for d in result.failed] == ["d1"]
    unnamed = dora(
        [older, latest], [], [Incident("i2", WEB, T0 + minutes(90))], T0, T0 + timedelta(days=1)
    )
    assert unnamed.causes["i2"].key == "d2"


def test_deploys_during_an_open_incident_are_rework() -> None:
    incident = Incident("i1", WEB, T0 + minutes(10), T0 + minutes(100))
    deployments = [
        Deployment("d1", WEB, "production", T0),
        Deployment("d2", WEB, "production", T0 + minutes(40)),  # the fix, while open
        Deployment("d3", WEB, "production", T0 + minutes(200)),
        Deployment("d4", "github:acme/api", "production", T0 + minutes(50)),  # another service
    ]
    result = dora(deployments, [], [incident], T0, T0 + timedelta(days=1)).to_json()
    assert result["rework_rate"] == {"value": 0.25}


def test_a_commit_counts_once_at_its_first_deployment_and_redeploys_bring_nothing() -> None:
    c1, c2 = Commit("c1", T0), Commit("c2", T0 + minutes(30))
    pushes = [
        Push(WEB, "main", "c1", T0 + minutes(1), (c1,)),
        Push(WEB, "main", "c2", T0 + minutes(31), (c2,)),
    ]
    first = Deployment("d1", WEB, "production", T0 + minutes(20), sha="c1", ref="main")
    second = Deployment("d2", WEB, "production", T0 + minutes(60), sha="c2", ref="main")
    again = Deployment("d3", WEB, "production", T0 + minutes(90), sha="c2", ref="main")
    changes = deployed_changes([first, second, again], pushes)
    assert [(c.sha, c.deployment.key, c.lead_minutes) for c in changes] == [
        ("c1", "d1", 20.0),
        ("c2", "d2", 30.0),
    ]


def test_commits_on_other_branches_are_not_deployed_changes() -> None:
    feature = Commit("f1", T0)
    pushes = [Push(WEB, "feature/x", "f1", T0 + minutes(1), (feature,))]
    deploy = Deployment("d1", WEB, "production", T0 + minutes(60), sha="abcdef1", ref="main")
    assert deployed_changes([deploy], pushes) == []


def test_a_first_ever_deployment_brings_only_the_last_30_days() -> None:
    old, recent = Commit("o", T0 - timedelta(days=40)), Commit("r", T0 - timedelta(days=2))
    pushes = [Push(WEB, "main", "r", T0 - timedelta(days=1), (old, recent))]
    deploy = Deployment("d1", WEB, "production", T0, sha="r", ref="main")
    assert [c.sha for c in deployed_changes([deploy], pushes)] == ["r"]


def test_frequency_bands_by_median_week_and_month() -> None:
    window = (T0, T0 + timedelta(weeks=4))
    weekly = [Deployment(f"w{n}", WEB, "production", T0 + timedelta(weeks=n)) for n in range(4)]
    assert frequency_band(weekly, *window) == "high"
    monthly = [Deployment("m1", WEB, "production", T0)]
    assert frequency_band(monthly, T0, T0 + timedelta(days=20)) == "medium"  # September only
    assert frequency_band(monthly, T0, T0 + timedelta(days=100)) == "low"


def test_weeks_and_days_of_the_frequency_band_are_the_workspaces() -> None:
    # Deploys at 23:30 UTC from Sunday to Thursday: in Berlin (UTC+2 in September) they
    # fall on Monday to Friday, five distinct days of one ISO week: elite there, while in
    # UTC they straddle two weeks.
    berlin = ZoneInfo("Europe/Berlin")
    sunday = datetime(2026, 9, 6, 23, 30, tzinfo=UTC)
    deploys = [Deployment(f"d{n}", WEB, "production", sunday + timedelta(days=n)) for n in range(5)]
    since = datetime(2026, 9, 6, 22, 0, tzinfo=UTC)  # Monday 00:00 in Berlin
    until = since + timedelta(weeks=1)
    assert frequency_band(deploys, since, until, berlin) == "elite"
    assert frequency_band(deploys, since, until) == "high"
    result = dora(deploys, [], [], since, until, zone=berlin)
    assert result.to_json()["deployment_frequency"]["band"] == "elite"
    assert result.per_week() == [{"week": "2026-W37", "deployments": 5}]
