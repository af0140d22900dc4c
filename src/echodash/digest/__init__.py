"""E-mail digests: a periodic summary of a workspace's events, per person, sent over SMTP."""
