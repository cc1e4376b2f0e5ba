package r1

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/torrent-streamer/streamer/domain"
	"github.com/torrent-streamer/streamer/ports"
)

// TorrentRepository is ports.TorrentRepository on R1.
type TorrentRepository struct {
	db *Database
	// countLimit is where Search stops counting; tests lower it to reach the bound cheaply.
	countLimit int
	// relevanceScored is how many matches relevance ranks by bm25 (see search_few.go); tests lower it
	// to reach the tiers cheaply.
	relevanceScored int
	// expandLast writes a long last word out (see search_words.go); tests turn it off to compare.
	expandLast bool
	// planCosts, when set, stand for the engine's costs in the search planner: tests set them to
	// reach a plan at a small scale.
	planCosts *Costs
	// segments is the full-text index's segment count for the planner (search_index.go).
	segments *segmentCount
	// chunkTorrents bounds the torrents of one D1 upsert batch (upsertChunkTorrents); tests lower it
	// to see several batches without writing thousands of torrents.
	chunkTorrents int
	// knownSlugs are the categories an upsert of this repository has seen stored (categories are
	// never deleted): an upsert ensures only the others, so a batch of known categories is the
	// upsert statement alone, which the local engine runs without a statement journal (see
	// localEngine.Batch).
	knownSlugs sync.Map
}

var _ ports.TorrentRepository = (*TorrentRepository)(nil)

// NewTorrentRepository returns the torrents stored in db.
func NewTorrentRepository(db *Database) *TorrentRepository {
	return &TorrentRepository{db: db, countLimit: domain.SearchCountLimit, relevanceScored: relevanceScored, expandLast: true, chunkTorrents: upsertChunkTorrents,
		segments: &segmentCount{}}
}

// An upsert batch is bounded by count and by the bytes of its parameters, so one D1 request stays
// small and quick however large the torrents' file lists are; a torrent larger than the byte bound
// goes alone. The upsert is one statement over a JSON list (one bound parameter), so the count bound
// is only the largest ingest batch: a typical ingest of 1000 torrents is one D1 request.
const (
	upsertChunkTorrents = 1000
	upsertChunkBytes    = 1 << 20
)

// The local engine runs a batch as one transaction in its own process: a batch costs no request,
// and each transaction costs the same fixed work whatever its size (the WAL frames of every page it
// touched, among them the hot ones every chunk touches: the table's last page, the category counts,
// the full-text index's new segment). So there one batch takes a whole ingest call while the pages
// it dirties fit the writer's cache: the API's 1000 torrents, which ingests about 1.6 times faster
// at 200,000 torrents than chunks of 50, or an import's bulk batch of up to 5000
// (ingest.MaxBulkBatch), about a seventh less CPU a torrent again (see tests/bench). In a catalog
// whose indexes outgrow that cache, the chunks get smaller (bulkchunk.go). The statements are the
// same; only their grouping in transactions differs. In ParamsAsText mode, which stands for D1 in
// the tests, it chunks as D1 does.
const (
	localChunkTorrents = 5000
	localChunkBytes    = 32 << 20
)

// chunkBounds are the bounds of one upsert batch on the repository's engine: on the local file,
// as many torrents as the writer's page cache holds the pages of (bulkchunk.go).
func (r *TorrentRepository) chunkBounds() (torrents, bytes int) {
	if e := r.localBulk(); e != nil {
		return e.bulk.next(), localChunkBytes
	}
	return r.chunkTorrents, upsertChunkBytes
}

// localBulk is the local engine whose bulk transactions are sized to its cache; nil for D1 and for
// the local engine in ParamsAsText mode, which chunks as D1 does.
func (r *TorrentRepository) localBulk() *localEngine {
	if e, ok := r.db.engine.(*localEngine); ok && !e.opts.ParamsAsText {
		return e
	}
	return nil
}

// upsertSQL stores a list of torrents, given as one JSON parameter (an array of rows, see
// newUpsertRow), keyed by info hash. The update replaces everything the ingest knows about the
// torrent but keeps its id and created_at, and the v2 hash when the new version does not carry one (a
// v1 hash names one info dictionary, so its v2 hash never changes). revision tells the caller whether
// this statement created the row.
//
// One statement for the whole list, rather than a statement per torrent or per handful of torrents
// (D1 allows 100 parameters), because the cost is per statement: preparing it (the conflict clause,
// three triggers and the full-text insert they cascade into) costs more than running it for one row,
// and FTS5 writes its pending index to disk at every statement that opens a savepoint, which every
// upsert does. Each row is made binary JSON once (MATERIALIZED), so its twelve fields are read
// without parsing it twelve times. The WHERE clause skips the hashes on the blocklist (see
// migration 0009), which also ends the SELECT before ON CONFLICT as SQLite requires; a skipped row
// returns nothing, which is how Upsert tells a blocked torrent.
// jsonb needs SQLite 3.45; D1 has it (tests/integration runs the catalog contract on workerd).
//
// A row whose torrent came without an upload date (domain.Torrent.UploadedAtUnset) carries the
// ingest's time, which a new torrent takes; a stored one keeps its date. The excluded row cannot
// tell the two apart, so such rows go in a statement of their own (upsertUndatedSQL), whose update
// keeps uploaded_at.
var upsertSQL = jsonRowsSQL + upsertBody("excluded.uploaded_at", jsonField, jsonRows)

