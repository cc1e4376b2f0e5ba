-- Migration number: 0004b 	 Activities written once however often the write is sent; a retention index.
--
-- client_key is chosen by the recorder (random): a batch re-sent after its answer was lost (the
-- Cloudflare API client re-sends on no answer and on 5xx) skips the rows it already stored
-- (INSERT ... ON CONFLICT (client_key) DO NOTHING). NULL for rows written without one.
ALTER TABLE activities ADD COLUMN client_key TEXT CHECK (client_key IS NULL OR length(client_key) BETWEEN 1 AND 64);
CREATE UNIQUE INDEX activities_client_key ON activities (client_key);

-- The retention sweep deletes by age: a range of this index, not a scan of the table.
CREATE INDEX activities_created_at ON activities (created_at);
