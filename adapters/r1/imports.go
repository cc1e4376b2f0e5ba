package r1

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/torrent-streamer/streamer/domain"
	"github.com/torrent-streamer/streamer/ports"
)

// ImportStore is ports.AccountImportStore, ports.ImportCheckpoints and ports.CatalogExport on R1:
// what `streamer import` and `streamer export` need besides the repositories the service uses.
type ImportStore struct {
	db       *Database
	torrents *TorrentRepository
}

var (
	_ ports.AccountImportStore  = (*ImportStore)(nil)
	_ ports.ImportCheckpoints   = (*ImportStore)(nil)
	_ ports.CatalogExport       = (*ImportStore)(nil)
	_ ports.CategoryImportStore = (*ImportStore)(nil)
)

// NewImportStore returns the import's view of db.
func NewImportStore(db *Database) *ImportStore {
	return &ImportStore{db: db, torrents: NewTorrentRepository(db)}
}

// Each import write is one statement over a JSON list (one bound parameter, as the torrents'
// upsert), preceded in the same batch by a read of which keys exist already: the batch is atomic,
// so that read tells created from updated exactly. An update that would change nothing is not
// made (its WHERE): the statement does not return that row, and the key existed, so it is
// unchanged; a row neither returned nor existing was not stored (Missing).
const (
	existingUsersSQL = `SELECT email FROM users WHERE email IN (SELECT value ->> 'email' FROM json_each(?))`
	upsertUsersSQL   = `INSERT INTO users (id, email, name, image, password_hash, created_at, updated_at)
SELECT value ->> 'id', value ->> 'email', value ->> 'name', value ->> 'image', value ->> 'hash',
       value ->> 'created', value ->> 'updated'
FROM json_each(?) WHERE true
ON CONFLICT (email) DO UPDATE SET
    name = excluded.name,
    image = excluded.image,
    password_hash = CASE WHEN users.password_hash = '' THEN excluded.password_hash ELSE users.password_hash END,
    updated_at = max(users.updated_at, excluded.updated_at)
WHERE users.name IS NOT excluded.name OR users.image IS NOT excluded.image
    OR (users.password_hash = '' AND excluded.password_hash != '') OR users.updated_at < excluded.updated_at
ON CONFLICT DO NOTHING
RETURNING email`
	existingSessionsSQL = `SELECT id FROM sessions WHERE id IN (SELECT value ->> 'id' FROM json_each(?))`
	upsertSessionsSQL   = `INSERT INTO sessions (id, user_id, created_at, expires_at)
SELECT s.value ->> 'id', u.id, s.value ->> 'created', s.value ->> 'expires'
FROM json_each(?) s JOIN users u ON u.email = s.value ->> 'email' WHERE true
ON CONFLICT (id) DO UPDATE SET expires_at = excluded.expires_at WHERE excluded.expires_at > sessions.expires_at
RETURNING id`
)

// Activities are keyed by client_key (0004b), which an import derives from the source's key: a
// key stored already is skipped (DO NOTHING), so a second run adds nothing. Categories are keyed
// by slug; only a changed name is written.
const (
	existingActivitiesSQL = `SELECT client_key FROM activities WHERE client_key IN (SELECT value ->> 'key' FROM json_each(?))`
	addActivitiesSQL      = `INSERT INTO activities (user_id, type, torrent_id, info_hash, query, created_at, client_key)
SELECT u.id, a.value ->> 'type', (SELECT t.id FROM torrents t WHERE t.info_hash = a.value ->> 'hash'),
       NULLIF(a.value ->> 'hash', ''), a.value ->> 'query', a.value ->> 'created', a.value ->> 'key'
FROM json_each(?) a JOIN users u ON u.email = a.value ->> 'email' WHERE true
ON CONFLICT (client_key) DO NOTHING
RETURNING client_key`
	existingCategoriesSQL = `SELECT slug FROM categories WHERE slug IN (SELECT value ->> 'slug' FROM json_each(?))`
	upsertCategoriesSQL   = `INSERT INTO categories (slug, name)
SELECT value ->> 'slug', value ->> 'name' FROM json_each(?) WHERE true
ON CONFLICT (slug) DO UPDATE SET name = excluded.name WHERE categories.name IS NOT excluded.name
RETURNING slug`
)

