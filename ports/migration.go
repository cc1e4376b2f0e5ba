package ports

import (
	"context"
	"time"

	"github.com/torrent-streamer/streamer/domain"
)

// ImportKind is a kind of record an import reads, in the order it reads them.
type ImportKind string

// The kinds, in import order: sessions need their users, torrents their categories, activities
// their users (and, to name them, their torrents). A source's password credentials come with their
// users, and its files and trackers with their torrents (see adapters/postgres): they are not kinds
// of their own here.
const (
	ImportUsers      ImportKind = "users"
	ImportSessions   ImportKind = "sessions"
	ImportCategories ImportKind = "categories"
	ImportTorrents   ImportKind = "torrents"
	ImportActivities ImportKind = "activities"
)

// ImportKinds are every kind, in the order an import runs them.
var ImportKinds = []ImportKind{ImportUsers, ImportSessions, ImportCategories, ImportTorrents, ImportActivities}

// SourceUser is a user as the previous system kept it. PasswordHash is its own format (empty for an
// account that signed in with OAuth only).
type SourceUser struct {
	Email, Name, Image, PasswordHash string
	CreatedAt, UpdatedAt             time.Time
}

// SourceSession is a signed-in client of the previous system: its token in plain text, as Better
// Auth keeps it, and its user by email.
type SourceSession struct {
	Token, UserEmail     string
	CreatedAt, ExpiresAt time.Time
}

// SourceCategory is a category as the previous system named it: a slug or a display name, or both.
type SourceCategory struct {
	Slug, Name string
}

// SourceActivity is something a signed-in user did in the previous system: a view of a torrent (by
// its info hash) or a search (its text).
type SourceActivity struct {
	UserEmail string
	Type      string // "view" or "search"
	InfoHash  string
	Query     string
	CreatedAt time.Time
}

// SourceTorrent is a catalog entry as the previous system kept it, in ingest's terms.
type SourceTorrent struct {
	InfoHash    string // 40 hex digits or 32 base32 characters
	Magnet      string // optional; it may carry the v2 hash and trackers
	Name        string
	Size        int64
	Category    string
	Seeders     int64
	Leechers    int64
	UploadedAt  time.Time
	Description string
	Files       []domain.File
	Trackers    []string
	WebSeeds    []string
	External    domain.ExternalIDs
}

// SourceRecord is one record read from a source: Key orders the kind's records (a resumed import
// asks for the records after the last key it finished) and names the record in a report. It holds
// exactly one of its kind's record (User, Session, Category, Torrent, Activity), or Problem when the
// row could not be read.
type SourceRecord struct {
	Key      string
	User     *SourceUser
	Session  *SourceSession
	Category *SourceCategory
	Torrent  *SourceTorrent
	Activity *SourceActivity
	Problem  string
}

// ImportSource is where an import reads from: a PostgreSQL database through mappings, or an NDJSON
// file. Records stream: a source never holds a whole kind in memory.
type ImportSource interface {
	// Name identifies the source (never with a password), so a resumed import finds its checkpoints.
	Name() string
	// Kinds are the kinds this source has, in import order.
	Kinds() []ImportKind
	// Estimate is about how many records of kind there are, for a progress bar; -1 when unknown.
	Estimate(ctx context.Context, kind ImportKind) (int64, error)
	// Read calls each with the records of kind whose key comes after after ("" for all), in key
	// order, until there are no more, each fails, or ctx ends.
	Read(ctx context.Context, kind ImportKind, after string, each func(SourceRecord) error) error
	Close() error
}

// AccountImportStore writes imported accounts, keyed by their natural keys.
type AccountImportStore interface {
	// UpsertUsers stores users keyed by email: a new email creates the user with the given id, a
	// known one updates its name and image, and its password hash only when it has none (a
	// password set or changed here is never replaced by an import). A user whose id another email
	// holds here is not stored (Missing). One outcome per user, in order.
	UpsertUsers(ctx context.Context, users []domain.User) ([]ImportOutcome, error)
	// UpsertSessions stores sessions keyed by id (the keyed hash of the token), each for the user
	// with its email. A session whose user does not exist is not stored (Missing); a known session
	// keeps the later of the two expiries.
	UpsertSessions(ctx context.Context, sessions []ImportedSession) ([]ImportOutcome, error)
	// AddActivities stores activities keyed by their Key, each for the user with its email: a key
	// stored already is left as it is (Unchanged), so a second run adds nothing; an activity whose
	// user does not exist is not stored (Missing). A view names its torrent's id when the catalog
	// holds its info hash. One outcome per activity, in order.
	AddActivities(ctx context.Context, activities []ImportedActivity) ([]ImportOutcome, error)
}

// ImportedActivity is an activity to import: Key is derived from the source's key (never random), so
// that a run again, or resumed, finds it.
type ImportedActivity struct {
	Key, UserEmail string
	Type           domain.ActivityType
	InfoHash       domain.InfoHash // a view's
	Query          string          // a search's
	CreatedAt      time.Time
}

// CategoryImportStore writes imported categories.
type CategoryImportStore interface {
	// UpsertCategories stores categories keyed by slug: a new slug is created with its name, a known
	// one gets the name given (Unchanged when it has it already). One outcome per category, in order.
	UpsertCategories(ctx context.Context, categories []domain.CategoryRef) ([]ImportOutcome, error)
}

// ImportedSession is a session to import: its id (the keyed hash of the token, never the token)
// and its user's email.
type ImportedSession struct {
	ID, UserEmail        string
	CreatedAt, ExpiresAt time.Time
}

// ImportOutcome says what storing one imported record did.
type ImportOutcome struct {
	Created   bool
	Unchanged bool // stored already exactly so: nothing was written
	Missing   bool // not stored: what it refers to does not exist
}

// ImportCheckpoints keep how far an interrupted import got, per source and kind.
type ImportCheckpoints interface {
	// Load returns the last key finished for each kind of the source; none when it never ran or
	// finished.
	Load(ctx context.Context, source string) (map[ImportKind]string, error)
	Save(ctx context.Context, source string, kind ImportKind, lastKey string) error
	// Clear forgets the source's checkpoints: the import finished, and a next run reads everything.
	Clear(ctx context.Context, source string) error
}

// CatalogExport reads the whole catalog in pages, for a backup.
type CatalogExport interface {
	// Page returns up to limit torrents with an id above afterID, by id, with files and trackers.
	Page(ctx context.Context, afterID int64, limit int) ([]domain.Torrent, error)
}
