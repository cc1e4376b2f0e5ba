package caching

import (
	"context"
	"slices"
	"strconv"

	"github.com/torrent-streamer/streamer/domain"
	"github.com/torrent-streamer/streamer/ports"
)

// Torrents returns repo read through the cache, following the policy: a use case calls it as it
// would call the repository. Its writes invalidate what they change: an upsert forgets the details
// of the torrents it touched and bumps the lists' generation.
func Torrents(repo ports.TorrentRepository, s *Store) ports.TorrentRepository {
	return cachedTorrents{repo: repo, s: s}
}

type cachedTorrents struct {
	repo ports.TorrentRepository
	s    *Store
}

// Search is keyed by the criteria's canonical text: exactly what the repository runs.
func (t cachedTorrents) Search(ctx context.Context, c domain.SearchCriteria) (domain.SearchPage, error) {
	return Read(ctx, t.s, SearchPages, c.Key(), func(ctx context.Context) (domain.SearchPage, error) {
		return t.repo.Search(ctx, c)
	})
}

func (t cachedTorrents) Latest(ctx context.Context, categorySlug string, limit int) ([]domain.TorrentSummary, error) {
	return Read(ctx, t.s, LatestLists, categorySlug+"|"+strconv.Itoa(limit), func(ctx context.Context) ([]domain.TorrentSummary, error) {
		return t.repo.Latest(ctx, categorySlug, limit)
	})
}

func (t cachedTorrents) Get(ctx context.Context, ref domain.TorrentRef) (domain.Torrent, error) {
	return Read(ctx, t.s, TorrentDetails, ref.String(), func(ctx context.Context) (domain.Torrent, error) {
		return t.repo.Get(ctx, ref)
	})
}

// Upsert invalidates even when it fails: the store may have written some chunks before failing
// (a D1 batch that timed out may have committed), and a list that never showed them would be wrong
// for up to its fresh and stale windows. That costs readers nothing during an outage: the lists'
// generation has a Grace (see ListsGeneration), so while the store fails they answer what they held
// before the bump, and the store's answer once it is back.
func (t cachedTorrents) Upsert(ctx context.Context, torrents []domain.Torrent) ([]domain.UpsertOutcome, error) {
	outcomes, err := t.repo.Upsert(ctx, torrents)
	if err == nil && !slices.ContainsFunc(outcomes, func(o domain.UpsertOutcome) bool { return !o.Unchanged && !o.Blocked }) {
		return outcomes, nil // nothing was written: what the cache holds is still true
	}
	refs := make([]string, 0, 2*len(torrents))
	for _, tor := range torrents {
		refs = append(refs, domain.TorrentRef{InfoHash: tor.InfoHash}.String())
	}
	for _, o := range outcomes {
		if o.ID > 0 {
			refs = append(refs, domain.TorrentRef{ID: o.ID}.String())
		}
	}
	t.s.Forget(TorrentDetails, refs...)
	t.s.Invalidate(ctx, ListsGeneration)
	return outcomes, err
}

// TakeDown drops at once what could still show a torrent that left the catalog: its details by id
// and by hash, and every list (not coalesced: a takedown must not wait). Other instances drop theirs
// within the policy's bounds (TorrentDetails.Fresh, the lists generation's Refresh).
func (t cachedTorrents) TakeDown(ctx context.Context, hashes []domain.InfoHash) ([]domain.TakedownOutcome, error) {
	outcomes, err := t.repo.TakeDown(ctx, hashes)
	var refs []string
	for _, o := range outcomes {
		if o.Removed {
			refs = append(refs, domain.TorrentRef{ID: o.ID}.String(), domain.TorrentRef{InfoHash: o.InfoHash}.String())
		}
	}
	if len(refs) > 0 || err != nil {
		t.s.Forget(TorrentDetails, refs...)
		t.s.InvalidateNow(ctx, ListsGeneration)
	}
	return outcomes, err
}

// Unblock changes nothing the cache holds: an unblocked hash is not in the catalog until ingested.
func (t cachedTorrents) Unblock(ctx context.Context, hash domain.InfoHash) (bool, error) {
	return t.repo.Unblock(ctx, hash)
}

// Blocked is read from the store: an operator's listing, never cached.
func (t cachedTorrents) Blocked(ctx context.Context, after domain.InfoHash, limit int) ([]domain.BlockedHash, error) {
	return t.repo.Blocked(ctx, after, limit)
}

// Categories returns repo read through the cache; Ensure bumps the lists' generation.
func Categories(repo ports.CategoryRepository, s *Store) ports.CategoryRepository {
	return cachedCategories{repo: repo, s: s}
}

type cachedCategories struct {
	repo ports.CategoryRepository
	s    *Store
}

func (c cachedCategories) List(ctx context.Context) ([]domain.Category, error) {
	return Read(ctx, c.s, CategoryList, "all", c.repo.List)
}

func (c cachedCategories) Ensure(ctx context.Context, categories []domain.CategoryRef) error {
	err := c.repo.Ensure(ctx, categories)
	c.s.Invalidate(ctx, ListsGeneration)
	return err
}
