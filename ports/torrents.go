package ports

import (
	"context"

	"github.com/torrent-streamer/streamer/domain"
)

// TorrentRepository stores the catalog's torrents.
//
// Errors are the domain's: domain.ErrNotFound for an unknown torrent, domain.ErrUnavailable when the
// store does not answer.
type TorrentRepository interface {
	// Search returns one page of the torrents matching c, which has been normalized. The order is
	// total: c.Sort, then id in the same direction.
	Search(ctx context.Context, c domain.SearchCriteria) (domain.SearchPage, error)
	// Latest returns up to limit torrents, newest upload first (ties by id, descending), of one
	// category when categorySlug is not empty.
	Latest(ctx context.Context, categorySlug string, limit int) ([]domain.TorrentSummary, error)
	// Get returns one torrent with its files and trackers.
	Get(ctx context.Context, ref domain.TorrentRef) (domain.Torrent, error)
	// Upsert stores normalized torrents keyed by info hash: new ones are created, known ones updated
	// in place (never duplicated), and missing categories are created. It returns one outcome per
	// torrent, in order. The whole call is atomic in chunks the store chooses; concurrent upserts
	// of overlapping sets leave exactly one row per info hash. A torrent whose info hash is on the
	// blocklist is not stored: its outcome is Blocked.
	Upsert(ctx context.Context, torrents []domain.Torrent) ([]domain.UpsertOutcome, error)
	// TakeDown removes the torrents with these info hashes (their files, trackers, search entries
	// and their share of the category counts with them) and puts every hash on the blocklist,
	// whether the catalog held it or not, in one atomic write. One outcome per hash, in order; a
	// hash given twice is removed once.
	TakeDown(ctx context.Context, hashes []domain.InfoHash) ([]domain.TakedownOutcome, error)
	// Unblock takes a hash off the blocklist and says whether it was on it.
	Unblock(ctx context.Context, hash domain.InfoHash) (bool, error)
	// Blocked lists up to limit hashes of the blocklist in ascending order, those above after when
	// it is not zero.
	Blocked(ctx context.Context, after domain.InfoHash, limit int) ([]domain.BlockedHash, error)
}

// CategoryRepository stores the categories.
type CategoryRepository interface {
	// List returns every category with its torrent count, by slug.
	List(ctx context.Context) ([]domain.Category, error)
	// Ensure creates the categories that do not exist yet; existing ones keep their name.
	Ensure(ctx context.Context, categories []domain.CategoryRef) error
}

// BulkLoader is what a torrent store may offer a load much larger than its catalog (an import of
// millions): what only reads need (sort indexes, full-text entries) built once at the end, instead
// of entry by entry. The store decides when it applies (the local file, an empty catalog); the
// torrents go through Upsert as always, and every write stays correct during the load. Until
// FinishBulkLoad, a search may miss the loaded torrents and sorts are slow. A load interrupted
// before FinishBulkLoad is finished by the store the next time it opens.
type BulkLoader interface {
	// BeginBulkLoad says a load begins; it reports whether the store defers its work for it
	// (false: every batch is stored as any other).
	BeginBulkLoad(ctx context.Context) (bool, error)
	// FinishBulkLoad builds what the load deferred, telling step what it does as each part begins
	// (they take a while: tens of seconds at a million torrents). Nothing to do when nothing was
	// deferred.
	FinishBulkLoad(ctx context.Context, step func(what string)) error
}
