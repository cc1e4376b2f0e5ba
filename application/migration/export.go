package migration

import (
	"context"

	"github.com/torrent-streamer/streamer/domain"
	"github.com/torrent-streamer/streamer/ports"
)

// ExportPage is how many torrents an export reads at a time: memory stays bounded whatever the
// catalog's size, and on D1 a page is one request.
const ExportPage = 500

// Export hands write every torrent of the catalog, by id, and says how many there were.
func Export(ctx context.Context, catalog ports.CatalogExport, write func(domain.Torrent) error) (int64, error) {
	var n, after int64
	for {
		page, err := catalog.Page(ctx, after, ExportPage)
		if err != nil {
			return n, err
		}
		for _, t := range page {
			if err := write(t); err != nil {
				return n, err
			}
			n++
			after = t.ID
		}
		if len(page) < ExportPage {
			return n, nil
		}
	}
}
