-- Better Auth's password credentials (snake_case): the account rows of provider 'credential' hold
-- the user's scrypt hash. A user with none (OAuth only) comes over without a password.
SELECT a.user_id AS parent_key, a.password AS password_hash
FROM account a
WHERE a.provider_id = 'credential' AND a.password IS NOT NULL