// upsertUndatedSQL is upsertSQL for rows without an upload date of their own.
var upsertUndatedSQL = jsonRowsSQL + upsertBody("torrents.uploaded_at", jsonField, jsonRows)

const jsonRowsSQL = `WITH rows (r) AS MATERIALIZED (SELECT jsonb(value) FROM json_each(?))
`

// upsertJSONBSQL is upsertSQL over rows given as one JSONB array (a BLOB: see rowjsonb.go), which
// the local engine takes: SQLite reads each row's fields from the JSONB without parsing text.
var upsertJSONBSQL = jsonbRowsSQL + upsertBody("excluded.uploaded_at", jsonField, jsonRows)

// upsertUndatedJSONBSQL is upsertJSONBSQL for rows without an upload date of their own.
var upsertUndatedJSONBSQL = jsonbRowsSQL + upsertBody("torrents.uploaded_at", jsonField, jsonRows)

const jsonbRowsSQL = `WITH rows (r) AS MATERIALIZED (SELECT value FROM jsonb_each(?))
`

// upsertBody is the upsert of upsertSQL's rows, uploadedAt the date an update stores, f the
// expression of a row's field by its index (upsertRowValues of them, newUpsertRow's order), rows
// what the rows are read from up to WHERE and any condition of its own (with its AND).
func upsertBody(uploadedAt string, f func(int) string, rows string) string {
	fields := func(from, to int) string {
		list := make([]string, 0, to-from)
		for i := from; i < to; i++ {
			list = append(list, f(i))
		}
		return strings.Join(list, ", ")
	}
	return `INSERT INTO torrents
    (info_hash, info_hash_v2, name, name_key, size, category_id, seeders, leechers, uploaded_at, description, files,
     trackers, web_seeds, imdb_id, tmdb_id, tvdb_id, release, release_year, release_season_min, release_season_max,
     release_episode_min, release_episode_max, release_resolution, release_air_date, release_parser, file_words,
     files_packed, file_count, created_at, updated_at)
SELECT ` + f(0) + `, NULLIF(` + f(1) + `, ''), ` + fields(2, 5) + `, (SELECT id FROM categories WHERE slug = ` + f(5) + `),
       ` + fields(6, upsertRowValues) + `,
       unixepoch(), unixepoch()
FROM ` + rows + ` NOT EXISTS (SELECT 1 FROM blocked_torrents b WHERE b.info_hash = ` + f(0) + `)
ON CONFLICT (info_hash) DO UPDATE SET
    info_hash_v2 = coalesce(excluded.info_hash_v2, torrents.info_hash_v2),
    name = excluded.name,
    name_key = excluded.name_key,
    size = excluded.size,
    category_id = excluded.category_id,
    seeders = excluded.seeders,
    leechers = excluded.leechers,
    uploaded_at = ` + uploadedAt + `,
    description = excluded.description,
    files = excluded.files,
    trackers = excluded.trackers,
    web_seeds = excluded.web_seeds,
    imdb_id = coalesce(excluded.imdb_id, torrents.imdb_id),
    tmdb_id = coalesce(excluded.tmdb_id, torrents.tmdb_id),
    tvdb_id = coalesce(excluded.tvdb_id, torrents.tvdb_id),
    release = excluded.release,
    release_year = excluded.release_year,
    release_season_min = excluded.release_season_min,
    release_season_max = excluded.release_season_max,
    release_episode_min = excluded.release_episode_min,
    release_episode_max = excluded.release_episode_max,
    release_resolution = excluded.release_resolution,
    release_air_date = excluded.release_air_date,
    release_parser = excluded.release_parser,
    file_words = excluded.file_words,
    files_packed = excluded.files_packed,
    file_count = excluded.file_count,
    revision = torrents.revision + 1,
    updated_at = unixepoch()
WHERE ` + upsertChanged(uploadedAt) + `
RETURNING id, revision, info_hash`
}

