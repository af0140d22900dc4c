"""The demo company's engineering: two repositories shipping small changes many times a day
(pull request, review, CI, staging, production), the Linear issues and Notion pages around
them, Slack mentions, and now and then a bad deploy: Sentry errors, a Cloudflare origin
alert, an incident issue, a fix. One week of the 90 goes badly."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta

from echodash.demo import payloads as p
from echodash.demo.model import DAY, HOUR, MINUTE, Company, Ids, Sending

REPOS = ("acme/web", "acme/api")
PEOPLE = ("maya", "tom", "priya", "leo", "sara", "jonas")
ONCALL = "priya"
SENTRY_PROJECT = "acme-api"
TITLES = (
    "Speed up the search page",
    "Add CSV export to reports",
    "Fix timezone in invoices",
    "Cache plan limits",
    "Retry webhook sends",
    "Tidy the settings page",
    "Paginate the audit log",
    "Show usage on the billing page",
    "Upgrade the HTTP client",
    "Trim the sign-up form",
    "Add dark mode to charts",
    "Log slow queries",
)
ERRORS = (
    "KeyError: 'plan_id'",
    "TimeoutError: payment provider did not answer",
    "TypeError: 'NoneType' object is not subscriptable",
)
MENTIONS = (
    "can someone look at the release notes?",
    "is staging free for a demo at 3?",
    "the new export is great, thanks!",
    "who owns the billing page?",
)
INCIDENT_MENTIONS = ("checkout is failing for some customers", "rolling back?")


@dataclass(frozen=True, slots=True)
class Shipped:
    """A change that reached production: its deploy time and commit."""

    repo: str
    at: datetime
    sha: str


class Engineering:
    def __init__(self, rng: random.Random, ids: Ids, company: Company) -> None:
        self.rng = rng
        self.ids = ids
        self.out = company.deliveries
        self.heads = {repo: "0" * 40 for repo in REPOS}

    def _send(self, source: str, at: datetime, body: dict[str, object], event: str = "") -> None:
        key = self.ids.uuid() if source in ("github", "linear", "sentry") else ""
        self.out.append(Sending(source, at, body, event, key))

    # A change, from first commit to production ---------------------------------------------

    def change(
        self,
        repo: str,
        merged: datetime,
        lead: timedelta,
        *,
        flaky_ci: bool = False,
        failed_deploy: bool = False,
        title: str | None = None,
    ) -> Shipped:
        rng = self.rng
        author, reviewer = rng.sample(PEOPLE, 2)
        title = title or rng.choice(TITLES)
        first = merged - lead
        count = rng.randint(1, 3)
        commits = [
            (self.ids.sha(), first + lead * 0.5 * k / count, title if k == count - 1 else "wip")
            for k in range(count)
        ]
        number = self.ids.number(f"pr:{repo}", 100)
        opened = first + lead * 0.55
        self._send(
            "github",
            opened,
            p.pull_request(repo, author, number, title, "opened", opened, opened),
            "pull_request",
        )
        reviewed = opened + (merged - opened) * 0.6
        self._send(
            "github",
            reviewed,
            p.review(repo, reviewer, author, number, title, opened, reviewed),
            "pull_request_review",
        )
        self._send(
            "github",
            merged,
            p.pull_request(repo, author, number, title, "closed", opened, merged, reviewer),
            "pull_request",
        )
        sha = commits[-1][0]
        self._send(
            "github", merged, p.push(repo, reviewer, self.heads[repo], commits, merged), "push"
        )
        self.heads[repo] = sha
        ci = merged + timedelta(minutes=rng.randint(6, 11))
        if flaky_ci:
            self._ci(repo, author, sha, "failure", merged, ci)
            ci += timedelta(minutes=rng.randint(12, 25))
        self._ci(repo, author, sha, "success", ci - 6 * MINUTE, ci)
        staging = ci + timedelta(minutes=rng.randint(2, 5))
        self._deploy(repo, reviewer, sha, "staging", "success", staging)
        production = staging + timedelta(minutes=rng.randint(6, 12))
        if failed_deploy:
            self._deploy(repo, reviewer, sha, "production", "failure", production)
            production += timedelta(minutes=rng.randint(10, 20))
        self._deploy(repo, reviewer, sha, "production", "success", production)
        return Shipped(repo, production, sha)

    def _ci(
        self, repo: str, actor: str, sha: str, conclusion: str, start: datetime, end: datetime
    ) -> None:
        run = self.ids.next("run", 7_000_000)
        self._send(
            "github",
            end,
            p.workflow_run(repo, actor, run, sha, conclusion, start, end),
            "workflow_run",
        )

    def _deploy(self, repo: str, actor: str, sha: str, env: str, state: str, at: datetime) -> None:
        deploy = self.ids.next("deploy", 900_000)
        self._send(
            "github",
            at,
            p.deployment_status(repo, actor, deploy, sha, env, state, at),
            "deployment_status",
        )

    # A bad deploy and its incident ---------------------------------------------------------

    def incident(self, bad: Shipped, recovery: timedelta, *, origin_alert: bool) -> Shipped:
        """Errors from a bad deploy, an incident issue, the fix; returns the fix's deploy."""
        rng, repo = self.rng, bad.repo
        start = bad.at + timedelta(minutes=rng.randint(8, 15))
        fixed = start + recovery
        number = self.ids.number(f"issue:{repo}", 400)
        title = f"Checkout errors after deploy {bad.sha[:7]}"
        self._send(
            "github",
            start,
            p.incident_issue(repo, ONCALL, number, title, "opened", start, None),
            "issues",
        )
        self.errors(bad.at + 2 * MINUTE, min(fixed, bad.at + 3 * HOUR), rng.randint(6, 14))
        for k, text in enumerate(INCIDENT_MENTIONS):
            self.mention(start + (k + 1) * 4 * MINUTE, text)
        correlation = self.ids.hex(32)
        if origin_alert:
            self._send(
                "cloudflare",
                start + 3 * MINUTE,
                p.cloudflare_origin(start + 3 * MINUTE, correlation, True),
            )
        fix = self.change(
            repo,
            fixed - 25 * MINUTE,
            timedelta(minutes=40),
            title=f"Fix checkout after {bad.sha[:7]}",
        )
        if origin_alert:
            self._send(
                "cloudflare",
                fix.at + MINUTE,
                p.cloudflare_origin(fix.at + MINUTE, correlation, False),
            )
        closed = fix.at + 5 * MINUTE
        self._send(
            "github",
            closed,
            p.incident_issue(repo, ONCALL, number, title, "closed", start, closed),
            "issues",
        )
        return fix

    def errors(self, since: datetime, until: datetime, count: int) -> None:
        issue = self.ids.next("sentry-issue", 4_100_000)
        title = self.rng.choice(ERRORS)
        span = max((until - since).total_seconds(), 60.0)
        for k in range(count):
            at = since + timedelta(seconds=span * k / count + self.rng.uniform(0, 30))
            self._send(
                "sentry",
                at,
                p.sentry_error(self.ids.hex(32), at, SENTRY_PROJECT, title, issue),
                "error",
            )

    # Around the code: Linear, Notion, Slack ------------------------------------------------

    def planning(self, shipped: Shipped, title: str) -> None:
        """A Linear issue for a change: created a day or two before, started, done."""
        number = self.ids.number("linear", 200)
        who = self.rng.choice(PEOPLE)
        created = shipped.at - timedelta(hours=self.rng.uniform(20, 50))
        started = shipped.at - timedelta(hours=self.rng.uniform(2, 8))
        self._send("linear", created, p.linear_issue("create", created, number, title, who, "Todo"))
        self._send(
            "linear",
            started,
            p.linear_issue("update", started, number, title, who, "In Progress", "Todo"),
        )
        done = shipped.at + MINUTE
        self._send(
            "linear",
            done,
            p.linear_issue("update", done, number, title, who, "Done", "In Progress"),
        )

    def docs(self, at: datetime) -> None:
        # A handful of pages the team keeps editing (a roadmap, the on-call handbook…).
        page_id = f"1f2e3d4c-5b6a-4798-8a9b-{self.rng.randrange(6):012d}"
        kind = self.rng.choice(
            ("page.content_updated", "page.content_updated", "comment.created", "page.created")
        )
        author = f"0a1b2c3d-0000-4000-8000-{self.ids.hex(12)}"
        self._send("notion", at, p.notion(self.ids.uuid(), kind, at, page_id, author))

    def mention(self, at: datetime, text: str | None = None) -> None:
        user = f"U0{self.rng.choice(PEOPLE).upper()[:4]}001"
        body = p.slack_mention(
            f"Ev{self.ids.hex(10).upper()}", at, user, text or self.rng.choice(MENTIONS)
        )
        self._send("slack", at, body)


