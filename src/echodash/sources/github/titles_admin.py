"""Titles for GitHub's settings, access, apps, packages, milestones and projects: who
changed what, and which of them want a person to look (a webhook deleted, an app removed, a
branch left unprotected, a key that can push)."""

from __future__ import annotations

from echodash.events import Category, EventDraft, Outcome, Severity
from echodash.sources.github.reader import Payload
from echodash.sources.kit.text import words
from echodash.sources.kit.titles import TitleBook

TITLES: TitleBook[Payload] = TitleBook()
builds = TITLES.builds


# ---- protection, keys, webhooks, rules ----------------------------------------------------


@builds("branch_protection_rule")
def _branch_protection_rule(p: Payload) -> EventDraft:
    branch = p.text("rule.name", 100) or "a branch"
    return p.draft(
        f"{p.who} {p.verb()} the protection rule for {branch}{p.where}",
        url=(f"{home}/settings/branches" if (home := p.home()) else None),
        occurred_at=p.time("rule.updated_at", "rule.created_at"),
        # A branch left without protection can take unreviewed pushes.
        severity=Severity.WARNING if p.action == "deleted" else Severity.INFO,
        tags=[branch],
        category=Category.CONFIG,
        fields={
            "branch": branch,
            "reviews": p.number("rule.required_approving_review_count"),
        },
    )


@builds("deploy_key")
def _deploy_key(p: Payload) -> EventDraft:
    title = p.text("key.title", 100)
    read_only = p.get("key.read_only")
    writes = read_only is False
    access = " with write access" if writes and p.action == "created" else ""
    return p.draft(
        f"{p.who} {p.verb()} deploy key" + (f" {title}" if title else "") + access + p.where,
        occurred_at=p.time("key.created_at"),
        # A key that can push is worth a look when it appears.
        severity=Severity.WARNING if access else Severity.INFO,
        category=Category.CONFIG,
        fields={"key": title, "read_only": read_only if isinstance(read_only, bool) else None},
    )


@builds("meta")
def _meta(p: Payload) -> EventDraft:
    hook = p.number("hook_id") or p.number("hook.id")
    where = f" for {p.subject}" if p.subject else ""
    deleted = p.action == "deleted"
    return p.draft(
        f"{p.who} {p.verb()} the GitHub webhook{where}"
        + (": no more events will arrive from it" if deleted else ""),
        # The webhook that sends to EchoDash is gone: its feed goes quiet.
        severity=Severity.WARNING if deleted else Severity.INFO,
        category=Category.CONFIG,
        fields={"hook_id": hook, "hook_type": p.text("hook.type", 40)},
    )


@builds("label")
def _label(p: Payload) -> EventDraft:
    name = p.text("label.name", 50) or "a label"
    old = p.text("changes.name.from", 50)
    title = (
        f"{p.who} renamed label {old} to {name}{p.where}"
        if p.action == "edited" and old
        else f"{p.who} {p.verb()} label {name}{p.where}"
    )
    return p.draft(title, tags=[name], category=Category.CONFIG, fields={"label": name})


# ---- people, teams, organizations ---------------------------------------------------------


@builds("membership")
def _membership(p: Payload) -> EventDraft:
    member = p.text("member.login", 80) or "someone"
    team = p.text("team.name", 80) or "a team"
    joined = {"added": "added {m} to team {t}", "removed": "removed {m} from team {t}"}
    phrase = joined.get(p.action or "", "{v} {m} in team {t}").format(m=member, t=team, v=p.verb())
    return p.draft(
        f"{p.who} {phrase}{p.where}",
        category=Category.CONFIG,
        fields={"member": member, "team": team},
    )


_ORGANIZATION_TITLES = {
    "member_added": "{user} joined {org}",
    "member_invited": "{who} invited {user} to {org}",
    "member_removed": "{who} removed {user} from {org}",
    "renamed": "{who} renamed organization {old} to {org}",
    "deleted": "{who} deleted organization {org}",
}


