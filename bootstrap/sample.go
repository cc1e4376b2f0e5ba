package bootstrap

import (
	"context"
	_ "embed"
	"encoding/json"
	"fmt"
	"log/slog"
	"time"

	"github.com/torrent-streamer/streamer/application/ingest"
)

// sampleCatalog is a few freely licensed torrents (Blender open movies, the WIRED CD) with their
// real info hashes, in the body shape of POST /api/ingest.
//
//go:embed sample/catalog.json
var sampleCatalog []byte

type sampleItem struct {
	Magnet      string    `json:"magnet"`
	Category    string    `json:"category"`
	UploadedAt  time.Time `json:"uploadedAt"`
	Description string    `json:"description"`
}

// LoadSample ingests the sample catalog when the catalog is empty, so a newcomer's first search
// finds something; a catalog with any torrent is left alone.
func LoadSample(ctx context.Context, svc *Service, log *slog.Logger) error {
	latest, err := svc.Catalog.Latest(ctx, "", 1)
	if err != nil {
		return fmt.Errorf("sample data: look at the catalog: %w", err)
	}
	if len(latest) > 0 {
		return nil
	}
	var body struct {
		Torrents []sampleItem `json:"torrents"`
	}
	if err := json.Unmarshal(sampleCatalog, &body); err != nil {
		return fmt.Errorf("sample data: %w", err)
	}
	items := make([]ingest.Item, len(body.Torrents))
	for i, t := range body.Torrents {
		items[i] = ingest.Item{Magnet: t.Magnet, Category: t.Category, UploadedAt: t.UploadedAt, Description: t.Description}
	}
	report, err := svc.Ingest.Ingest(ctx, items)
	if err != nil {
		return fmt.Errorf("sample data: %w", err)
	}
	if report.Failed > 0 {
		return fmt.Errorf("sample data: %d of %d torrents failed", report.Failed, len(items))
	}
	log.Info("loaded the sample catalog into the empty database", "torrents", report.Created)
	return nil
}
