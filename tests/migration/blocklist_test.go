package migration_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/torrent-streamer/streamer/bootstrap"
	"github.com/torrent-streamer/streamer/ports"
	"github.com/torrent-streamer/streamer/tests/pgtest"
)

// A torrent taken down stays out: the import writes through ingest's store, which honours the
// blocklist, and reports the torrent as skipped with the reason.
func TestATakenDownTorrentIsNotImportedAgain(t *testing.T) {
	pg := pgtest.Start(t)
	dsn := pg.CreateDatabase(t, "bitmagnet")
	pgtest.Exec(t, dsn, pgtest.BitmagnetSchema+pgtest.BitmagnetRows(20))
	cfg := config(t)
	cfg.IngestAPIKey = "an-ingest-key-for-the-takedown"
	importFrom(t, cfg, dsn, bootstrap.ImportOptions{Presets: []string{"bitmagnet"}})

	hash := fmt.Sprintf("%040x", 7)
	svc, err := bootstrap.New(context.Background(), cfg, quiet)
	if err != nil {
		t.Fatal(err)
	}
	req := httptest.NewRequest(http.MethodPost, "/api/torrents/takedown", strings.NewReader(`{"infoHashes":["`+hash+`"]}`))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-API-Key", cfg.IngestAPIKey)
	resp, err := svc.App.Test(req, -1)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	svc.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("takedown: %d %s", resp.StatusCode, body)
	}

	r := importFrom(t, cfg, dsn, bootstrap.ImportOptions{Presets: []string{"bitmagnet"}})
	tr := kind(t, r, ports.ImportTorrents)
	if tr.Created != 0 || tr.Unchanged != 19 || !strings.Contains(fmt.Sprint(tr.Reasons), "blocked") {
		t.Fatalf("the blocked torrent must be skipped and reported: %+v", tr)
	}
	if got := column(t, cfg, "SELECT count(*) FROM torrents WHERE info_hash = '"+hash+"'"); got != "0" {
		t.Fatalf("the taken-down torrent came back (%s rows)", got)
	}
}
