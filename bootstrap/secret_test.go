package bootstrap

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestTheLocalSecretIsGeneratedOnceAndKept(t *testing.T) {
	dir := t.TempDir()
	cfg := Config{R1Database: filepath.Join(dir, "data", "streamer.db")}
	first, err := authSecret(cfg)
	if err != nil || len(first) != 64 {
		t.Fatalf("%q %v", first, err)
	}
	info, err := os.Stat(filepath.Join(dir, "data", secretFile))
	if err != nil || info.Mode().Perm() != 0o600 {
		t.Fatalf("secret file: %v %v", info, err)
	}
	again, _ := authSecret(cfg)
	if string(again) != string(first) {
		t.Fatal("a restart must keep the secret")
	}
	set, _ := authSecret(Config{R1Database: cfg.R1Database, AuthSecret: strings.Repeat("x", 32)})
	if string(set) != strings.Repeat("x", 32) {
		t.Fatal("AUTH_SECRET wins")
	}
	if _, err := authSecret(Config{CFAccountID: "a", R1APIToken: "t", R1Database: "streamer"}); err == nil {
		t.Fatal("Cloudflare without AUTH_SECRET must not start")
	}
}