// upsertChanged is true when the update would change a stored torrent: an identical one is
// left as it is (no write, no trigger, revision and updated_at kept) and returns nothing, like a
// blocked one; Upsert tells the two apart with leftOutSQL. A re-ingest or a second import of
// an unchanged catalog writes nothing.
func upsertChanged(uploadedAt string) string {
	return `(torrents.info_hash_v2 IS NOT coalesce(excluded.info_hash_v2, torrents.info_hash_v2)
    OR torrents.name IS NOT excluded.name OR torrents.name_key IS NOT excluded.name_key
    OR torrents.size IS NOT excluded.size OR torrents.category_id IS NOT excluded.category_id
    OR torrents.seeders IS NOT excluded.seeders OR torrents.leechers IS NOT excluded.leechers
    OR torrents.uploaded_at IS NOT ` + uploadedAt + ` OR torrents.description IS NOT excluded.description
    OR torrents.files IS NOT excluded.files
    OR substr(torrents.files_packed, 1, ` + strconv.Itoa(filesPackedKey) + `) IS NOT substr(excluded.files_packed, 1, ` + strconv.Itoa(filesPackedKey) + `)
    OR torrents.file_count IS NOT excluded.file_count OR torrents.trackers IS NOT excluded.trackers
    OR torrents.web_seeds IS NOT excluded.web_seeds
    OR torrents.imdb_id IS NOT coalesce(excluded.imdb_id, torrents.imdb_id)
    OR torrents.tmdb_id IS NOT coalesce(excluded.tmdb_id, torrents.tmdb_id)
    OR torrents.tvdb_id IS NOT coalesce(excluded.tvdb_id, torrents.tvdb_id)
    OR torrents.release IS NOT excluded.release OR torrents.release_year IS NOT excluded.release_year
    OR torrents.release_season_min IS NOT excluded.release_season_min
    OR torrents.release_season_max IS NOT excluded.release_season_max
    OR torrents.release_episode_min IS NOT excluded.release_episode_min
    OR torrents.release_episode_max IS NOT excluded.release_episode_max
    OR torrents.release_resolution IS NOT excluded.release_resolution
    OR torrents.release_parser IS NOT excluded.release_parser)`
}

// leftOutSQL reads, for a JSON list of info hashes an upsert statement did not return, the id of
// each stored one (unchanged) and whether it is on the blocklist (blocked).
const leftOutSQL = `SELECT h.value AS info_hash, coalesce(t.id, 0) AS id, b.info_hash IS NOT NULL AS blocked
FROM json_each(?) h LEFT JOIN torrents t ON t.info_hash = h.value LEFT JOIN blocked_torrents b ON b.info_hash = h.value`

// rowForm is how an upsert's rows go to the engine.
type rowForm int

const (
	rowsAsText  rowForm = iota // one JSON parameter (upsertSQL): D1's, and the local engine's where no other form can carry a row
	rowsAsJSONB                // one JSONB parameter (upsertJSONBSQL): the local engine's
	rowsBound                  // each field a parameter (rowvalues.go): the local engine's in a bulk load
)

type upsertRow struct {
	torrent  domain.Torrent
	hash     string
	json     []byte // the row of upsertSQL's parameter
	jsonb    []byte // the same row in JSONB (upsertJSONBSQL's), nil where it cannot be or is not asked for
	params   []any  // the same row's values to bind (a bulk load's: rowvalues.go), likewise
	wire     int    // its size in a D1 request, where it travels as a JSON string (escaped again)
	category domain.CategoryRef
}

