-- Better Auth's users (Drizzle generator, snake_case columns). Their passwords come from
-- credentials.sql.
SELECT u.id AS key, u.email, u.name, u.image, u.created_at, u.updated_at
FROM "user" u
