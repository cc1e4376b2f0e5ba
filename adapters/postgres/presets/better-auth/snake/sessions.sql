-- Better Auth's sessions (snake_case): the token is plain text there; the import keeps only its
-- keyed hash. The key is the session's id, never its token.
SELECT s.id AS key, s.token, u.email AS user_email, s.created_at, s.expires_at
FROM session s
JOIN "user" u ON u.id = s.user_id
