-- Migration number: 0006b 	 Personal API keys.
--
-- Stored as sessions are: by the keyed hash (HMAC-SHA-256, hex) of the key, never the key.
CREATE TABLE api_keys (
    id           TEXT    PRIMARY KEY CHECK (id <> ''),
    user_id      TEXT    NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name         TEXT    NOT NULL CHECK (name <> ''),
    key_hash     TEXT    NOT NULL UNIQUE CHECK (length(key_hash) = 64 AND key_hash NOT GLOB '*[^0-9a-f]*'),
    created_at   INTEGER NOT NULL,
    -- NULL until first used; written at most every few minutes (domain.APIKeyUseGranularity).
    last_used_at INTEGER
) STRICT, WITHOUT ROWID;

-- A user's keys are listed, counted and deleted by user.
CREATE INDEX api_keys_user_id ON api_keys (user_id, created_at);
