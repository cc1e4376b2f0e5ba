package memory

import (
	"context"
	"fmt"
	"strings"
	"sync"

	"github.com/torrent-streamer/streamer/domain"
	"github.com/torrent-streamer/streamer/ports"
)

// ImportStore is what `streamer import` and `streamer export` need besides the repositories, over
// an Accounts and a Catalog: ports.AccountImportStore, ports.CategoryImportStore,
// ports.ImportCheckpoints and ports.CatalogExport, with R1's rules (tests/contract holds both to
// them). It is safe for concurrent use.
type ImportStore struct {
	accounts *Accounts
	catalog  *Catalog

	mu          sync.Mutex
	checkpoints map[string]map[ports.ImportKind]string // by source
}

var (
	_ ports.AccountImportStore  = (*ImportStore)(nil)
	_ ports.CategoryImportStore = (*ImportStore)(nil)
	_ ports.ImportCheckpoints   = (*ImportStore)(nil)
	_ ports.CatalogExport       = (*ImportStore)(nil)
)

// NewImportStore returns the import's view of accounts and catalog.
func NewImportStore(accounts *Accounts, catalog *Catalog) *ImportStore {
	return &ImportStore{accounts: accounts, catalog: catalog, checkpoints: map[string]map[ports.ImportKind]string{}}
}

// UpsertUsers implements ports.AccountImportStore.
func (s *ImportStore) UpsertUsers(ctx context.Context, users []domain.User) ([]ports.ImportOutcome, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	for _, u := range users {
		if u.ID == "" || u.Email == "" {
			return nil, domain.Invalid("users", "every user needs an id and an email")
		}
	}
	a := s.accounts
	a.mu.Lock()
	defer a.mu.Unlock()
	out := make([]ports.ImportOutcome, len(users))
	for i, u := range users {
		id, known := a.userByEmail[u.Email]
		if !known {
			if _, taken := a.users[u.ID]; taken { // its id is another email's here
				out[i].Missing = true
				continue
			}
			u.CreatedAt, u.UpdatedAt = storedTime(u.CreatedAt), storedTime(u.UpdatedAt)
			a.putUserLocked(u)
			out[i].Created = true
			continue
		}
		stored := a.users[id]
		next := stored
		next.Name, next.Image = u.Name, u.Image
		if stored.PasswordHash == "" {
			next.PasswordHash = u.PasswordHash
		}
		if updated := storedTime(u.UpdatedAt); updated.After(stored.UpdatedAt) {
			next.UpdatedAt = updated
		}
		if next == stored {
			out[i].Unchanged = true
			continue
		}
		a.putUserLocked(next)
	}
	return out, nil
}

// UpsertSessions implements ports.AccountImportStore.
func (s *ImportStore) UpsertSessions(ctx context.Context, sessions []ports.ImportedSession) ([]ports.ImportOutcome, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	for _, x := range sessions {
		if err := domain.CheckSessionID(x.ID); err != nil {
			return nil, err
		}
	}
	a := s.accounts
	a.mu.Lock()
	defer a.mu.Unlock()
	out := make([]ports.ImportOutcome, len(sessions))
	for i, x := range sessions {
		userID, ok := a.userByEmail[x.UserEmail]
		if !ok {
			out[i].Missing = true
			continue
		}
		expires := storedTime(x.ExpiresAt)
		stored, known := a.sessions[x.ID]
		switch {
		case !known:
			a.putSessionLocked(domain.Session{ID: x.ID, UserID: userID, CreatedAt: storedTime(x.CreatedAt), ExpiresAt: expires})
			out[i].Created = true
		case expires.After(stored.ExpiresAt): // the later expiry wins
			stored.ExpiresAt = expires
			a.putSessionLocked(stored)
		default:
			out[i].Unchanged = true
		}
	}
	return out, nil
}