@builds("organization")
def _organization(p: Payload) -> EventDraft:
    user = (
        p.text("membership.user.login", 80)
        or p.text("invitation.login", 80)
        or p.text("user.login", 80)
        or "someone"
    )
    template = _ORGANIZATION_TITLES.get(p.action or "", "{who} {verb} organization {org}")
    title = template.format(
        who=p.who,
        user=user,
        org=p.text("organization.login", 80) or "an organization",
        old=p.text("changes.login.from", 80) or "another name",
        verb=p.verb(),
    )
    return p.draft(
        title,
        severity=Severity.WARNING if p.action == "deleted" else Severity.INFO,
        # Someone new in the organization; everything else about it is a setting.
        category=Category.SIGNUP if p.action == "member_added" else Category.CONFIG,
        fields={"member": user, "role": p.text("membership.role", 40)},
    )


@builds("org_block")
def _org_block(p: Payload) -> EventDraft:
    user = p.text("blocked_user.login", 80) or "someone"
    return p.draft(
        f"{p.who} {p.verb()} {user}{p.where}",
        category=Category.CONFIG,
        fields={"blocked": user},
    )


_TEAM_TITLES = {
    "added_to_repository": "{who} gave team {team} access to {repo}",
    "removed_from_repository": "{who} removed team {team} from {repo}",
}


@builds("team", "team_add")
def _team(p: Payload) -> EventDraft:
    team = p.text("team.name", 80) or "a team"
    action = "added_to_repository" if p.event == "team_add" else p.action or "updated"
    template = _TEAM_TITLES.get(action, "{who} {verb} team {team}{where}")
    title = template.format(
        who=p.who,
        team=team,
        repo=p.text("repository.full_name", 140) or "a repository",
        verb=words(action),
        where=p.where,
    )
    return p.draft(
        title,
        url=p.link("team.html_url"),
        category=Category.CONFIG,
        fields={"team": team, "permission": p.text("team.permission", 40)},
    )


# ---- apps, installations, the marketplace and sponsors ------------------------------------


@builds("installation")
def _installation(p: Payload) -> EventDraft:
    account = p.text("installation.account.login", 80) or "an account"
    app = p.text("installation.app_slug", 80) or "the GitHub App"
    phrases = {
        "created": "installed {app} on {account}",
        "deleted": "uninstalled {app} from {account}",
        "suspend": "suspended {app} on {account}",
        "unsuspend": "unsuspended {app} on {account}",
        "new_permissions_accepted": "accepted new permissions for {app} on {account}",
    }
    phrase = phrases.get(p.action or "", "{verb} the installation of {app} on {account}")
    lost = p.action in ("deleted", "suspend")
    return p.draft(
        f"{p.who} " + phrase.format(app=app, account=account, verb=p.verb()),
        url=p.link("installation.html_url"),
        # The app no longer receives this account's events.
        severity=Severity.WARNING if lost else Severity.INFO,
        category=Category.CONFIG,
        fields={"account": account, "app": app},
    )


@builds("installation_repositories")
def _installation_repositories(p: Payload) -> EventDraft:
    added, removed = p.get("repositories_added"), p.get("repositories_removed")
    count = len(added if p.action == "added" and isinstance(added, list) else []) + len(
        removed if p.action == "removed" and isinstance(removed, list) else []
    )
    account = p.text("installation.account.login", 80) or "an account"
    what = f"{count} repositor{'y' if count == 1 else 'ies'}" if count else "repositories"
    direction = "to" if p.action == "added" else "from" if p.action == "removed" else "of"
    return p.draft(
        f"{p.who} {p.verb()} {what} {direction} the app installation on {account}",
        url=p.link("installation.html_url"),
        category=Category.CONFIG,
        fields={"repositories": count, "selection": p.text("repository_selection", 20)},
    )


@builds("github_app_authorization")
def _github_app_authorization(p: Payload) -> EventDraft:
    return p.draft(
        f"{p.who} {p.verb()} their authorization of the GitHub App",
        category=Category.CONFIG,
    )


_PURCHASE_SEVERITY = {"purchased": Severity.SUCCESS, "cancelled": Severity.WARNING}


