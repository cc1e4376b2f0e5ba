-- Better Auth's password credentials (camelCase): the account rows of provider 'credential' hold
-- the user's scrypt hash. A user with none (OAuth only) comes over without a password.
SELECT a."userId" AS parent_key, a.password AS password_hash
FROM account a
WHERE a."providerId" = 'credential' AND a.password IS NOT NULL
