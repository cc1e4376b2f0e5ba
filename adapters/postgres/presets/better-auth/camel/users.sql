-- Better Auth's users (Drizzle generator, camelCase columns). Their passwords come from
-- credentials.sql.
SELECT u.id AS key, u.email, u.name, u.image, u."createdAt" AS created_at, u."updatedAt" AS updated_at
FROM "user" u
