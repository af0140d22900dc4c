"""GitLab's other documented events read as sentences of their own, with the category and
severity a person needs: system hooks (projects, groups, users, members, SSH keys, failed
sign-ins, repository updates), group webhooks' member and subgroup events, expiring tokens,
vulnerabilities, milestones, feature flags and emoji."""

from __future__ import annotations

from typing import Any

import pytest

from echodash.events import Category, Severity
from echodash.sources.gitlab import GitLabSource
from tests.sources.gitlab.samples import (
    AFTER,
    SAMPLES,
    SYSTEM,
    access_token,
    deploy_token,
    emoji,
    feature_flag,
    milestone,
    parse_one,
    vulnerability,
)

SOURCE = GitLabSource()


@pytest.mark.parametrize(
    ("name", "title", "category", "severity", "service"),
    [
        (
            "project_create",
            "Project jsmith/storecloud created (owner John Smith)",
            Category.CONFIG,
            Severity.INFO,
            "gitlab:jsmith/storecloud",
        ),
        (
            "project_destroy",
            "Project jsmith/underscore deleted (owner John Smith)",
            Category.CONFIG,
            Severity.WARNING,
            "gitlab:jsmith/underscore",
        ),
        (
            "project_rename",
            "Project jsmith/overscore renamed to jsmith/underscore",
            Category.CONFIG,
            Severity.INFO,
            "gitlab:jsmith/underscore",
        ),
        (
            "project_transfer",
            "Project jsmith/overscore moved to scores/underscore",
            Category.CONFIG,
            Severity.INFO,
            "gitlab:scores/underscore",
        ),
        (
            "project_update",
            "Project jsmith/storecloud settings changed",
            Category.CONFIG,
            Severity.INFO,
            "gitlab:jsmith/storecloud",
        ),
        (
            "user_add_to_team",
            "johnsmith joined project jsmith/storecloud as Maintainer",
            Category.SIGNUP,
            Severity.INFO,
            "gitlab:jsmith/storecloud",
        ),
        (
            "user_remove_from_team",
            "johnsmith left project jsmith/storecloud",
            Category.CONFIG,
            Severity.INFO,
            "gitlab:jsmith/storecloud",
        ),
        (
            "user_update_for_team",
            "johnsmith's role in project jsmith/storecloud changed to Developer",
            Category.CONFIG,
            Severity.INFO,
            "gitlab:jsmith/storecloud",
        ),
        ("user_create", "New user jdoe (Jane Doe)", Category.SIGNUP, Severity.INFO, None),
        ("user_destroy", "User jdoe (Jane Doe) deleted", Category.CONFIG, Severity.INFO, None),
        (
            "user_failed_login",
            "Blocked user user4 (John Smith) tried to sign in",
            Category.ALERT,
            Severity.WARNING,
            None,
        ),
        (
            "user_rename",
            "User old-boring-name renamed to new-exciting-name",
            Category.CONFIG,
            Severity.INFO,
            None,
        ),
        ("key_create", "SSH key added for root: root@laptop", Category.CONFIG, Severity.INFO, None),
        (
            "key_destroy",
            "SSH key removed for root: root@laptop",
            Category.CONFIG,
            Severity.INFO,
            None,
        ),
        (
            "group_create",
            "Group storecloud created",
            Category.CONFIG,
            Severity.INFO,
            "gitlab:storecloud",
        ),
        (
            "group_destroy",
            "Group storecloud deleted",
            Category.CONFIG,
            Severity.WARNING,
            "gitlab:storecloud",
        ),
        (
            "group_rename",
            "Group parent-group/old-name renamed to parent-group/better-name",
            Category.CONFIG,
            Severity.INFO,
            "gitlab:parent-group/better-name",
        ),
        (
            "subgroup_create",
            "Subgroup acme/subgroup created in acme",
            Category.CONFIG,
            Severity.INFO,
            "gitlab:acme/subgroup",
        ),
        (
            "subgroup_destroy",
            "Subgroup acme/subgroup deleted in acme",
            Category.CONFIG,
            Severity.WARNING,
            "gitlab:acme/subgroup",
        ),
        (
            "user_add_to_group",
            "johnsmith joined group storecloud as Maintainer",
            Category.SIGNUP,
            Severity.INFO,
            "gitlab:storecloud",
        ),
        (
            "user_remove_from_group",
            "johnsmith left group storecloud",
            Category.CONFIG,
            Severity.INFO,
            "gitlab:storecloud",
        ),
        (
            "user_update_for_group",
            "johnsmith's role in group storecloud changed to Developer",
            Category.CONFIG,
            Severity.INFO,
            "gitlab:storecloud",
        ),
        (
            "user_access_request_to_group",
            "johnsmith asked for access to group storecloud",
            Category.CONFIG,
            Severity.INFO,
            "gitlab:storecloud",
        ),
        (
            "user_access_request_revoked_for_group",
            "johnsmith's request for access to group storecloud was withdrawn",
            Category.CONFIG,
            Severity.INFO,
            "gitlab:storecloud",
        ),
        (
            "user_access_request_to_project",
            "johnsmith asked for access to project jsmith/storecloud",
            Category.CONFIG,
            Severity.INFO,
            "gitlab:jsmith/storecloud",
        ),
        (
            "user_access_request_revoked_for_project",
            "johnsmith's request for access to project jsmith/storecloud was withdrawn",
            Category.CONFIG,
            Severity.INFO,
            "gitlab:jsmith/storecloud",
        ),
        (
            "repository_update",
            "Alice Liddell updated 2 refs in acme/web",
            Category.CHANGE,
            Severity.INFO,
            "gitlab:acme/web",
        ),
    ],
)
def test_system_hooks(
    name: str, title: str, category: Category, severity: Severity, service: str | None
) -> None:
    event = parse_one(SYSTEM[name])
    assert event.type == name
    assert (event.title, event.category, event.severity) == (title, category, severity)
    assert event.service == service