// Upsert stores normalized torrents keyed by info hash. Each chunk (see chunkBounds) is one
// batch: the categories it names (INSERT OR IGNORE), then one upsert statement for the chunk's
// torrents, in order. A statement never holds the same hash twice, so the same hash twice in one
// call is created by one statement and updated by a later one. A blocked hash is skipped by the
// statement and reported Blocked. On an error, the outcomes of the
// chunks already stored come back with it.
func (r *TorrentRepository) Upsert(ctx context.Context, torrents []domain.Torrent) ([]domain.UpsertOutcome, error) {
	form := rowsAsText
	// Every row passed storableProblem: in a bulk load SQLite need not check them again (rowchecks.go).
	checked := false
	if e := r.localBulk(); e != nil {
		form, checked = rowsAsJSONB, e.inBulkLoad()
		if checked {
			form = rowsBound
		}
	}
	rows, rejected := upsertRows(torrents, form)
	// Refused before anything is written, so a bad torrent never leaves half a call stored; the
	// caller learns which, by their index in the call, and may store the others.
	if len(rejected) > 0 {
		return nil, &domain.RejectedItems{Problems: rejected}
	}
	outcomes := make([]domain.UpsertOutcome, 0, len(rows))
	chunkTorrents, chunkBytes := r.chunkBounds()
	for start := 0; start < len(rows); {
		end, size := start, 0
		for end < len(rows) && end-start < chunkTorrents && (end == start || size+rows[end].wire <= chunkBytes) {
			size += rows[end].wire
			end++
		}
		chunk := rows[start:end]
		refs := make([]domain.CategoryRef, 0, 1)
		for _, row := range chunk {
			if _, known := r.knownSlugs.Load(row.category.Slug); !known {
				refs = append(refs, row.category)
			}
		}
		statements, err := ensureCategoryStatements(refs)
		if err != nil {
			return outcomes, err
		}
		first := len(statements)
		groups := upsertGroups(chunk)
		parts := make([]int, len(groups)) // how many statements each group takes: see upsertParts
		for k, g := range groups {
			for _, part := range upsertParts(g) {
				st := upsertStatements(part, size, form)
				statements = append(statements, st...)
				parts[k] += len(st)
			}
		}
		results, err := r.db.batchOf(ctx, statements, checked)
		if err != nil {
			return outcomes, err
		}
		if e := r.localBulk(); e != nil {
			e.bulk.wrote(len(chunk))
			if checked {
				e.deferFilledIndexes(ctx)
			}
		}
		for _, ref := range refs {
			r.knownSlugs.Store(ref.Slug, true)
		}
		next := first
		for k, g := range groups {
			// RETURNING rows come in no promised order: they are matched by hash, which a group
			// holds once.
			returned := make(map[string]domain.UpsertOutcome, len(g))
			for _, res := range results[next : next+parts[k]] {
				for _, row := range res.Rows {
					rr := rowReader{row: row}
					id, revision, hash := rr.int("id"), rr.int("revision"), rr.text("info_hash")
					if rr.err != nil {
						return outcomes, rr.err
					}
					returned[hash] = domain.UpsertOutcome{ID: id, Created: revision == 1}
				}
			}
			next += parts[k]
			if err := r.leftOut(ctx, g, returned); err != nil {
				return outcomes, err
			}
			for _, row := range g {
				o := returned[row.hash]
				o.InfoHash = row.torrent.InfoHash
				outcomes = append(outcomes, o)
			}
		}
		start = end
	}
	return outcomes, nil
}

// upsertParts splits a group into its rows with an upload date and those without (upsertSQL and
// upsertUndatedSQL): the group itself, uncopied, when it is all one (a group from one source).
func upsertParts(g []upsertRow) [][]upsertRow {
	if !slices.ContainsFunc(g, func(row upsertRow) bool { return row.torrent.UploadedAtUnset != g[0].torrent.UploadedAtUnset }) {
		return [][]upsertRow{g}
	}
	var dated, undated []upsertRow
	for _, row := range g {
		if row.torrent.UploadedAtUnset {
			undated = append(undated, row)
		} else {
			dated = append(dated, row)
		}
	}
	return [][]upsertRow{dated, undated}
}

// upsertStatements are the upserts of a group's rows, all with an upload date or all without, in
// the rows' form: bound (rowvalues.go), or one statement over the rows in JSONB; or one over the
// rows in JSON text (D1's). A row that has not the form (its text too large for it, newUpsertRow)
// goes in a statement over JSON text of its own, beside the others': the rows of a group name
// different hashes, so two statements store them as one would. (The whole group once went as
// text, where the other rows had no text: a bulk batch holding one torrent of thousands of files
// failed whole, "malformed JSON".)
func upsertStatements(g []upsertRow, size int, form rowForm) []Statement {
	hasForm := func(row *upsertRow) bool {
		return form == rowsBound && row.params != nil || form == rowsAsJSONB && row.jsonb != nil
	}
	lacking := false // a row lacks the form: rare, and then the rows are split (copied: a row is large)
	for i := 0; form != rowsAsText && i < len(g) && !lacking; i++ {
		lacking = !hasForm(&g[i])
	}
	if lacking {
		var in, text []upsertRow
		for i := range g {
			if hasForm(&g[i]) {
				in = append(in, g[i])
			} else {
				text = append(text, g[i])
			}
		}
		var out []Statement
		if len(in) > 0 {
			out = upsertStatements(in, size, form)
		}
		return append(out, upsertStatements(text, size, rowsAsText)...)
	}
	undated := len(g) > 0 && g[0].torrent.UploadedAtUnset
	switch form {
	case rowsBound:
		return upsertValuesStatements(g, undated)
	case rowsAsJSONB:
		n := 0
		for _, row := range g {
			n += len(row.jsonb)
		}
		list := newJSONBArray(n)
		for _, row := range g {
			list = append(list, row.jsonb...)
		}
		if undated {
			return []Statement{{SQL: upsertUndatedJSONBSQL, Params: []any{closeJSONBArray(list)}}}
		}
		return []Statement{{SQL: upsertJSONBSQL, Params: []any{closeJSONBArray(list)}}}
	}
	list := make([]byte, 0, size+len(g)+2)
	list = append(list, '[')
	for i, row := range g {
		if i > 0 {
			list = append(list, ',')
		}
		list = append(list, row.json...)
	}
	list = append(list, ']')
	if undated {
		return []Statement{{SQL: upsertUndatedSQL, Params: []any{string(list)}}}
	}
	return []Statement{{SQL: upsertSQL, Params: []any{string(list)}}}
}

