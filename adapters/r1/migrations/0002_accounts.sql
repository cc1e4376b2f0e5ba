-- Migration number: 0002 	 Accounts: users, their sessions, and what they did.
--
-- Same rules as 0001: STRICT tables, numbers written so they stay right when D1's REST API binds them
-- as text. Times are INTEGER unix seconds: nothing here needs to order by time below the second
-- (activities order by id), and whole seconds compare with an index directly.

CREATE TABLE users (
    -- The service makes ids (random hex); WITHOUT ROWID keeps a row clustered on the key it is read by.
    id            TEXT    PRIMARY KEY CHECK (id <> ''),
    -- Normalized (trimmed, lowercase) by the service before it gets here, so the unique index below
    -- makes uniqueness case-insensitive without a collation D1 does not have.
    email         TEXT    NOT NULL CHECK (email <> ''),
    name          TEXT    NOT NULL,
    image         TEXT    NOT NULL DEFAULT '',
    -- A PHC string; never the password.
    password_hash TEXT    NOT NULL,
    created_at    INTEGER NOT NULL,
    updated_at    INTEGER NOT NULL
) STRICT, WITHOUT ROWID;

-- The index decides between parallel sign-ups with one email: exactly one insert wins.
CREATE UNIQUE INDEX users_email ON users (email);

CREATE TABLE sessions (
    -- The keyed hash (HMAC-SHA-256, hex) of the token. The shape check means a raw token, which is
    -- base64url, can never be stored here by mistake.
    id         TEXT    PRIMARY KEY CHECK (length(id) = 64 AND id NOT GLOB '*[^0-9a-f]*'),
    user_id    TEXT    NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at INTEGER NOT NULL,
    -- Exclusive: a session is over from this second on.
    expires_at INTEGER NOT NULL
) STRICT, WITHOUT ROWID;

-- Ending every other session of a user (a password change) and the cascade from users both look
-- sessions up by user.
CREATE INDEX sessions_user_id ON sessions (user_id);
-- The sweep of expired sessions reads a range of this index instead of the whole table.
CREATE INDEX sessions_expires_at ON sessions (expires_at);

CREATE TABLE activities (
    -- AUTOINCREMENT: ids only grow, even after rows are deleted, so "newest first" is "id descending"
    -- and a page cursor (an id) never lands among rows written after it.
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id    TEXT    NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    type       TEXT    NOT NULL CHECK (type IN ('view', 'search')),
    -- Informational, with no foreign key: the activity outlives, and never blocks, a change to the
    -- catalog. NULL for a search.
    torrent_id INTEGER CHECK (torrent_id IS NULL OR torrent_id > 0),
    -- The v1 info hash, lowercase hex; NULL for a search.
    info_hash  TEXT    CHECK (info_hash IS NULL OR
                              (length(info_hash) = 40 AND info_hash NOT GLOB '*[^0-9a-f]*')),
    -- The search text; empty for a view.
    query      TEXT    NOT NULL DEFAULT '',
    created_at INTEGER NOT NULL
) STRICT;

-- A user's activity, newest first and paged by id, is a backwards range scan of this index.
CREATE INDEX activities_user_id ON activities (user_id, id);
