package catalog

import (
	"context"

	"github.com/torrent-streamer/streamer/application/caching"
	"github.com/torrent-streamer/streamer/domain"
)

// Categories lists every category with its torrent count.
func (s *Service) Categories(ctx context.Context) ([]domain.Category, error) {
	key := s.cache.Key(ctx, KeySpace, "categories")
	return caching.Fetch(ctx, s.cache, key, s.ttl.Categories, s.categories.List)
}
