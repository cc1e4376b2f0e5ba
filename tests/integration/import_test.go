package integration

import (
	"context"
	"net/http"
	"testing"

	"github.com/torrent-streamer/streamer/bootstrap"
	"github.com/torrent-streamer/streamer/ports"
	"github.com/torrent-streamer/streamer/tests/pgtest"
)

// importTorrents is the catalog the import writes to the emulator: enough batches to see the
// upstream cost of a thousand torrents.
const importTorrents = 5000

// TestImportOntoCloudflare runs `streamer import` from a real PostgreSQL (Better Auth and
// bitmagnet, 10 files a torrent) into D1 and KV on the target, counts its upstream calls, and uses
// the result through the service.
func TestImportOntoCloudflare(t *testing.T) {
	t.Parallel() // asserts nothing about time (doc.go)
	pg := pgtest.Start(t)
	accountsDSN, catalogDSN := pg.CreateDatabase(t, "ba"), pg.CreateDatabase(t, "bitmagnet")
	pgtest.Exec(t, accountsDSN, pgtest.BetterAuthSchema(false)+pgtest.BetterAuthRows("ba", false))
	pgtest.Exec(t, catalogDSN, pgtest.BitmagnetSchema+pgtest.BitmagnetBulk(importTorrents, 10))
	tg := newTarget(t)
	cfg := tg.config()
	ctx := context.Background()

	accounts, err := bootstrap.Import(ctx, cfg, newLogger(t.Output()), bootstrap.ImportOptions{From: accountsDSN, Presets: []string{"better-auth"}})
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range accounts.Kinds {
		if k.Created == 0 {
			t.Fatalf("%s: nothing created on the target: %+v", k.Kind, k)
		}
	}
	catalog, err := bootstrap.Import(ctx, cfg, newLogger(t.Output()), bootstrap.ImportOptions{From: catalogDSN, Presets: []string{"bitmagnet"}})
	if err != nil {
		t.Fatal(err)
	}
	var torrents int64
	for _, k := range catalog.Kinds {
		if k.Kind == ports.ImportTorrents {
			torrents = k.Created
		}
	}
	if torrents != importTorrents {
		t.Fatalf("created %d torrents, want %d: %+v", torrents, importTorrents, catalog.Kinds)
	}
	// A run costs three calls whatever its size (reading its checkpoints, clearing them, the one
	// cache invalidation); the rest grows with the catalog, and that is what the target bounds.
	const fixedCalls = 3
	perThousand := float64(catalog.UpstreamCalls-fixedCalls) / (importTorrents / 1000)
	t.Logf("import of %d torrents (10 files each) onto the %s: %d upstream calls in %v: %d for the run, %.2f per 1,000 torrents (target <= 2)",
		importTorrents, tg.name, catalog.UpstreamCalls, catalog.Took.Round(1e6), fixedCalls, perThousand)
	if perThousand > 2 {
		t.Errorf("%.2f upstream calls per 1,000 imported torrents, above the target of 2", perThousand)
	}

	// Again: nothing new, nothing updated, nothing written (D1 bills the rows a statement writes).
	again, err := bootstrap.Import(ctx, cfg, newLogger(t.Output()), bootstrap.ImportOptions{From: catalogDSN, Presets: []string{"bitmagnet"}})
	if err != nil {
		t.Fatal(err)
	}
	if k := again.Kinds[0]; k.Created != 0 || k.Updated != 0 || k.Unchanged != importTorrents {
		t.Fatalf("a second run: %+v, want all %d torrents unchanged", k, importTorrents)
	}
	t.Logf("the second run, every torrent unchanged: %d upstream calls in %v", again.UpstreamCalls, again.Took.Round(1e6))

	svc := startService(t, cfg)
	if a := svc.call(t, http.MethodPost, "/api/auth/sign-in", map[string]string{"email": "ba.ada@example.com", "password": "correcthorsebatterystaple"}); a.status != 200 {
		t.Fatalf("legacy sign-in on the target: %d %s", a.status, a.body)
	}
	if a := svc.get(t, "/api/auth/me", "Authorization", "Bearer ba-live-token-0123456789abcdef"); a.status != 200 {
		t.Fatalf("imported bearer token: %d %s", a.status, a.body)
	}
	if a := svc.get(t, "/api/auth/me", "Cookie", "better-auth.session_token="+pgtest.SignedCookie("ba-live-token-0123456789abcdef", testAuthSecret)); a.status != 200 {
		t.Fatalf("imported signed cookie: %d %s", a.status, a.body)
	}
	if a := svc.get(t, "/api/torrents/search?q=Bulk.Release.4242"); a.status != 200 || len(a.json(t)["items"].([]any)) == 0 {
		t.Fatalf("search for an imported torrent: %d %s", a.status, a.body)
	}
}
