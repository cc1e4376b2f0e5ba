-- Better Auth's sessions (camelCase): the token is plain text there; the import keeps only its
-- keyed hash. The key is the session's id, never its token.
SELECT s.id AS key, s.token, u.email AS user_email, s."createdAt" AS created_at, s."expiresAt" AS expires_at
FROM session s
JOIN "user" u ON u.id = s."userId"
