package catalog

import (
	"context"

	"github.com/torrent-streamer/streamer/application/caching"
	"github.com/torrent-streamer/streamer/domain"
)

// Categories lists every category with its torrent count.
func (s *Service) Categories(ctx context.Context) ([]domain.Category, error) {
	key := s.cache.Key(ctx, KeySpace, "categories")
	// A handful of rows: cheaper to read again than to share (see caching.FetchLocal).
	return caching.FetchLocal(ctx, s.cache, key, s.ttl.Categories, s.categories.List)
}