// leftOut fills in the outcomes of the rows a statement did not return: it writes every row but
// a blocked or an unchanged one. It costs a read only when the statement left rows out, so none on
// a first ingest.
func (r *TorrentRepository) leftOut(ctx context.Context, group []upsertRow, returned map[string]domain.UpsertOutcome) error {
	if len(returned) == len(group) {
		return nil
	}
	var hashes []string
	for _, row := range group {
		if _, ok := returned[row.hash]; !ok {
			hashes = append(hashes, row.hash)
		}
	}
	list, err := json.Marshal(hashes)
	if err != nil {
		return err
	}
	res, err := r.db.query(ctx, Statement{SQL: leftOutSQL, Params: []any{string(list)}})
	if err != nil {
		return err
	}
	for _, row := range res.Rows {
		rr := rowReader{row: row}
		hash, id, blocked := rr.text("info_hash"), rr.int("id"), rr.int("blocked")
		if rr.err != nil {
			return rr.err
		}
		if blocked != 0 || id == 0 {
			returned[hash] = domain.UpsertOutcome{Blocked: true}
		} else {
			returned[hash] = domain.UpsertOutcome{ID: id, Unchanged: true}
		}
	}
	return nil
}

// encodeInParallel is the size of a call from which its rows are made on every core: a bulk batch's
// rows (their JSON) are a tenth of the writer's work, and the other core is often idle meanwhile.
const encodeInParallel = 512

// upsertRows makes the rows of torrents in form (see newUpsertRow), and the problems
// of those the store cannot hold by their index.
func upsertRows(torrents []domain.Torrent, form rowForm) ([]upsertRow, map[int]domain.FieldProblem) {
	rows := make([]upsertRow, len(torrents))
	problems := make([]*domain.FieldProblem, len(torrents))
	encode := func(from, to int) {
		for i := from; i < to; i++ {
			rows[i], problems[i] = newUpsertRow(torrents[i], form)
		}
	}
	if workers := runtime.GOMAXPROCS(0); len(torrents) >= encodeInParallel && workers > 1 {
		var wg sync.WaitGroup
		per := (len(torrents) + workers - 1) / workers
		for from := per; from < len(torrents); from += per {
			wg.Go(func() { encode(from, min(from+per, len(torrents))) })
		}
		encode(0, per)
		wg.Wait()
	} else {
		encode(0, len(torrents))
	}
	rejected := map[int]domain.FieldProblem{}
	for i, p := range problems {
		if p != nil {
			rejected[i] = *p
		}
	}
	return rows, rejected
}

// upsertGroups cuts a chunk into the rows of each statement: a new statement where a hash would
// come twice.
func upsertGroups(chunk []upsertRow) [][]upsertRow {
	var groups [][]upsertRow
	seen := make(map[string]bool, len(chunk))
	begin := 0
	for i, row := range chunk {
		if seen[row.hash] {
			groups = append(groups, chunk[begin:i])
			begin = i
			clear(seen)
		}
		seen[row.hash] = true
	}
	return append(groups, chunk[begin:])
}

type fileJSON struct {
	Path string `json:"path"`
	Size int64  `json:"size"`
}

