-- Better Auth's users (Drizzle generator, snake_case columns), with the password hash of their
-- credential account when they have one (OAuth-only users have none).
SELECT u.id AS key, u.email, u.name, u.image, a.password AS password_hash, u.created_at, u.updated_at
FROM "user" u
LEFT JOIN LATERAL (
    SELECT password FROM account
    WHERE user_id = u.id AND provider_id = 'credential' AND password IS NOT NULL
    ORDER BY updated_at DESC LIMIT 1
) a ON true
