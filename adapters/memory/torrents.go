package memory

import (
	"bytes"
	"cmp"
	"context"
	"slices"

	"github.com/torrent-streamer/streamer/domain"
)

// TorrentRepository is the catalog's torrents, implementing ports.TorrentRepository.
type TorrentRepository struct{ c *Catalog }

// Upsert stores torrents keyed by info hash. The whole call is one atomic step: every torrent is
// checked before any is stored, so a bad one leaves the catalog as it was.
func (r *TorrentRepository) Upsert(ctx context.Context, torrents []domain.Torrent) ([]domain.UpsertOutcome, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	rejected := map[int]domain.FieldProblem{}
	for i, t := range torrents {
		if t.InfoHash.IsZero() {
			rejected[i] = domain.FieldProblem{Field: "infoHash", Message: "a v1 info hash is required"}
			continue
		}
		if t.Category.Slug != "" {
			if err := checkSlug(t.Category.Slug); err != "" {
				rejected[i] = domain.FieldProblem{Field: "category", Message: err}
			}
		}
	}
	if len(rejected) > 0 {
		return nil, &domain.RejectedItems{Problems: rejected}
	}
	c := r.c
	c.mu.Lock()
	defer c.mu.Unlock()
	now := c.now()
	outcomes := make([]domain.UpsertOutcome, 0, len(torrents))
	for _, in := range torrents {
		if _, blocked := c.blocked[in.InfoHash]; blocked {
			outcomes = append(outcomes, domain.UpsertOutcome{InfoHash: in.InfoHash, Blocked: true})
			continue
		}
		t := copyTorrent(in)
		if t.Category.Slug == "" {
			t.Category = domain.CategoryRef{Slug: domain.DefaultCategorySlug, Name: "Other"}
		}
		cat := c.ensureLocked(t.Category)
		t.Category = domain.CategoryRef{Slug: cat.Slug}
		t.UpdatedAt = now
		if old, ok := c.byHash[t.InfoHash]; ok {
			t.ID, t.CreatedAt = old.t.ID, old.t.CreatedAt
			if t.InfoHashV2.IsZero() {
				// A v1 hash names one info dictionary, so its v2 hash cannot change: a source that
				// does not know it (a v1 magnet) must not erase it.
				t.InfoHashV2 = old.t.InfoHashV2
			}
			// Likewise an external id, once known, stays until a source names another.
			if t.External.IMDb == "" {
				t.External.IMDb = old.t.External.IMDb
			}
			if t.External.TMDb == 0 {
				t.External.TMDb = old.t.External.TMDb
			}
			if t.External.TVDb == 0 {
				t.External.TVDb = old.t.External.TVDb
			}
			// And its upload date, when this ingest gave none (Normalize's now stands in for it).
			if t.UploadedAtUnset {
				t.UploadedAt = old.t.UploadedAt
			}
			// What the store holds has its date.
			t.UploadedAtUnset = false
			if sameTorrent(old.t, t) { // nothing to write: its updated time stays
				outcomes = append(outcomes, domain.UpsertOutcome{InfoHash: t.InfoHash, ID: t.ID, Unchanged: true})
				continue
			}
			c.categories[old.t.Category.Slug].TorrentCount--
			cat.TorrentCount++
			*old = *newRecord(t)
			outcomes = append(outcomes, domain.UpsertOutcome{InfoHash: t.InfoHash, ID: t.ID})
			continue
		}
		t.ID = int64(len(c.torrents) + 1)
		t.CreatedAt, t.UploadedAtUnset = now, false
		rec := newRecord(t)
		c.torrents = append(c.torrents, rec)
		c.byHash[t.InfoHash] = rec
		cat.TorrentCount++
		outcomes = append(outcomes, domain.UpsertOutcome{InfoHash: t.InfoHash, ID: t.ID, Created: true})
	}
	return outcomes, nil
}

// Get returns one torrent by id, or by info hash when the ref has no id.
func (r *TorrentRepository) Get(ctx context.Context, ref domain.TorrentRef) (domain.Torrent, error) {
	if err := ctx.Err(); err != nil {
		return domain.Torrent{}, err
	}
	c := r.c
	c.mu.RLock()
	defer c.mu.RUnlock()
	var rec *record
	switch {
	case ref.ID > 0:
		if ref.ID <= int64(len(c.torrents)) {
			rec = c.torrents[ref.ID-1]
		}
	case !ref.InfoHash.IsZero():
		rec = c.byHash[ref.InfoHash]
	}
	if rec == nil {
		return domain.Torrent{}, domain.ErrNotFound
	}
	t := copyTorrent(rec.t)
	t.Category = c.categoryRefLocked(t.Category.Slug)
	return t, nil
}

