package catalog

import (
	"context"

	"github.com/torrent-streamer/streamer/domain"
)

// Categories lists every category with its torrent count.
func (s *Service) Categories(ctx context.Context) ([]domain.Category, error) {
	return s.categories.List(ctx)
}
