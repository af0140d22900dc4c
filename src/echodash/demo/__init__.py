"""The demo company: a seeded, simulated product team whose 90 days of GitHub, Stripe, Notion,
Linear, Sentry, Cloudflare, Slack and product events fill a workspace through the real signed
receive path (docs/demo.md)."""