// newUpsertRow makes the row of upsertSQL's parameter for t, or the same row in form: in JSONB for
// upsertJSONBSQL, its values to bind for upsertValuesSQL. A row in another form whose text could
// not reach a bound of the store (its JSON text is at most jsonbTextFactor times the JSONB) is not
// written as text too.
func newUpsertRow(t domain.Torrent, form rowForm) (upsertRow, *domain.FieldProblem) {
	if t.InfoHash.IsZero() {
		return upsertRow{}, &domain.FieldProblem{Field: "infoHash", Message: "a v1 info hash is required"}
	}
	hash, v2 := t.InfoHash.String(), ""
	if !t.InfoHashV2.IsZero() {
		v2 = t.InfoHashV2.String()
	}
	if p := storableProblem(t, hash, v2); p != nil {
		return upsertRow{}, p
	}
	// JSON (D1's transport) cannot carry invalid UTF-8; the file list and trackers are encoded by
	// encoding/json, which repairs it, but these go as they are.
	for _, f := range [...]struct{ field, text string }{
		{"name", t.Name}, {"description", t.Description}, {"category", t.Category.Slug + t.Category.Name},
	} {
		if !utf8.ValidString(f.text) {
			return upsertRow{}, &domain.FieldProblem{Field: f.field, Message: "must be valid UTF-8"}
		}
	}
	category, err := storedCategory(t.Category)
	if err != nil {
		if t.Category.Slug != "" {
			return upsertRow{}, &domain.FieldProblem{Field: "category", Message: err.Error()}
		}
		category = domain.CategoryRef{Slug: domain.DefaultCategorySlug, Name: "Other"}
	}
	filesJSON, err := filesJSONOf(t.Files)
	if err != nil {
		return upsertRow{}, &domain.FieldProblem{Field: "files", Message: err.Error()}
	}
	trackersJSON, err := stringsJSONOf(t.Trackers)
	if err != nil {
		return upsertRow{}, &domain.FieldProblem{Field: "trackers", Message: err.Error()}
	}
	webSeedsJSON, err := stringsJSONOf(t.WebSeeds)
	if err != nil {
		return upsertRow{}, &domain.FieldProblem{Field: "webSeeds", Message: err.Error()}
	}
	release, err := encodeRelease(t.Release)
	if err != nil {
		return upsertRow{}, &domain.FieldProblem{Field: "name", Message: err.Error()}
	}
	var imdb, tmdb, tvdb any
	if t.External.IMDb != "" {
		imdb = t.External.IMDb
	}
	if t.External.TMDb > 0 {
		tmdb = t.External.TMDb
	}
	if t.External.TVDb > 0 {
		tvdb = t.External.TVDb
	}
	row := upsertRow{torrent: t, hash: hash, category: category}
	// The row of upsertSQL's parameter, in its column order. The trackers, and the file list where it
	// is not packed, travel as JSON strings holding their JSON, so ->> hands the stored text over as
	// it is: rendering a nested array back to text costs more than the rest of the row.
	words := fileWords(t.Name, t.Files)
	wordsSize := 0
	// The file list is packed in the row (migration 0039), but for a torrent whose words are over
	// their bound: the full-text index reads its paths from files, as JSON.
	files, packed := filesJSON, any(nil)
	packedSize := 0
	if w, ok := words.(string); ok {
		// Packed or not, the list is read back whole: it stays within the store's bound on a row.
		if len(filesJSON) > filesPackedMax {
			return upsertRow{}, &domain.FieldProblem{Field: "files", Message: fmt.Sprintf(
				"the file list takes %d bytes, over the store's %d per torrent", len(filesJSON), filesPackedMax)}
		}
		raw := packFiles(filesJSON)
		// Its size as it travels in JSON: hex text (appendJSON).
		wordsSize, packedSize = len(w), 2*len(raw)
		files, packed = "[]", raw
	}
	values := make([]any, 0, upsertRowValues)
	values = append(values, row.hash, v2, t.Name, nameKey(t.Name), t.Size, category.Slug,
		t.Seeders, t.Leechers, t.UploadedAt.Unix(), t.Description, files, trackersJSON, webSeedsJSON,
		imdb, tmdb, tvdb, release)
	values = append(values, releaseColumns(t.Release)...)
	values = append(values, releaseVersion, words, packed, int64(len(t.Files)))
	textSize := 256 + 2*(len(t.Name)+len(files)+wordsSize) + packedSize + len(t.Description) + len(trackersJSON) + len(release)
	switch form {
	case rowsAsJSONB:
		// Each value's bytes and a header of up to 9: a buffer of about the row's size, which
		// the JSON text's estimate (escapes doubled) overstated twice, all of it zeroed.
		jsonbSize := upsertRowValues*jsonbHeaderRoom + 256 + 2*len(t.Name) + len(t.Description) + len(files) + packedSize + wordsSize + len(trackersJSON) + len(webSeedsJSON) + len(release)
		row.jsonb = jsonbRow(values, jsonbSize)
		if n := len(row.jsonb); n > 0 && jsonbTextFactor*n+len(t.Name)+len(upsertSQL)+4096 < min(maxRowBytes, maxD1Request) {
			row.wire = n // the local engine's chunks are bounded by these bytes
			return row, nil
		}
	case rowsBound:
		if params, n, ok := boundRow(values); ok && jsonbTextFactor*n+len(t.Name)+len(upsertSQL)+4096 < min(maxRowBytes, maxD1Request) {
			row.params, row.wire = params, n // as a row in JSONB
			return row, nil
		}
	}
	b := make([]byte, 0, textSize)
	b = append(b, '[')
	for i, v := range values {
		if i > 0 {
			b = append(b, ',')
		}
		if b, err = appendJSON(b, v); err != nil {
			return upsertRow{}, &domain.FieldProblem{Field: "", Message: err.Error()}
		}
	}
	b = append(b, ']')
	row.json = b
	row.wire = jsonStringLen(row.json)
	// The row is one parameter, and D1 takes a string of at most 2 MB: the same bound as its row.
	// Sent, it is a JSON string in the request, whose escapes can double it (a path full of \ and
	// "): it must fit one request with the statement, or its batch could not be one transaction.
	if size := len(row.json) + len(t.Name) + 200; size > maxRowBytes || row.wire+len(upsertSQL)+4096 > maxD1Request {
		return upsertRow{}, &domain.FieldProblem{Field: "files", Message: fmt.Sprintf(
			"the torrent takes %d bytes with its file list and description (%d escaped), over the store's %d per torrent",
			size, row.wire, maxRowBytes)}
	}
	return row, nil
}