@builds("marketplace_purchase")
def _marketplace_purchase(p: Payload) -> EventDraft:
    purchase = "marketplace_purchase"
    account = p.text(f"{purchase}.account.login", 80) or p.who
    plan = p.text(f"{purchase}.plan.name", 80)
    on = f" {plan}" if plan else " a plan"
    phrases = {
        "purchased": f"bought{on}",
        "cancelled": f"cancelled{on}",
        "changed": f"changed to{on}",
        "pending_change": f"will change to{on}",
        "pending_change_cancelled": "kept their plan",
    }
    return p.draft(
        f"{account} {phrases.get(p.action or '', p.verb() + on)} on GitHub Marketplace",
        occurred_at=p.time("effective_date"),
        severity=_PURCHASE_SEVERITY.get(p.action or "", Severity.INFO),
        category=Category.SUBSCRIPTION,
        fields={
            "account": account,
            "plan": plan,
            "billing_cycle": p.text(f"{purchase}.billing_cycle", 20),
            "units": p.number(f"{purchase}.unit_count"),
            "trial": p.flag(f"{purchase}.on_free_trial"),
        },
    )


_SPONSORSHIP_SEVERITY = {"created": Severity.SUCCESS, "cancelled": Severity.WARNING}


@builds("sponsorship")
def _sponsorship(p: Payload) -> EventDraft:
    sponsor = p.text("sponsorship.sponsor.login", 80) or p.who
    sponsored = p.text("sponsorship.sponsorable.login", 80) or "someone"
    tier = p.text("sponsorship.tier.name", 80)
    phrases = {
        "created": f"started sponsoring {sponsored}",
        "cancelled": f"stopped sponsoring {sponsored}",
        "pending_cancellation": f"will stop sponsoring {sponsored}",
        "tier_changed": f"changed their sponsorship of {sponsored}",
        "pending_tier_change": f"will change their sponsorship of {sponsored}",
        "edited": f"edited their sponsorship of {sponsored}",
    }
    phrase = phrases.get(p.action or "", f"{p.verb()} their sponsorship of {sponsored}")
    return p.draft(
        f"{sponsor} {phrase}" + (f" ({tier})" if tier else ""),
        occurred_at=p.time("effective_date", "sponsorship.created_at"),
        severity=_SPONSORSHIP_SEVERITY.get(p.action or "", Severity.INFO),
        category=Category.ACTIVITY,
        fields={"sponsor": sponsor, "tier": tier},
    )


# ---- packages ------------------------------------------------------------------------------


@builds("package", "registry_package")
def _package(p: Payload) -> EventDraft:
    package = p.event
    name = p.text(f"{package}.name", 100) or "a package"
    version = p.text(f"{package}.package_version.version", 60) or p.text(
        f"{package}.package_version.name", 60
    )
    kind = p.text(f"{package}.package_type", 20) or p.text(f"{package}.ecosystem", 20)
    what = f"{kind} package" if kind else "package"
    return p.draft(
        f"{p.who} {p.verb()} {what} {name}" + (f" {version}" if version else "") + p.where,
        url=p.link(f"{package}.package_version.html_url", f"{package}.html_url"),
        occurred_at=p.time(f"{package}.updated_at", f"{package}.created_at"),
        tags=[name, version],
        category=Category.RELEASE,
        fields={"package": name, "version": version, "type": kind},
    )


_IMPORTS = {
    "success": ("finished", Outcome.SUCCESS, Severity.SUCCESS),
    "failure": ("failed", Outcome.FAILURE, Severity.ERROR),
    "cancelled": ("was cancelled", Outcome.CANCELLED, Severity.WARNING),
}


@builds("repository_import")
def _repository_import(p: Payload) -> EventDraft:
    status = p.text("status", 20)
    phrase, outcome, severity = _IMPORTS.get(
        status or "", (words(status or "updated"), None, Severity.INFO)
    )
    return p.draft(
        f"Import of {p.subject or 'a repository'} {phrase}",
        severity=severity,
        category=Category.CONFIG,
        outcome=outcome,
        fields={"status": status},
    )