def day_start(moment: datetime) -> datetime:
    return moment.replace(hour=0, minute=0, second=0, microsecond=0)


def history(eng: Engineering, start: datetime, days: int, bad_week: range, now: datetime) -> None:
    """Ninety days of shipping: one to three changes a working day per repository, lead times
    of hours (days in the bad week); three incidents in the bad week, four quick ones besides."""
    rng = eng.rng
    bad_days = [bad_week.start, bad_week.start + 2, bad_week.start + 4]
    calm_days = [bad_week.start - 45, bad_week.start - 25, bad_week.start - 10, bad_week.start + 20]
    # The first acme/api deploy on or after each of these days breaks something.
    breaking = sorted(d for d in bad_days + calm_days if 0 <= d < days)
    latest = now - 40 * MINUTE
    for d in range(days):
        day = start + d * DAY
        bad = d in bad_week
        workday = day.weekday() < 5
        for repo in REPOS:
            count = rng.choice((1, 2, 2, 3)) if workday else (1 if rng.random() < 0.1 else 0)
            hours = sorted(rng.uniform(9.5, 17.0) for _ in range(count))
            for hour in hours:
                merged = day + timedelta(hours=hour)
                lead = timedelta(hours=rng.uniform(20, 70) if bad else rng.uniform(0.7, 6))
                if merged + HOUR > latest:
                    continue
                title = rng.choice(TITLES)
                shipped = eng.change(
                    repo,
                    merged,
                    lead,
                    title=title,
                    flaky_ci=bad and rng.random() < 0.5,
                    failed_deploy=(bad and rng.random() < 0.25) or rng.random() < 0.01,
                )
                if rng.random() < 0.35:
                    eng.planning(shipped, title)
                if repo == "acme/api" and breaking and breaking[0] <= d:
                    planned = breaking.pop(0)
                    recovery = timedelta(
                        hours=rng.uniform(1.5, 3) if bad else rng.uniform(0.3, 0.75)
                    )
                    eng.incident(shipped, recovery, origin_alert=planned == bad_week.start + 2)
        if workday:
            for _ in range(rng.randint(1, 3)):
                at = day + timedelta(hours=rng.uniform(8, 19))
                if at < latest:
                    eng.docs(at)
            if rng.random() < 0.7:
                at = day + timedelta(hours=rng.uniform(9, 18))
                if at < latest:
                    eng.mention(at)
        if rng.random() < 0.25:
            at = day + timedelta(hours=rng.uniform(0, 23))
            if at < latest:
                eng.errors(at, at + 20 * MINUTE, 1)
