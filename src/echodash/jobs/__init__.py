"""Background jobs that run once across every process sharing the store."""