# ---- milestones and projects ---------------------------------------------------------------


@builds("milestone")
def _milestone(p: Payload) -> EventDraft:
    title = p.text("milestone.title", 80) or "a milestone"
    return p.draft(
        f"{p.who} {p.verb()} milestone {title}{p.where}",
        url=p.link("milestone.html_url"),
        occurred_at=p.time("milestone.closed_at", "milestone.updated_at"),
        tags=[title],
        category=Category.ISSUE,
        fields={
            "milestone": title,
            "open_issues": p.number("milestone.open_issues"),
            "closed_issues": p.number("milestone.closed_issues"),
        },
    )


_PROJECT_THINGS = {
    "project": ("project", "project.name"),
    "project_card": ("a project card", "project_card.note"),
    "project_column": ("project column", "project_column.name"),
    "projects_v2": ("project", "projects_v2.title"),
    "projects_v2_item": ("a project item", "projects_v2_item.content_type"),
}


@builds(*_PROJECT_THINGS)
def _project(p: Payload) -> EventDraft:
    noun, path = _PROJECT_THINGS.get(p.event, ("a project item", f"{p.event}.name"))
    label = p.text(path, 80)
    if p.event in ("project_card", "projects_v2_item"):
        what = f"{noun}" + (f" ({label})" if label else "")
    else:
        what = f"{noun} {label}" if label else f"a {noun}"
    return p.draft(
        f"{p.who} {p.verb()} {what}{p.where}",
        url=p.link(f"{p.event}.html_url"),
        occurred_at=p.time(f"{p.event}.updated_at", f"{p.event}.created_at"),
        category=Category.ISSUE,
    )


_PROJECT_STATUSES = {
    "AT_RISK": Severity.WARNING,
    "OFF_TRACK": Severity.WARNING,
    "COMPLETE": Severity.SUCCESS,
}


@builds("projects_v2_status_update")
def _project_status_update(p: Payload) -> EventDraft:
    status = p.text("projects_v2_status_update.status", 20)
    shown = words(status).lower() if status else None
    return p.draft(
        f"{p.who} {p.verb()} a project status update" + (f": {shown}" if shown else "") + p.where,
        occurred_at=p.time("projects_v2_status_update.updated_at"),
        # A project at risk or off track wants someone to look (not once it is deleted).
        severity=_PROJECT_STATUSES.get(status or "", Severity.INFO)
        if p.action != "deleted"
        else Severity.INFO,
        category=Category.ISSUE,
        fields={"status": status},
        summary=p.text("projects_v2_status_update.body", 300),
    )


_SUB_ISSUE_TITLES = {
    "sub_issue_added": "{who} added {sub} as a sub-issue of {parent}{where}",
    "sub_issue_removed": "{who} removed sub-issue {sub} from {parent}{where}",
    "parent_issue_added": "{who} made {parent} the parent of {sub}{where}",
    "parent_issue_removed": "{who} removed {parent} as the parent of {sub}{where}",
}


@builds("sub_issues")
def _sub_issues(p: Payload) -> EventDraft:
    def issue(key: str) -> str:
        number, title = p.number(f"{key}.number"), p.text(f"{key}.title", 80)
        return " ".join(part for part in (f"#{number}" if number else None, title) if part) or (
            "an issue"
        )

    template = _SUB_ISSUE_TITLES.get(p.action or "", "{who} {verb} sub-issue {sub}{where}")
    title = template.format(
        who=p.who,
        sub=issue("sub_issue"),
        parent=issue("parent_issue"),
        where=p.where,
        verb=p.verb(),
    )
    return p.draft(
        title,
        url=p.link("sub_issue.html_url", "parent_issue.html_url"),
        category=Category.ISSUE,
        fields={
            "sub_issue": p.number("sub_issue.number"),
            "parent": p.number("parent_issue.number"),
        },
    )


# ---- rules, properties and access requests -------------------------------------------------


