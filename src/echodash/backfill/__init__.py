"""Day-one history: what a tool's API still holds, stored as if its webhooks had sent it.

`base.py` is the interface a provider implements (a `HistoryReader` that yields pages of
webhook-shaped items and a cursor to resume from); `runner.py` stores those items as
deliveries through the same path as every other delivery, so the sender's own parser makes
the same events and metric facts; `http.py` is the one paginating, rate-limit-aware client.
"""