type userJSON struct {
	ID      string `json:"id"`
	Email   string `json:"email"`
	Name    string `json:"name"`
	Image   string `json:"image"`
	Hash    string `json:"hash"`
	Created int64  `json:"created"`
	Updated int64  `json:"updated"`
}

// UpsertUsers implements ports.AccountImportStore.
func (s *ImportStore) UpsertUsers(ctx context.Context, users []domain.User) ([]ports.ImportOutcome, error) {
	if len(users) == 0 {
		return nil, nil
	}
	rows := make([]userJSON, len(users))
	for i, u := range users {
		if u.ID == "" || u.Email == "" {
			return nil, domain.Invalid("users", "every user needs an id and an email")
		}
		rows[i] = userJSON{ID: u.ID, Email: u.Email, Name: u.Name, Image: u.Image, Hash: u.PasswordHash,
			Created: u.CreatedAt.Unix(), Updated: u.UpdatedAt.Unix()}
	}
	return s.keyedWrite(ctx, rows, len(rows), existingUsersSQL, upsertUsersSQL, "email", func(i int) string { return rows[i].Email })
}

type sessionJSON struct {
	ID      string `json:"id"`
	Email   string `json:"email"`
	Created int64  `json:"created"`
	Expires int64  `json:"expires"`
}

// UpsertSessions implements ports.AccountImportStore.
func (s *ImportStore) UpsertSessions(ctx context.Context, sessions []ports.ImportedSession) ([]ports.ImportOutcome, error) {
	if len(sessions) == 0 {
		return nil, nil
	}
	rows := make([]sessionJSON, len(sessions))
	for i, x := range sessions {
		if err := domain.CheckSessionID(x.ID); err != nil {
			return nil, err
		}
		rows[i] = sessionJSON{ID: x.ID, Email: x.UserEmail, Created: x.CreatedAt.Unix(), Expires: x.ExpiresAt.Unix()}
	}
	return s.keyedWrite(ctx, rows, len(rows), existingSessionsSQL, upsertSessionsSQL, "id", func(i int) string { return rows[i].ID })
}

type activityJSON struct {
	Key     string `json:"key"`
	Email   string `json:"email"`
	Type    string `json:"type"`
	Hash    string `json:"hash"`
	Query   string `json:"query"`
	Created int64  `json:"created"`
}

// AddActivities implements ports.AccountImportStore.
func (s *ImportStore) AddActivities(ctx context.Context, activities []ports.ImportedActivity) ([]ports.ImportOutcome, error) {
	if len(activities) == 0 {
		return nil, nil
	}
	rows := make([]activityJSON, len(activities))
	for i, a := range activities {
		if a.Key == "" || len(a.Key) > 64 || a.UserEmail == "" {
			return nil, domain.Invalid("activities", "every activity needs a key of 1 to 64 bytes and a user")
		}
		row := activityJSON{Key: a.Key, Email: a.UserEmail, Type: string(a.Type), Query: a.Query, Created: a.CreatedAt.Unix()}
		switch {
		case a.Type == domain.ActivityView && !a.InfoHash.IsZero():
			row.Hash, row.Query = a.InfoHash.String(), ""
		case a.Type == domain.ActivitySearch:
		default:
			return nil, domain.Invalid("activities", "an activity is a view of a torrent or a search")
		}
		rows[i] = row
	}
	return s.keyedWrite(ctx, rows, len(rows), existingActivitiesSQL, addActivitiesSQL, "client_key", func(i int) string { return rows[i].Key })
}

type categoryJSON struct {
	Slug string `json:"slug"`
	Name string `json:"name"`
}

// UpsertCategories implements ports.CategoryImportStore.
func (s *ImportStore) UpsertCategories(ctx context.Context, categories []domain.CategoryRef) ([]ports.ImportOutcome, error) {
	if len(categories) == 0 {
		return nil, nil
	}
	rows := make([]categoryJSON, len(categories))
	for i, c := range categories {
		ref, err := storedCategory(c)
		if err != nil {
			return nil, err
		}
		rows[i] = categoryJSON(ref)
	}
	return s.keyedWrite(ctx, rows, len(rows), existingCategoriesSQL, upsertCategoriesSQL, "slug", func(i int) string { return rows[i].Slug })
}

