package contract_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/torrent-streamer/streamer/adapters/r1"
	"github.com/torrent-streamer/streamer/ports"
	"github.com/torrent-streamer/streamer/tests/contract"
)

// r1Accounts runs the account repositories on the local engine, each subtest on a file of its
// own. The file is a copy of one migrated once per mode (migrating is most of the cost of a fresh
// store; the r1 package tests Migrate itself). The d1-typed mode binds every parameter as text and
// passes every result through JSON, as D1's REST API does, so SQL that is right only with typed
// values fails here rather than on Cloudflare.
func r1Accounts(t *testing.T, opts r1.LocalOptions) contract.AccountsHarness {
	ctx := context.Background()
	template := filepath.Join(t.TempDir(), "template.db")
	db, err := r1.OpenFile(ctx, template, opts)
	if err != nil {
		t.Fatalf("open the template: %v", err)
	}
	if err := db.Migrate(ctx); err != nil {
		t.Fatalf("migrate the template: %v", err)
	}
	if err := db.Close(); err != nil {
		t.Fatalf("close the template: %v", err)
	}
	return contract.AccountsHarness{
		Name: "r1",
		New: func(t *testing.T) (ports.UserRepository, ports.SessionRepository, ports.ActivityRepository) {
			path := filepath.Join(t.TempDir(), "r1.db")
			for _, suffix := range []string{"", "-wal"} {
				raw, err := os.ReadFile(template + suffix)
				if os.IsNotExist(err) && suffix != "" {
					continue
				}
				if err != nil {
					t.Fatalf("read the template: %v", err)
				}
				if err := os.WriteFile(path+suffix, raw, 0o600); err != nil {
					t.Fatalf("copy the template: %v", err)
				}
			}
			db, err := r1.OpenFile(ctx, path, opts)
			if err != nil {
				t.Fatalf("open: %v", err)
			}
			t.Cleanup(func() {
				if err := db.Close(); err != nil {
					t.Errorf("close: %v", err)
				}
			})
			if err := db.Ping(ctx); err != nil {
				t.Fatalf("the copy of the migrated template is not ready: %v", err)
			}
			return r1.NewUserRepository(db), r1.NewSessionRepository(db), r1.NewActivityRepository(db)
		},
	}
}

// r1AccountModes runs an accounts suite natively and D1-typed, side by side.
func r1AccountModes(t *testing.T, suite func(*testing.T, contract.AccountsHarness)) {
	t.Parallel()
	modes := []struct {
		name string
		opts r1.LocalOptions
	}{
		{"native", r1.LocalOptions{}},
		{"d1-typed", r1.LocalOptions{ParamsAsText: true, JSONResults: true}},
	}
	for _, m := range modes {
		t.Run(m.name, func(t *testing.T) {
			t.Parallel()
			suite(t, r1Accounts(t, m.opts))
		})
	}
}

func TestR1UserRepository(t *testing.T) { r1AccountModes(t, contract.RunUserRepository) }

func TestR1SessionRepository(t *testing.T) { r1AccountModes(t, contract.RunSessionRepository) }

func TestR1ActivityRepository(t *testing.T) { r1AccountModes(t, contract.RunActivityRepository) }

func TestR1APIKeyRepository(t *testing.T) {
	t.Parallel()
	for _, m := range []struct {
		name string
		opts r1.LocalOptions
	}{
		{"native", r1.LocalOptions{}},
		{"d1-typed", r1.LocalOptions{ParamsAsText: true, JSONResults: true}},
	} {
		t.Run(m.name, func(t *testing.T) {
			t.Parallel()
			contract.RunAPIKeyRepository(t, contract.APIKeysHarness{
				Name: "r1",
				New: func(t *testing.T) (ports.UserRepository, ports.APIKeyRepository) {
					db, err := r1.OpenFile(t.Context(), filepath.Join(t.TempDir(), "keys.db"), m.opts)
					if err != nil {
						t.Fatal(err)
					}
					t.Cleanup(func() { db.Close() })
					if err := db.Migrate(t.Context()); err != nil {
						t.Fatal(err)
					}
					return r1.NewUserRepository(db), r1.NewAPIKeyRepository(db)
				},
			})
		})
	}
}
