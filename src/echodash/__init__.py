"""EchoDash: a self-hostable real-time event hub for product engineering teams."""

__version__ = "0.1.0"