// AddActivities implements ports.AccountImportStore.
func (s *ImportStore) AddActivities(ctx context.Context, activities []ports.ImportedActivity) ([]ports.ImportOutcome, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	torrentIDs := make([]int64, len(activities))
	for i, x := range activities {
		if x.Key == "" || len(x.Key) > domain.MaxActivityKey || x.UserEmail == "" {
			return nil, domain.Invalid("activities", "every activity needs a key of 1 to 64 bytes and a user")
		}
		if !(x.Type == domain.ActivityView && !x.InfoHash.IsZero()) && x.Type != domain.ActivitySearch {
			return nil, domain.Invalid("activities", "an activity is a view of a torrent or a search")
		}
		if x.Type == domain.ActivityView {
			torrentIDs[i] = s.torrentID(x.InfoHash)
		}
	}
	a := s.accounts
	a.mu.Lock()
	defer a.mu.Unlock()
	out := make([]ports.ImportOutcome, len(activities))
	for i, x := range activities {
		if _, seen := a.activityKeys[x.Key]; seen {
			out[i].Unchanged = true
			continue
		}
		userID, ok := a.userByEmail[x.UserEmail]
		if !ok {
			out[i].Missing = true
			continue
		}
		act := domain.Activity{UserID: userID, Type: x.Type, TorrentID: torrentIDs[i], CreatedAt: storedTime(x.CreatedAt), Key: x.Key}
		if x.Type == domain.ActivityView {
			act.InfoHash = x.InfoHash
		} else {
			act.Query = strings.ToValidUTF8(x.Query, "\uFFFD")
		}
		a.activityKeys[x.Key] = struct{}{}
		a.lastActivityID++
		act.ID = a.lastActivityID
		a.activities[userID] = append(a.activities[userID], act)
		out[i].Created = true
	}
	return out, nil
}

// torrentID is the catalog's id for hash, 0 when it holds none (an activity names it only to
// inform).
func (s *ImportStore) torrentID(hash domain.InfoHash) int64 {
	c := s.catalog
	c.mu.RLock()
	defer c.mu.RUnlock()
	if rec, ok := c.byHash[hash]; ok {
		return rec.t.ID
	}
	return 0
}

// UpsertCategories implements ports.CategoryImportStore.
func (s *ImportStore) UpsertCategories(ctx context.Context, categories []domain.CategoryRef) ([]ports.ImportOutcome, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	for _, ref := range categories {
		if msg := checkSlug(ref.Slug); msg != "" {
			return nil, domain.Invalid("category", msg)
		}
	}
	c := s.catalog
	c.mu.Lock()
	defer c.mu.Unlock()
	out := make([]ports.ImportOutcome, len(categories))
	for i, ref := range categories {
		name := strings.TrimSpace(ref.Name)
		if name == "" {
			name = ref.Slug
		}
		cat, known := c.categories[ref.Slug]
		switch {
		case !known:
			c.ensureLocked(domain.CategoryRef{Slug: ref.Slug, Name: name})
			out[i].Created = true
		case cat.Name == name:
			out[i].Unchanged = true
		default:
			cat.Name = name
		}
	}
	return out, nil
}

// Load implements ports.ImportCheckpoints.
func (s *ImportStore) Load(ctx context.Context, source string) (map[ports.ImportKind]string, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make(map[ports.ImportKind]string, len(s.checkpoints[source]))
	for k, v := range s.checkpoints[source] {
		out[k] = v
	}
	return out, nil
}

// Save implements ports.ImportCheckpoints.
func (s *ImportStore) Save(ctx context.Context, source string, kind ports.ImportKind, lastKey string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.checkpoints[source] == nil {
		s.checkpoints[source] = map[ports.ImportKind]string{}
	}
	s.checkpoints[source][kind] = lastKey
	return nil
}

// Clear implements ports.ImportCheckpoints.
func (s *ImportStore) Clear(ctx context.Context, source string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.checkpoints, source)
	return nil
}

// Page implements ports.CatalogExport.
func (s *ImportStore) Page(ctx context.Context, afterID int64, limit int) ([]domain.Torrent, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if limit <= 0 || limit > 1000 {
		return nil, fmt.Errorf("memory: export page of %d torrents", limit)
	}
	c := s.catalog
	c.mu.RLock()
	defer c.mu.RUnlock()
	var out []domain.Torrent
	for id := max(afterID, 0) + 1; id <= int64(len(c.torrents)) && len(out) < limit; id++ {
		rec := c.torrents[id-1]
		if rec == nil { // taken down
			continue
		}
		t := copyTorrent(rec.t)
		t.Category = c.categoryRefLocked(t.Category.Slug)
		out = append(out, t)
	}
	return out, nil
}
