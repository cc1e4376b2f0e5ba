package catalog

import (
	"context"
	"strings"

	"github.com/torrent-streamer/streamer/domain"
)

// Latest returns the newest torrents, of one category when category is not empty. A zero limit
// means the default page size.
func (s *Service) Latest(ctx context.Context, category string, limit int) ([]domain.TorrentSummary, error) {
	if limit == 0 {
		limit = domain.DefaultPageSize
	}
	if limit < 1 || limit > domain.MaxPageSize {
		return nil, domain.Invalid("limit", "must be between 1 and 100")
	}
	category = strings.ToLower(strings.TrimSpace(category))
	if category != "" {
		if err := s.checkCategories(ctx, "category", []string{category}); err != nil {
			return nil, err
		}
	}
	return s.torrents.Latest(ctx, category, limit)
}
