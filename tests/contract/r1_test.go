package contract_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/torrent-streamer/streamer/adapters/r1"
	"github.com/torrent-streamer/streamer/ports"
	"github.com/torrent-streamer/streamer/tests/contract"
)

// r1Catalog runs R1's SQL on the local engine, in a fresh migrated file per subtest. With
// paramsAsText every parameter is sent as text, the way D1's REST API types them, so SQL that
// works only with typed parameters fails here rather than on Cloudflare.
func r1Catalog(paramsAsText bool) contract.CatalogHarness {
	return contract.CatalogHarness{
		Name: "r1",
		New: func(t *testing.T) (ports.TorrentRepository, ports.CategoryRepository) {
			ctx := context.Background()
			db, err := r1.OpenFile(ctx, filepath.Join(t.TempDir(), "r1.db"), r1.LocalOptions{ParamsAsText: paramsAsText})
			if err != nil {
				t.Fatalf("open: %v", err)
			}
			t.Cleanup(func() {
				if err := db.Close(); err != nil {
					t.Errorf("close: %v", err)
				}
			})
			if err := db.Migrate(ctx); err != nil {
				t.Fatalf("migrate: %v", err)
			}
			return r1.NewTorrentRepository(db), r1.NewCategoryRepository(db)
		},
	}
}

// r1Variants runs a suite on both ways of binding parameters, side by side: the local engine has
// one writer, so two stores keep two cores busy.
func r1Variants(t *testing.T, suite func(*testing.T, contract.CatalogHarness)) {
	t.Parallel()
	for name, asText := range map[string]bool{"params-typed": false, "params-as-text": true} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			suite(t, r1Catalog(asText))
		})
	}
}

func TestR1TorrentRepository(t *testing.T) { r1Variants(t, contract.RunTorrentRepository) }

func TestR1CategoryRepository(t *testing.T) { r1Variants(t, contract.RunCategoryRepository) }