def test_a_repository_update_names_one_ref_and_the_new_commits() -> None:
    event = parse_one(SYSTEM["repository_update"])
    assert event.commits == (AFTER,)  # a new tag on the same commit: one SHA
    assert event.tags == ("main", "v1.2.0")
    one = {**SYSTEM["repository_update"], "changes": [SYSTEM["repository_update"]["changes"][0]]}
    assert parse_one(one).title == "Alice Liddell updated main in acme/web"


def test_a_failed_login_without_a_state_still_reads() -> None:
    document = {k: v for k, v in SYSTEM["user_failed_login"].items() if k != "state"}
    event = parse_one(document)
    assert event.title == "user4 (John Smith) failed to sign in"
    assert event.severity is Severity.WARNING


@pytest.mark.parametrize(
    ("document", "title", "service"),
    [
        (
            access_token(),
            "Project access token deploy-bot expires on 2024-06-10 in acme/web",
            "gitlab:acme/web",
        ),
        (
            access_token(group=True),
            "Group access token deploy-bot expires on 2024-06-10 in acme",
            "gitlab:acme",
        ),
        (
            deploy_token(),
            "Project deploy token registry-pull expires on 2024-06-10 in acme/web",
            "gitlab:acme/web",
        ),
    ],
)
def test_expiring_tokens_are_warnings(document: dict[str, Any], title: str, service: str) -> None:
    event = parse_one(document)
    assert (event.title, event.severity, event.category) == (
        title,
        Severity.WARNING,
        Category.CONFIG,
    )
    assert event.service == service
    assert event.fields["expires_at"] == "2024-06-10"


def test_an_expired_token() -> None:
    event = parse_one({**access_token(), "event_name": "expired_access_token"})
    assert event.title == "Project access token deploy-bot expired on 2024-06-10 in acme/web"


@pytest.mark.parametrize(
    ("level", "state", "severity"),
    [
        ("critical", "detected", Severity.CRITICAL),
        ("high", "confirmed", Severity.ERROR),
        ("medium", "detected", Severity.WARNING),
        ("low", "detected", Severity.INFO),
        ("critical", "dismissed", Severity.INFO),
        ("high", "resolved", Severity.INFO),
    ],
)
def test_vulnerabilities_are_alerts(level: str, state: str, severity: Severity) -> None:
    event = parse_one(vulnerability(level, state))
    assert event.title == (f"Vulnerability {state} in acme/web: REXML DoS vulnerability ({level})")
    assert (event.category, event.severity) == (Category.ALERT, severity)
    assert event.url == "https://gitlab.example.com/acme/web/-/security/vulnerabilities/1"
    assert event.fields["file"] == "Gemfile.lock"


def test_milestones_flags_and_emoji() -> None:
    made = parse_one(milestone("create"))
    assert made.type == "milestone.create"
    assert made.title == "Milestone v1.3 created in acme/web (due 2024-07-01)"
    assert made.category is Category.ISSUE
    assert made.url == "https://gitlab.example.com/acme/web/-/milestones/10"
    assert parse_one(milestone("close")).title.startswith("Milestone v1.3 closed in acme/web")
    on = parse_one(feature_flag(True))
    assert on.title == "alice turned on feature flag new-ui in acme/web"
    assert (on.category, on.fields["active"]) == (Category.CONFIG, True)
    assert parse_one(feature_flag(False)).title == (
        "alice turned off feature flag new-ui in acme/web"
    )
    award = parse_one(emoji("award"))
    assert award.title == "alice reacted :thumbsup: to issue #7 Crash on login in acme/web"
    assert award.category is Category.ACTIVITY
    revoke = parse_one(emoji("revoke"))
    assert revoke.title == "alice took back :thumbsup: from issue #7 Crash on login in acme/web"


def test_every_built_type_has_a_sample() -> None:
    built = set(GitLabSource.titles.names())
    seen = set()
    for headers, body in SAMPLES:
        for draft in SOURCE.parse(headers, body):
            seen.add(draft.type.split(".")[0])
    assert built <= seen, sorted(built - seen)
