-- Notion's verification token out of what older versions stored in plain text (issue 10): it
-- lives only sealed, as the endpoint's secret, now. Here its verification events' fields;
-- the handshake deliveries' bodies need JSON read out of bytes, no job for SQL: the Python
-- rewrite of this name does them (store/postgres_rewrites.py), right after this script, in
-- the same transaction. The text is echodash.sources.notion.REDACTED.
UPDATE events
SET fields = jsonb_set(
    fields,
    '{verification_token}',
    to_jsonb('[redacted: kept sealed as the endpoint''s secret]'::text)
)
WHERE source = 'notion'
    AND type = 'verification'
    AND fields ? 'verification_token'
    AND fields ->> 'verification_token'
        IS DISTINCT FROM '[redacted: kept sealed as the endpoint''s secret]';
