package catalog

import (
	"context"
	"time"

	"github.com/torrent-streamer/streamer/application/caching"
	"github.com/torrent-streamer/streamer/domain"
	"github.com/torrent-streamer/streamer/ports"
)

// KeySpace is the cache key space of everything the catalog caches. Ingest invalidates it.
const KeySpace = "catalog"

// TTLs are how long each kind of answer stays fresh (the seed's values by default). A value is then
// served stale for as long again while it is refreshed.
type TTLs struct {
	Search     time.Duration
	Latest     time.Duration
	Details    time.Duration
	Categories time.Duration
}

// DefaultTTLs are the seed's: search and latest 5 minutes, details and categories 24 hours.
func DefaultTTLs() TTLs {
	return TTLs{Search: 5 * time.Minute, Latest: 5 * time.Minute, Details: 24 * time.Hour, Categories: 24 * time.Hour}
}

// ActivityRecorder learns what signed-in users look at. The catalog calls it after answering; it
// must not block.
type ActivityRecorder interface {
	RecordSearch(ctx context.Context, query string)
	RecordView(ctx context.Context, t domain.TorrentSummary)
}

// Service answers the catalog's queries.
type Service struct {
	torrents   ports.TorrentRepository
	categories ports.CategoryRepository
	cache      *caching.Store
	ttl        TTLs
	activity   ActivityRecorder
}

// NewService returns the catalog over its stores and cache. activity may be nil.
func NewService(torrents ports.TorrentRepository, categories ports.CategoryRepository, cache *caching.Store, ttl TTLs, activity ActivityRecorder) *Service {
	return &Service{torrents: torrents, categories: categories, cache: cache, ttl: ttl, activity: activity}
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