@builds("branch_protection_configuration")
def _branch_protection_configuration(p: Payload) -> EventDraft:
    off = p.action == "disabled"
    return p.draft(
        f"{p.who} {p.verb()} branch protections for {p.subject or 'a repository'}",
        url=(f"{home}/settings/branches" if (home := p.home()) else None),
        # Every branch of the repository left without protection.
        severity=Severity.WARNING if off else Severity.INFO,
        category=Category.CONFIG,
    )


@builds("repository_ruleset")
def _repository_ruleset(p: Payload) -> EventDraft:
    rules = "repository_ruleset"
    name = p.text(f"{rules}.name", 100) or "a ruleset"
    enforcement, target = p.text(f"{rules}.enforcement", 20), p.text(f"{rules}.target", 20)
    title = f"{p.who} {p.verb()} ruleset {name}" + (
        f" for {target}es" if target == "branch" else f" for {target}s" if target else ""
    )
    if p.action == "edited" and p.get("changes.enforcement") is not None and enforcement:
        title += f", now {words(enforcement)}"
    weaker = p.action == "deleted" or (p.action == "edited" and enforcement == "disabled")
    return p.draft(
        title + p.where,
        url=(f"{home}/settings/rules" if (home := p.home()) else None),
        occurred_at=p.time(f"{rules}.updated_at", f"{rules}.created_at"),
        # Rules removed or switched off no longer hold anyone back.
        severity=Severity.WARNING if weaker else Severity.INFO,
        category=Category.CONFIG,
        fields={"ruleset": name, "enforcement": enforcement, "target": target},
    )


@builds("custom_property")
def _custom_property(p: Payload) -> EventDraft:
    name = p.text("definition.property_name", 80) or "a custom property"
    return p.draft(
        f"{p.who} {p.verb()} custom property {name}{p.where}",
        category=Category.CONFIG,
        fields={"property": name, "type": p.text("definition.value_type", 20)},
    )


@builds("custom_property_values")
def _custom_property_values(p: Payload) -> EventDraft:
    listed = p.get("new_property_values")
    values = [v for v in listed if isinstance(v, dict)] if isinstance(listed, list) else []
    shown = [
        f"{name}={Payload(p.event, v).text('value', 40) or '(none)'}"
        for v in values[:3]
        if (name := Payload(p.event, v).text("property_name", 40))
    ]
    return p.draft(
        f"{p.who} set custom properties of {p.subject or 'a repository'}"
        + (f": {', '.join(shown)}" if shown else ""),
        category=Category.CONFIG,
        fields={"properties": len(values)},
    )


@builds("installation_target")
def _installation_target(p: Payload) -> EventDraft:
    new, old = p.text("account.login", 80) or "an account", p.text("changes.login.from", 80)
    kind = (p.text("target_type", 20) or "account").lower()
    return p.draft(
        f"{p.who} renamed the {kind} {old or 'where the app is installed'} to {new}"
        if p.action == "renamed"
        else f"{p.who} {p.verb()} the {kind} {new} where the app is installed",
        category=Category.CONFIG,
        fields={"account": new, "from": old},
    )


_TOKEN_REQUEST_TITLES = {
    "created": "{owner} asked for a fine-grained token with access to {org}",
    "approved": "{who} approved {owner}'s token request for {org}",
    "denied": "{who} denied {owner}'s token request for {org}",
    "cancelled": "{owner} withdrew their token request for {org}",
}


@builds("personal_access_token_request")
def _personal_access_token_request(p: Payload) -> EventDraft:
    request = "personal_access_token_request"
    owner = p.text(f"{request}.owner.login", 80) or p.who
    template = _TOKEN_REQUEST_TITLES.get(p.action or "", "{who} {verb} {owner}'s token request")
    title = template.format(
        who=p.who, owner=owner, org=p.subject or "the organization", verb=p.verb()
    )
    return p.draft(
        title,
        # A request waits for an organization owner to approve or deny it.
        severity=Severity.WARNING if p.action == "created" else Severity.INFO,
        category=Category.CONFIG,
        fields={
            "owner": owner,
            "repositories": p.text(f"{request}.repository_selection", 20),
            "expires": p.text(f"{request}.token_expires_at", 40),
        },
    )
