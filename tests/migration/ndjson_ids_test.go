package migration_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/torrent-streamer/streamer/bootstrap"
	"github.com/torrent-streamer/streamer/ports"
)

// The NDJSON import takes ingest's external ids and web seeds, and the export gives them back.
func TestNDJSONCarriesExternalIDsAndWebSeeds(t *testing.T) {
	dir := t.TempDir()
	line := `{"infoHash":"` + strings.Repeat("ab", 20) + `","name":"The.Matrix.1999.1080p.BluRay.x264-GRP","size":5,` +
		`"imdbId":"0133093","tmdbId":603,"tvdbId":7,"webSeeds":["https://seed.example.org/m/"]}` + "\n"
	src := filepath.Join(dir, "in.ndjson")
	if err := os.WriteFile(src, []byte(line), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg := config(t)
	if tr := kind(t, importFrom(t, cfg, src, bootstrap.ImportOptions{}), ports.ImportTorrents); tr.Created != 1 {
		t.Fatalf("import: %+v", tr)
	}
	var out bytes.Buffer
	if n, err := bootstrap.Export(context.Background(), cfg, quiet, &out); err != nil || n != 1 {
		t.Fatalf("export: %d %v", n, err)
	}
	for _, want := range []string{`"imdbId":"tt0133093"`, `"tmdbId":603`, `"tvdbId":7`, `"webSeeds":["https://seed.example.org/m/"]`} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("the export lacks %s: %s", want, out.String())
		}
	}
}
