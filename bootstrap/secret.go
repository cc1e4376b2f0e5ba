package bootstrap

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// secretFile is where the embedded default keeps its generated AUTH_SECRET, beside the database.
const secretFile = "auth_secret"

// authSecret returns the key of session-token hashes: AUTH_SECRET when set; otherwise, on the
// embedded default, a random one generated on first start and kept (mode 0600) in the data
// directory, so sessions survive restarts. With Cloudflare, AUTH_SECRET is required: instances
// must share it, and there is no shared directory to keep it in.
func authSecret(cfg Config) ([]byte, error) {
	if cfg.AuthSecret != "" {
		return []byte(cfg.AuthSecret), nil
	}
	if cfg.Cloudflare() {
		return nil, errors.New("AUTH_SECRET is not set: with Cloudflare every instance needs the same one (generate it with: openssl rand -hex 32)")
	}
	dir := filepath.Dir(cfg.DatabasePath())
	path := filepath.Join(dir, secretFile)
	if raw, err := os.ReadFile(path); err == nil {
		secret := strings.TrimSpace(string(raw))
		if len(secret) < 32 {
			return nil, fmt.Errorf("%s holds a secret shorter than 32 characters: delete it to make a new one (every session ends)", path)
		}
		return []byte(secret), nil
	} else if !errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	var b [32]byte
	if _, err := rand.Read(b[:]); err != nil {
		return nil, err
	}
	secret := hex.EncodeToString(b[:])
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("create %s: %w", dir, err)
	}
	// O_EXCL: two processes starting at once on a fresh directory must not each write their own.
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, os.ErrExist) {
		return authSecret(cfg)
	}
	if err != nil {
		return nil, fmt.Errorf("create %s: %w", path, err)
	}
	defer f.Close()
	if _, err := f.WriteString(secret + "\n"); err != nil {
		return nil, fmt.Errorf("write %s: %w", path, err)
	}
	return []byte(secret), nil
}
