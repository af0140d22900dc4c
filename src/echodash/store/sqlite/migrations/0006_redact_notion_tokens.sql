-- Notion's verification token out of what older versions stored in plain text (issue 10): it
-- lives only sealed, as the endpoint's secret, now. Here its verification events' fields;
-- the handshake deliveries' bodies need JSON read out of bytes, no job for SQL: the Python
-- rewrite of this name does them (store/sqlite_rewrites.py), right after this script, in the
-- same transaction. The text is echodash.sources.notion.REDACTED.
UPDATE events
SET fields = json_set(
    fields, '$.verification_token', '[redacted: kept sealed as the endpoint''s secret]'
)
WHERE source = 'notion'
    AND type = 'verification'
    AND json_extract(fields, '$.verification_token') IS NOT NULL
    AND json_extract(fields, '$.verification_token')
        <> '[redacted: kept sealed as the endpoint''s secret]';
