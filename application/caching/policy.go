package caching

import "time"

// The caching policy: every key space the service caches, in one table. Read it as
//
//	space       fresh   stale   tiers            invalidated by                        entry weighed by
//	search      5 min   5 min   process, shared* the lists generation (4, then 1 per 5 s)  its encoded size
//	latest      5 min   5 min   process          the lists generation (4, then 1 per 5 s)  its encoded size
//	categories  24 h    24 h    process          the lists generation (4, then 1 per 5 s)  its encoded size
//	torrent     60 s    none    process          its own key, by an ingest that touched it
//	session     15 s    none    process          revocation (Store.Revoke)
//	user        15 s    none    process          revocation (Store.Revoke)
//	apikey      15 s    none    process          revocation (Store.Revoke)
//	gen         30 d    none    shared           written at once, retried until it lands
//
//	* raced: on a process-tier miss the shared read and the fill start together (Space.Race)
//
// Why each line is what it is:
//   - Only search pages go to the shared tier. Over the Cloudflare API a KV read costs the same one
//     request as reading a row or a short index range from R1, so sharing a value that one query
//     fills only adds requests (a read before every fill that misses, a write after). A search
//     page scans the full-text index and counts its matches: worth sharing.
//   - A search page's shared read races its fill (Space.Race). Over the Cloudflare API the KV read
//     and each D1 request are a round trip; read first and filled after, a search that misses waits
//     for three in a row (KV, the probe, the page with its count) where D1 alone takes two. Raced,
//     a miss waits for two; a fresh KV hit abandons the fill, having spent at most its first D1
//     request (the probe), never the page.
//   - Values that another instance may change without telling this one are trusted for their
//     fresh time only and never served stale: that time is the bound on how long another instance
//     can be behind (a torrent 60 s, a session, a user or an API key 15 s). A revocation on this instance takes
//     effect at once (see Store.Revoke).
//   - Lists (search pages, latest, categories) change with every ingest. Their generation is bumped
//     at most once per ListsGeneration.Coalesce once a burst of 4 is spent: a few ingests in a row
//     show at once, a steady crawler's are gathered. After such a bump a read whose value is only
//     under an earlier generation waits at most the generation's Grace (1 s) for its fill, then
//     answers the earlier value while the fill goes on (and answers it too when the fill fails), so
//     the hit rate and the lists survive a steady crawler on a slow or failing store; a takedown's
//     bump is never softened.
//
// A global "cache off" is one switch: Options.Off makes every read call its fill.
var (
	SearchPages = Space{Name: "search", Version: 1, Fresh: 5 * time.Minute, Stale: 5 * time.Minute,
		Shared: true, Race: true, Generation: &ListsGeneration}
	LatestLists = Space{Name: "latest", Version: 1, Fresh: 5 * time.Minute, Stale: 5 * time.Minute,
		Generation: &ListsGeneration}
	CategoryList = Space{Name: "categories", Version: 1, Fresh: 24 * time.Hour, Stale: 24 * time.Hour,
		Generation: &ListsGeneration}
	TorrentDetails = Space{Name: "torrent", Version: 1, Fresh: 60 * time.Second}
	Sessions       = Space{Name: "session", Version: 1, Fresh: 15 * time.Second, Revocable: true}
	Users          = Space{Name: "user", Version: 1, Fresh: 15 * time.Second, Revocable: true}
	APIKeys        = Space{Name: "apikey", Version: 1, Fresh: 15 * time.Second, Revocable: true}
)

// ListsGeneration is the generation of every list of the catalog: an ingest bumps it.
var ListsGeneration = Generation{Name: "lists", Coalesce: 5 * time.Second, Burst: 4, Refresh: 10 * time.Second,
	Grace: time.Second}

// Spaces is the policy's table, for tests and documentation.
func Spaces() []Space {
	return []Space{SearchPages, LatestLists, CategoryList, TorrentDetails, Sessions, Users, APIKeys}
}

// Space is one key space of the policy.
type Space struct {
	// Name is the first segment of every key of the space.
	Name string
	// Version is bumped when what a value means changes; a change of its Go shape (fields, types)
	// changes the key by itself (see shapeOf), so a rolling deploy never decodes an old shape.
	Version int
	// Fresh is how long a value is served as is.
	Fresh time.Duration
	// Stale is how long after Fresh a value is still served, at once, while one refresh runs.
	Stale time.Duration
	// Shared puts the value in the shared tier (Workers KV) too, behind the process tier.
	Shared bool
	// Generation, when set, is part of every key: bumping it makes every value unreachable.
	Generation *Generation
	// Race, for a shared space, starts the fill alongside the shared tier's read on a process-tier
	// miss instead of after it (race.go): a miss waits for the slower of the two instead of both in
	// turn, a fresh shared hit abandons the fill (its context is cancelled), a stale one lets it run
	// on as the refresh.
	Race bool
	// Revocable spaces are guarded so a Revoke is never undone by a fill that read the store before
	// it (see Store.Revoke). They are never served stale and never kept in the shared tier.
	Revocable bool
}

// Generation is a counter in the keys of the spaces that share it; bumping it invalidates them all
// at once without scanning keys (KV cannot scan).
type Generation struct {
	Name string
	// Coalesce and Burst rate the bumps on one instance: Burst of them at once, then one per
	// Coalesce; a bump asked past that is applied when the next is due, together with every other
	// asked meanwhile (Coalesce 0: every bump at once). A few writes in a row show at once; a steady
	// writer's are gathered.
	Coalesce time.Duration
	Burst    int
	// Refresh is how often an instance re-reads the generation from the shared tier, so a bump on
	// another instance is seen within it.
	Refresh time.Duration
	// Grace, when set, softens the bumps of writes (Invalidate) on this instance: a read whose value
	// this instance holds only under an earlier generation (one such bumps replaced, still within
	// its stale window) fills it under the current one as a refresh does, waits up to Grace for that
	// fill, and past Grace, or when the fill fails, or when MaxRefreshes fills already run, answers
	// the earlier value at once while the fill goes on. So a write shows at once when the store
	// answers within Grace, and a store that is slow or down under a steady writer answers lists a
	// little behind instead of making every read wait for it (or fail). InvalidateNow (a takedown)
	// and a value adopted from another instance forget the earlier values: nothing keyed by them is
	// answered again.
	Grace time.Duration
}

// generationTTL is how long the shared tier keeps a generation: far longer than any value it keys.
const generationTTL = 30 * 24 * time.Hour
