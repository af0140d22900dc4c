"""GitLab: project, group and system webhooks of GitLab.com or a self-managed GitLab."""

from echodash.sources.gitlab.source import GitLabSource

__all__ = ["GitLabSource"]
