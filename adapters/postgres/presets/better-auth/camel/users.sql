-- Better Auth's users (Drizzle generator, camelCase columns), with the password hash of their
-- credential account when they have one (OAuth-only users have none).
SELECT u.id AS key, u.email, u.name, u.image, a.password AS password_hash, u."createdAt" AS created_at, u."updatedAt" AS updated_at
FROM "user" u
LEFT JOIN LATERAL (
    SELECT password FROM account
    WHERE "userId" = u.id AND "providerId" = 'credential' AND password IS NOT NULL
    ORDER BY "updatedAt" DESC LIMIT 1
) a ON true