// jsonbTextFactor bounds how many times larger than its JSONB a row's JSON text is, as D1 gets it
// (the row a JSON string in the request): at most 7 (a control character, one byte in the JSONB,
// is "\u001f" in the row and "\\u001f" in the request; the file list's JSON, held as it is in the
// JSONB, grows by less than 2; a null, 1 byte, is 4), with room to spare.
const jsonbTextFactor = 24

// jsonbRow is an upsert row's values as a JSONB array (size: about its payload's bytes, the
// buffer's first capacity), or nil when a value has no JSONB form here (the row then goes as text).
func jsonbRow(values []any, size int) []byte {
	row := newJSONBArray(size)
	for _, v := range values {
		var ok bool
		if row, ok = appendJSONBValue(row, v); !ok {
			return nil
		}
	}
	return closeJSONBArray(row)
}

// jsonStringLen is the length of s encoded as a JSON string (quotes included), as encoding/json
// writes it without HTML escaping (U+2028 and U+2029 become \u2028 and \u2029: 3 bytes more).
func jsonStringLen(s []byte) int {
	n := 2 + 3*(bytes.Count(s, []byte("\u2028"))+bytes.Count(s, []byte("\u2029")))
	for _, c := range s {
		switch {
		case c == '"' || c == '\\' || c == '\n' || c == '\r' || c == '\t':
			n += 2
		case c < 0x20:
			n += 6
		default:
			n++
		}
	}
	return n
}

// compactJSON encodes without HTML escaping: the text is stored, not embedded in a page.
func compactJSON(v any) (string, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return "", err
	}
	return string(bytes.TrimSuffix(buf.Bytes(), []byte("\n"))), nil
}

// The columns of a summary and of a whole torrent, named so a D1 row (a JSON object) keys them.
const (
	summaryColumns = `t.id AS id, t.info_hash AS info_hash, t.info_hash_v2 AS info_hash_v2, t.name AS name,
    t.size AS size, c.slug AS category_slug, c.name AS category_name, t.seeders AS seeders,
    t.leechers AS leechers, t.uploaded_at AS uploaded_at, t.trackers AS trackers, t.web_seeds AS web_seeds,
    t.imdb_id AS imdb_id, t.tmdb_id AS tmdb_id, t.tvdb_id AS tvdb_id, t.release AS release,
    coalesce(t.file_count, json_array_length(t.files)) AS file_count`
	detailColumns = summaryColumns + `, t.description AS description, t.files AS files, hex(t.files_packed) AS files_packed,
    t.created_at AS created_at, t.updated_at AS updated_at`
)

// Get returns one torrent by id or by v1 info hash.
func (r *TorrentRepository) Get(ctx context.Context, ref domain.TorrentRef) (domain.Torrent, error) {
	s := Statement{SQL: "SELECT " + detailColumns + " FROM torrents t JOIN categories c ON c.id = t.category_id WHERE "}
	switch {
	case ref.ID > 0:
		s.SQL += "t.id = CAST(? AS INTEGER)"
		s.Params = []any{ref.ID}
	case !ref.InfoHash.IsZero():
		s.SQL += "t.info_hash = ?"
		s.Params = []any{ref.InfoHash.String()}
	default:
		return domain.Torrent{}, domain.ErrNotFound
	}
	res, err := r.db.query(ctx, s)
	if err != nil {
		return domain.Torrent{}, err
	}
	if len(res.Rows) == 0 {
		return domain.Torrent{}, domain.ErrNotFound
	}
	return torrentOf(res.Rows[0])
}