// keyedWrite runs a write over a JSON list after the read of which of its keys exist, in one batch,
// and tells each row's outcome: returned by the write and new (Created), returned and known
// (updated), known and not returned (Unchanged), neither (Missing: what it refers to is not here).
func (s *ImportStore) keyedWrite(ctx context.Context, rows any, n int, existingSQL, writeSQL, keyColumn string, keyOf func(int) string) ([]ports.ImportOutcome, error) {
	list, err := json.Marshal(rows)
	if err != nil {
		return nil, err
	}
	results, err := s.db.batch(ctx, []Statement{
		{SQL: existingSQL, Params: []any{string(list)}},
		{SQL: writeSQL, Params: []any{string(list)}},
	})
	if err != nil {
		return nil, err
	}
	existing, err := column(results[0], keyColumn)
	if err != nil {
		return nil, err
	}
	stored, err := column(results[1], keyColumn)
	if err != nil {
		return nil, err
	}
	out := make([]ports.ImportOutcome, 0, n)
	for i := range n {
		key := keyOf(i)
		var o ports.ImportOutcome
		switch {
		case stored[key]:
			o.Created = !existing[key]
			existing[key] = true // the same key twice: the second is not new
			delete(stored, key)  // ... and, not written twice, unchanged
		case existing[key]:
			o.Unchanged = true
		default:
			o.Missing = true
		}
		out = append(out, o)
	}
	return out, nil
}

func column(res Result, name string) (map[string]bool, error) {
	set := make(map[string]bool, len(res.Rows))
	for _, row := range res.Rows {
		rr := rowReader{row: row}
		v := rr.text(name)
		if rr.err != nil {
			return nil, rr.err
		}
		set[v] = true
	}
	return set, nil
}

// Load implements ports.ImportCheckpoints.
func (s *ImportStore) Load(ctx context.Context, source string) (map[ports.ImportKind]string, error) {
	res, err := s.db.query(ctx, Statement{
		SQL: "SELECT kind, last_key FROM import_checkpoints WHERE source = ?", Params: []any{validText(source)},
	})
	if err != nil {
		return nil, err
	}
	out := make(map[ports.ImportKind]string, len(res.Rows))
	for _, row := range res.Rows {
		rr := rowReader{row: row}
		kind, key := rr.text("kind"), rr.text("last_key")
		if rr.err != nil {
			return nil, rr.err
		}
		out[ports.ImportKind(kind)] = key
	}
	return out, nil
}

// Save implements ports.ImportCheckpoints.
func (s *ImportStore) Save(ctx context.Context, source string, kind ports.ImportKind, lastKey string) error {
	_, err := s.db.batch(ctx, []Statement{{
		SQL: `INSERT INTO import_checkpoints (source, kind, last_key, updated_at) VALUES (?, ?, ?, CAST(? AS INTEGER))
ON CONFLICT (source, kind) DO UPDATE SET last_key = excluded.last_key, updated_at = excluded.updated_at`,
		Params: []any{validText(source), string(kind), validText(lastKey), time.Now().Unix()},
	}})
	return err
}

// Clear implements ports.ImportCheckpoints.
func (s *ImportStore) Clear(ctx context.Context, source string) error {
	_, err := s.db.batch(ctx, []Statement{{SQL: "DELETE FROM import_checkpoints WHERE source = ?", Params: []any{validText(source)}}})
	return err
}

// Page implements ports.CatalogExport.
func (s *ImportStore) Page(ctx context.Context, afterID int64, limit int) ([]domain.Torrent, error) {
	if limit <= 0 || limit > 1000 {
		return nil, fmt.Errorf("r1: export page of %d torrents", limit)
	}
	res, err := s.db.query(ctx, Statement{
		SQL: "SELECT " + detailColumns + " FROM torrents t JOIN categories c ON c.id = t.category_id " +
			"WHERE t.id > CAST(? AS INTEGER) ORDER BY t.id LIMIT CAST(? AS INTEGER)",
		Params: []any{afterID, int64(limit)},
	})
	if err != nil {
		return nil, err
	}
	out := make([]domain.Torrent, 0, len(res.Rows))
	for _, row := range res.Rows {
		t, err := torrentOf(row)
		if err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	return out, nil
}
