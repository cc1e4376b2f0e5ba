package contract_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/torrent-streamer/streamer/adapters/memory"
	"github.com/torrent-streamer/streamer/adapters/ndjson"
	"github.com/torrent-streamer/streamer/adapters/r1"
	"github.com/torrent-streamer/streamer/domain"
	"github.com/torrent-streamer/streamer/ports"
	"github.com/torrent-streamer/streamer/tests/contract"
)

func TestMemoryImportStores(t *testing.T) {
	t.Parallel()
	contract.RunImportStores(t, contract.ImportStoreHarness{
		Name: "memory",
		New: func(t *testing.T) contract.ImportStores {
			a, c := memory.NewAccounts(nil), memory.NewCatalog(nil)
			s := memory.NewImportStore(a, c)
			return contract.ImportStores{Accounts: s, Categories: s, Checkpoints: s, Export: s,
				Users: a.Users(), Sessions: a.Sessions(), Activities: a.Activities(), Torrents: c.Torrents(), Catalog: c.Categories()}
		},
	})
}

// TestR1ImportStores runs the import's stores on the local engine natively and D1-typed (every
// parameter as text, every result through JSON), side by side.
func TestR1ImportStores(t *testing.T) {
	t.Parallel()
	for name, opts := range map[string]r1.LocalOptions{"native": {}, "d1-typed": {ParamsAsText: true, JSONResults: true}} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			contract.RunImportStores(t, contract.ImportStoreHarness{
				Name: "r1",
				New: func(t *testing.T) contract.ImportStores {
					ctx := context.Background()
					db, err := r1.OpenFile(ctx, filepath.Join(t.TempDir(), "r1.db"), opts)
					if err != nil {
						t.Fatalf("open: %v", err)
					}
					t.Cleanup(func() { db.Close() })
					if err := db.Migrate(ctx); err != nil {
						t.Fatalf("migrate: %v", err)
					}
					s := r1.NewImportStore(db)
					return contract.ImportStores{Accounts: s, Categories: s, Checkpoints: s, Export: s,
						Users: r1.NewUserRepository(db), Sessions: r1.NewSessionRepository(db), Activities: r1.NewActivityRepository(db),
						Torrents: r1.NewTorrentRepository(db), Catalog: r1.NewCategoryRepository(db)}
				},
			})
		})
	}
}

func TestNDJSONImportSource(t *testing.T) {
	t.Parallel()
	contract.RunImportSource(t, contract.ImportSourceHarness{
		Name: "ndjson",
		New: func(t *testing.T, torrents []ports.SourceTorrent) ports.ImportSource {
			var b bytes.Buffer
			w := ndjson.NewWriter(&b)
			for i, x := range torrents {
				h, err := domain.ParseInfoHash(x.InfoHash)
				if err != nil {
					t.Fatal(err)
				}
				tr := domain.Torrent{ID: int64(i + 1), InfoHash: h, Name: x.Name, Size: x.Size, Category: domain.CategoryRef{Slug: x.Category},
					Files: x.Files, Trackers: x.Trackers}
				if err := w.Write(tr); err != nil {
					t.Fatal(err)
				}
			}
			if err := w.Flush(); err != nil {
				t.Fatal(err)
			}
			path := filepath.Join(t.TempDir(), "catalog.ndjson")
			if err := os.WriteFile(path, b.Bytes(), 0o600); err != nil {
				t.Fatal(err)
			}
			src, err := ndjson.Open(path)
			if err != nil {
				t.Fatal(err)
			}
			return src
		},
	})
}