// Latest returns up to limit torrents, newest upload first, ties by id descending. A limit outside
// 1..domain.MaxPageSize is brought inside it (0 means the default page size).
func (r *TorrentRepository) Latest(ctx context.Context, categorySlug string, limit int) ([]domain.TorrentSummary, error) {
	limit = pageSize(limit)
	s := Statement{SQL: "SELECT " + summaryColumns + " FROM torrents t JOIN categories c ON c.id = t.category_id "}
	if categorySlug != "" {
		s.SQL += "WHERE t.category_id = (SELECT id FROM categories WHERE slug = ?) "
		s.Params = append(s.Params, anySlug(categorySlug))
	}
	s.SQL += "ORDER BY t.uploaded_at DESC, t.id DESC LIMIT CAST(? AS INTEGER)"
	s.Params = append(s.Params, limit)
	res, err := r.db.query(ctx, s)
	if err != nil {
		return nil, err
	}
	out := make([]domain.TorrentSummary, 0, len(res.Rows))
	for _, row := range res.Rows {
		rr := rowReader{row: row}
		item := summaryOf(&rr)
		if rr.err != nil {
			return nil, rr.err
		}
		out = append(out, item)
	}
	return out, nil
}

func pageSize(limit int) int {
	switch {
	case limit == 0:
		return domain.DefaultPageSize
	case limit < 1:
		return 1
	case limit > domain.MaxPageSize:
		return domain.MaxPageSize
	}
	return limit
}

func summaryOf(rr *rowReader) domain.TorrentSummary {
	s := domain.TorrentSummary{
		ID:         rr.int("id"),
		Name:       rr.text("name"),
		Size:       rr.int("size"),
		Category:   domain.CategoryRef{Slug: rr.text("category_slug"), Name: rr.text("category_name")},
		Seeders:    rr.int("seeders"),
		Leechers:   rr.int("leechers"),
		UploadedAt: rr.time("uploaded_at"),
	}
	if h, err := domain.ParseInfoHash(rr.text("info_hash")); err != nil {
		rr.fail("info_hash", err)
	} else {
		s.InfoHash = h
	}
	if v2 := rr.text("info_hash_v2"); v2 != "" {
		if h, err := domain.ParseInfoHashV2(v2); err != nil {
			rr.fail("info_hash_v2", err)
		} else {
			s.InfoHashV2 = h
		}
	}
	if err := decodeJSONList(rr.text("trackers"), &s.Trackers); err != nil {
		rr.fail("trackers", err)
	}
	if err := decodeJSONList(rr.text("web_seeds"), &s.WebSeeds); err != nil {
		rr.fail("web_seeds", err)
	}
	s.External = domain.ExternalIDs{IMDb: rr.text("imdb_id"), TMDb: rr.int("tmdb_id"), TVDb: rr.int("tvdb_id")}
	s.FileCount = int(rr.int("file_count"))
	if r, err := decodeRelease(rr.text("release")); err != nil {
		rr.fail("release", err)
	} else {
		s.Release = r
	}
	return s
}

func torrentOf(row Row) (domain.Torrent, error) {
	rr := rowReader{row: row}
	s := summaryOf(&rr)
	t := domain.Torrent{
		ID: s.ID, InfoHash: s.InfoHash, InfoHashV2: s.InfoHashV2, Name: s.Name, Size: s.Size,
		Category: s.Category, Seeders: s.Seeders, Leechers: s.Leechers, UploadedAt: s.UploadedAt,
		Trackers: s.Trackers, WebSeeds: s.WebSeeds, External: s.External, Release: s.Release,
		Description: rr.text("description"),
		CreatedAt:   rr.time("created_at"), UpdatedAt: rr.time("updated_at"),
	}
	var files []fileJSON
	list := rr.text("files")
	if packed := rr.text("files_packed"); packed != "" && rr.err == nil {
		var err error
		if list, err = unpackFiles(packed); err != nil {
			rr.fail("files_packed", err)
		}
	}
	if err := decodeJSONList(list, &files); err != nil {
		rr.fail("files", err)
	}
	for _, f := range files {
		t.Files = append(t.Files, domain.File(f))
	}
	if rr.err != nil {
		return domain.Torrent{}, rr.err
	}
	return t, nil
}

// decodeJSONList reads a stored JSON array; an empty one leaves the slice nil, as a normalized
// torrent without files or trackers has it.
func decodeJSONList[T any](raw string, into *[]T) error {
	if raw == "" || raw == "[]" {
		return nil
	}
	if err := json.Unmarshal([]byte(raw), into); err != nil {
		return err
	}
	if len(*into) == 0 {
		*into = nil
	}
	return nil
}

// anySlug makes a slug from a client sendable to D1: invalid UTF-8 cannot travel in JSON, and a slug
// holding it names no category, which the replacement keeps true.
func anySlug(slug string) string {
	return strings.ToValidUTF8(slug, "\uFFFD")
}

// nameKey is what the name sort compares, byte by byte: the name in lower case, beyond ASCII too.
func nameKey(name string) string { return strings.ToLower(name) }
