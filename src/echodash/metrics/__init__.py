"""The numbers a team steers by, as pure functions over metric facts (see docs/metrics.md and
the exact definitions they follow): `dora` (delivery), `revenue` (MRR and its movements),
`product` (active users, retention, funnels, time to value, NPS and CSAT)."""