// Latest returns the newest uploads first, ties by id descending.
func (r *TorrentRepository) Latest(ctx context.Context, categorySlug string, limit int) ([]domain.TorrentSummary, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	c := r.c
	c.mu.RLock()
	defer c.mu.RUnlock()
	var found []*record
	for _, rec := range c.torrents {
		if rec != nil && (categorySlug == "" || rec.t.Category.Slug == categorySlug) {
			found = append(found, rec)
		}
	}
	slices.SortFunc(found, func(a, b *record) int {
		if n := b.t.UploadedAt.Compare(a.t.UploadedAt); n != 0 {
			return n
		}
		return cmp.Compare(b.t.ID, a.t.ID)
	})
	found = found[:min(pageSize(limit), len(found))]
	items := make([]domain.TorrentSummary, 0, len(found))
	for _, rec := range found {
		items = append(items, c.summaryLocked(rec))
	}
	return items, nil
}

func (c *Catalog) summaryLocked(rec *record) domain.TorrentSummary {
	s := rec.t.Summary()
	s.Trackers = slices.Clone(s.Trackers)
	s.Category = c.categoryRefLocked(s.Category.Slug)
	return s
}

// TakeDown removes the torrents with these hashes and blocks every hash, in one step.
func (r *TorrentRepository) TakeDown(ctx context.Context, hashes []domain.InfoHash) ([]domain.TakedownOutcome, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	for _, h := range hashes {
		if h.IsZero() {
			return nil, domain.Invalid("infoHashes", "a v1 info hash is required")
		}
	}
	c := r.c
	c.mu.Lock()
	defer c.mu.Unlock()
	out := make([]domain.TakedownOutcome, len(hashes))
	now := storedTime(c.now()) // whole seconds, as R1 keeps it
	for i, h := range hashes {
		out[i] = domain.TakedownOutcome{InfoHash: h}
		if _, ok := c.blocked[h]; !ok {
			c.blocked[h] = now
		}
		rec, ok := c.byHash[h]
		if !ok {
			continue
		}
		out[i].ID, out[i].Removed = rec.t.ID, true
		c.categories[rec.t.Category.Slug].TorrentCount--
		c.torrents[rec.t.ID-1] = nil
		delete(c.byHash, h)
	}
	return out, nil
}

// Unblock takes a hash off the blocklist.
func (r *TorrentRepository) Unblock(ctx context.Context, hash domain.InfoHash) (bool, error) {
	if err := ctx.Err(); err != nil {
		return false, err
	}
	c := r.c
	c.mu.Lock()
	defer c.mu.Unlock()
	_, ok := c.blocked[hash]
	delete(c.blocked, hash)
	return ok, nil
}

// Blocked lists the blocklist by hash, a page at a time.
func (r *TorrentRepository) Blocked(ctx context.Context, after domain.InfoHash, limit int) ([]domain.BlockedHash, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	c := r.c
	c.mu.RLock()
	defer c.mu.RUnlock()
	out := make([]domain.BlockedHash, 0)
	for h, at := range c.blocked {
		if after.IsZero() || bytes.Compare(h[:], after[:]) > 0 {
			out = append(out, domain.BlockedHash{InfoHash: h, BlockedAt: at})
		}
	}
	slices.SortFunc(out, func(a, b domain.BlockedHash) int { return bytes.Compare(a.InfoHash[:], b.InfoHash[:]) })
	return out[:min(pageSize(limit), len(out))], nil
}

// sameTorrent tells whether an upsert would change nothing of a stored torrent but its updated
// time: what the store keeps of it (times to the second, as R1 keeps them) is the same.
func sameTorrent(stored, t domain.Torrent) bool {
	same := func(a, b domain.Release) bool {
		return slices.Equal(a.Seasons, b.Seasons) && slices.Equal(a.Episodes, b.Episodes) &&
			a.Title == b.Title && a.Year == b.Year && a.AirDate == b.AirDate && a.Resolution == b.Resolution &&
			a.Source == b.Source && a.Codec == b.Codec && a.HDR == b.HDR && a.Audio == b.Audio && a.Group == b.Group &&
			a.CompleteSeason == b.CompleteSeason
	}
	return stored.InfoHashV2 == t.InfoHashV2 && stored.Name == t.Name && stored.Size == t.Size &&
		stored.Category.Slug == t.Category.Slug && stored.Seeders == t.Seeders && stored.Leechers == t.Leechers &&
		stored.UploadedAt.Unix() == t.UploadedAt.Unix() && stored.Description == t.Description &&
		slices.Equal(stored.Files, t.Files) && slices.Equal(stored.Trackers, t.Trackers) &&
		slices.Equal(stored.WebSeeds, t.WebSeeds) && stored.External == t.External && same(stored.Release, t.Release)
}
