"""GitHub: repository, organization and GitHub App webhooks."""

from echodash.sources.github.source import GitHubSource

__all__ = ["GitHubSource"]
