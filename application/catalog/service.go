package catalog

import (
	"context"

	"github.com/torrent-streamer/streamer/application/caching"
	"github.com/torrent-streamer/streamer/domain"
	"github.com/torrent-streamer/streamer/ports"
)

// ActivityRecorder learns what signed-in users look at. The catalog calls it after answering; it
// must not block.
type ActivityRecorder interface {
	RecordSearch(ctx context.Context, query string)
	RecordView(ctx context.Context, t domain.TorrentSummary)
}

// Service answers the catalog's queries, reading the stores through the caching policy.
type Service struct {
	torrents   ports.TorrentRepository
	categories ports.CategoryRepository
	cursors    cursorSigner
	activity   ActivityRecorder
}

// NewService returns the catalog over its stores, read through cache. cursorKey signs the cursors
// (see CursorKey); activity may be nil.
func NewService(torrents ports.TorrentRepository, categories ports.CategoryRepository, cache *caching.Store, cursorKey []byte, activity ActivityRecorder) *Service {
	return &Service{
		torrents:   caching.Torrents(torrents, cache),
		categories: caching.Categories(categories, cache),
		cursors:    newCursorSigner(cursorKey),
		activity:   activity,
	}
}

// knownCategories returns the slugs of every category, through the cache.
func (s *Service) knownCategories(ctx context.Context) (map[string]domain.Category, error) {
	list, err := s.Categories(ctx)
	if err != nil {
		return nil, err
	}
	bySlug := make(map[string]domain.Category, len(list))
	for _, c := range list {
		bySlug[c.Slug] = c
	}
	return bySlug, nil
}

// checkCategories fails with a validation error naming field when a slug is unknown.
func (s *Service) checkCategories(ctx context.Context, field string, slugs []string) error {
	if len(slugs) == 0 {
		return nil
	}
	known, err := s.knownCategories(ctx)
	if err != nil {
		return err
	}
	for _, slug := range slugs {
		if _, ok := known[slug]; !ok {
			return domain.Invalid(field, "unknown category "+quote(slug)+": see GET /api/categories")
		}
	}
	return nil
}

func quote(s string) string {
	if len(s) > 64 {
		s = s[:64] + "…"
	}
	return "\"" + s + "\""
}
