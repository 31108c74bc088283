-- Issue 19, item 2: outbox rows written before links were sealed hold the artist's one-tap links
-- (`…/a/<43-character token>`) in clear in payload.body. Sent (or settled) rows keep the message
-- with the token removed; a row still waiting to be sent points the artist to the lead's page in
-- the inbox instead (the same base URL), which always works. New rows never hold a token in clear:
-- the URL is sealed beside the body (durable-objects/action-links.ts).
UPDATE outbox_messages
   SET payload = jsonb_set(payload, '{body}', to_jsonb(regexp_replace(payload->>'body', '/a/[A-Za-z0-9_-]{43}', '/a/[redacted]', 'g')))
 WHERE kind = 'text' AND status <> 'PENDING' AND payload->>'body' ~ '/a/[A-Za-z0-9_-]{43}';
--> statement-breakpoint
UPDATE outbox_messages
   SET payload = jsonb_set(payload, '{body}', to_jsonb(regexp_replace(payload->>'body', '/a/[A-Za-z0-9_-]{43}', '/inbox/leads/' || lead_id::text, 'g')))
 WHERE kind = 'text' AND status = 'PENDING' AND payload->>'body' ~ '/a/[A-Za-z0-9_-]{43}';
