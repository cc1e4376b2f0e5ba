package postgres

import (
	"context"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/torrent-streamer/streamer/domain"
	"github.com/torrent-streamer/streamer/ports"
)

//go:embed presets
var presetFiles embed.FS

// Presets are the mappings shipped in the binary.
var Presets = []string{"better-auth", "bitmagnet"}

// Columns are what each kind's query must return (KeyColumn first); the optional ones may be left out.
var (
	KeyColumn = "key"
	required  = map[ports.ImportKind][]string{
		ports.ImportUsers:      {"email"},
		ports.ImportSessions:   {"token", "user_email", "expires_at"},
		ports.ImportCategories: {"name"},
		ports.ImportTorrents:   {"info_hash", "name"},
		ports.ImportActivities: {"user_email", "type", "created_at"},
	}
	optional = map[ports.ImportKind][]string{
		ports.ImportUsers:      {"name", "image", "password_hash", "created_at", "updated_at"},
		ports.ImportSessions:   {"created_at"},
		ports.ImportCategories: {"slug"},
		ports.ImportTorrents:   {"size", "category", "seeders", "leechers", "uploaded_at", "description", "file_paths", "file_sizes", "trackers", "web_seeds", "imdb_id", "tmdb_id", "tvdb_id"},
		ports.ImportActivities: {"info_hash", "query"},
	}
)

// Child mappings belong to a kind's rows. Each is read as its own stream, in the order of its
// parent_key, and merged in Go beside the kind's own stream, read in the order of its key (merge.go):
// PostgreSQL scans each table once in key order instead of looking a row's children up row by
// row. There are two sorts:
//   - lists (credentials.sql, files.sql, trackers.sql): many rows a parent, gathered into the
//     parent's list columns (for credentials, the first non-empty password hash) when the parent's
//     own row leaves them NULL;
//   - parts (KIND.NAME.sql, torrents.sources.sql for one): more of the kind's optional columns
//     from other tables; the first row a parent has (the lowest position) gives them, each value
//     that is not NULL replacing the parent row's own, so that the kind's query can give a default.
type child struct {
	file, parent ports.ImportKind
	// columns the child returns besides parentKey, each as text or a whole number; each gives the
	// parent's column of the same place in adds
	columns []string
	ints    []bool
	adds    []string
	// first: the parent takes the first non-empty value, not a list
	first bool
	// how a parent's rows are ordered when the child returns no position column: always the same
	// way, so that a second run finds the record unchanged
	order string
}

const (
	parentKey     = "parent_key"
	orderColumn   = "position"
	credentialsOf = "credentials"
	filesOf       = "files"
	trackersOf    = "trackers"
)

var children = []child{
	{file: credentialsOf, parent: ports.ImportUsers, columns: []string{"password_hash"}, ints: []bool{false}, adds: []string{"password_hash"}, first: true},
	{file: filesOf, parent: ports.ImportTorrents, columns: []string{"path", "size"}, ints: []bool{false, true}, adds: []string{"file_paths", "file_sizes"}, order: "c.path"},
	{file: trackersOf, parent: ports.ImportTorrents, columns: []string{"url"}, ints: []bool{false}, adds: []string{"trackers"}, order: "c.url"},
}

// listLimit bounds what a list gathers for one parent, so that memory stays bounded whatever a
// source holds: a parent with more rows is skipped and reported (ingest refuses more files anyway).
const listLimit = domain.MaxFiles

// partOf tells whether a mapping file's name (without .sql) is a part of a kind: KIND.NAME.
func partOf(stem string) (ports.ImportKind, bool) {
	kind, name, ok := strings.Cut(stem, ".")
	if !ok || !slices.Contains(ports.ImportKinds, ports.ImportKind(kind)) || name == "" {
		return "", false
	}
	for _, r := range name {
		if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '_' || r == '-') {
			return "", false
		}
	}
	return ports.ImportKind(kind), true
}

// mappingFiles names every file a --map directory may hold (besides the parts, KIND.NAME.sql).
func mappingFiles() []string {
	var names []string
	for _, k := range ports.ImportKinds {
		names = append(names, string(k)+".sql")
	}
	for _, c := range children {
		names = append(names, string(c.file)+".sql")
	}
	return names
}

// Source is ports.ImportSource over a PostgreSQL database.
type Source struct {
	conn    *pgx.Conn
	name    string
	queries map[ports.ImportKind]*query
}

var _ ports.ImportSource = (*Source)(nil)

// query is one kind's mapping, checked against the database: its columns, its key's type, and
// its child mappings.
type query struct {
	sql      string
	keyType  string
	keyClass keyClass
	// columns are where a row's values are: the mapping's own columns, then (after the read's
	// own key text) those only its children give; width is how many there are
	columns  map[string]int
	width    int
	children []*childQuery
}

// childQuery is a child mapping (a list or a part, see child) of a kind, checked against the
// database.
type childQuery struct {
	file   string // the mapping's file, for errors
	list   *child // nil for a part
	sql    string // SELECT c.parent_key, the columns it gives FROM (the mapping) c WHERE ...
	order  string // ORDER BY ...
	pkType string // parent_key's type, to resume after a key
	// targets are where each column after parent_key goes in the parent's row
	targets []int
}

// Open connects to the database at dsn and loads the mappings: the presets named (in order), then
// the files of mapDir (see mappingFiles), which replace a preset's of the same name. Each mapping
// is checked against the database before anything is read.
func Open(ctx context.Context, dsn string, presets []string, mapDir string) (*Source, error) {
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		return nil, fmt.Errorf("connect to PostgreSQL: %w", err)
	}
	s := &Source{conn: conn, queries: map[ports.ImportKind]*query{}}
	if err := s.load(ctx, presets, mapDir); err != nil {
		conn.Close(ctx)
		return nil, err
	}
	return s, nil
}

func (s *Source) load(ctx context.Context, presets []string, mapDir string) error {
	// The mappings are scans and lookups row by row, which JIT compilation does not speed;
	// compiling a large source's query cost a second of its own (EXPLAIN ANALYZE on 20,000
	// bitmagnet torrents: 1.0 s of 1.7 s). An old server without the setting keeps its default.
	_, _ = s.conn.Exec(ctx, "SET jit = off")
	texts := map[string]string{} // by file name without .sql
	for _, p := range presets {
		if err := s.loadPreset(ctx, p, texts); err != nil {
			return err
		}
	}
	if mapDir != "" {
		if err := loadDir(mapDir, texts); err != nil {
			return err
		}
	}
	if len(texts) == 0 {
		return errors.New("nothing to import: name a --preset (" + strings.Join(Presets, ", ") + ") or a --map directory")
	}
	digest := sha256.New()
	for _, kind := range ports.ImportKinds {
		text, ok := texts[string(kind)]
		if !ok {
			continue
		}
		fmt.Fprintf(digest, "%s\n%s\n", kind, text)
		q, err := s.check(ctx, kind, text)
		if err != nil {
			return err
		}
		if err := s.addChildren(ctx, kind, q, texts, digest); err != nil {
			return err
		}
		s.queries[kind] = q
	}
	for stem := range texts {
		parent, ok := partOf(stem)
		for _, c := range children {
			if string(c.file) == stem {
				parent, ok = c.parent, true
			}
		}
		if ok && s.queries[parent] == nil {
			return fmt.Errorf("%s mapping: it needs a %s mapping to belong to", stem, parent)
		}
	}
	cfg := s.conn.Config()
	// The mappings are part of the name: a changed mapping does not resume from another's keys.
	s.name = fmt.Sprintf("postgres://%s:%d/%s#%s", cfg.Host, cfg.Port, url.PathEscape(cfg.Database), hex.EncodeToString(digest.Sum(nil))[:12])
	return nil
}

// addChildren checks the child mappings of kind (its lists, then its parts in their names' order)
// and adds them to its query.
func (s *Source) addChildren(ctx context.Context, kind ports.ImportKind, q *query, texts map[string]string, digest io.Writer) error {
	type named struct {
		stem string
		list *child
	}
	var found []named
	for i, c := range children {
		if _, ok := texts[string(c.file)]; ok && c.parent == kind {
			found = append(found, named{string(c.file), &children[i]})
		}
	}
	var parts []string
	for stem := range texts {
		if k, ok := partOf(stem); ok && k == kind {
			parts = append(parts, stem)
		}
	}
	slices.Sort(parts)
	for _, p := range parts {
		found = append(found, named{stem: p})
	}
	if len(found) == 0 {
		return nil
	}
	if q.keyClass == keyUnsupported {
		return fmt.Errorf("%s mapping: its key is %s; with child mappings (%s.sql) the key must be text, varchar, bytea, uuid or a whole number, which the import matches in order (cast it, e.g. key::text)", kind, q.keyType, found[0].stem)
	}
	// Child mappings are merged in key order (text keys in the "C" collation): a run of an older
	// import, which joined them in PostgreSQL in the key's own order, does not resume here.
	fmt.Fprintf(digest, "merged in key order\n")
	given := map[string]string{} // a parent's column, by the child that gives it
	for _, f := range found {
		text := strings.TrimRight(strings.TrimSpace(texts[f.stem]), ";")
		fmt.Fprintf(digest, "%s\n%s\n", f.stem, text)
		file := f.stem + ".sql"
		fields, err := s.fields(ctx, text)
		if err != nil {
			return fmt.Errorf("%s mapping: %w", f.stem, err)
		}
		cols := map[string]pgconn.FieldDescription{}
		for _, fd := range fields {
			cols[fd.Name] = fd
		}
		pk, ok := cols[parentKey]
		if !ok {
			return fmt.Errorf("%s mapping: it returns no %q column (the key of its %s row)", f.stem, parentKey, kind)
		}
		if classOf(pk.DataTypeOID) != q.keyClass {
			pkType, _ := s.typeName(ctx, pk.DataTypeOID)
			return fmt.Errorf("%s mapping: its parent_key is %s and the %s mapping's key %s: return them as the same kind of type (both text, both bytea, both uuid or both whole numbers)", f.stem, pkType, kind, q.keyType)
		}
		cq := &childQuery{file: file, list: f.list}
		if cq.pkType, err = s.typeName(ctx, pk.DataTypeOID); err != nil {
			return fmt.Errorf("%s mapping: %w", f.stem, err)
		}
		var selected, gives []string
		order := ""
		if f.list != nil {
			c := f.list
			for i, col := range c.columns {
				fd, ok := cols[col]
				if !ok {
					return fmt.Errorf("%s mapping: it returns no %q column (it must return %s, the key of its %s row; it may return %s)",
						f.stem, col, strings.Join(append([]string{parentKey}, c.columns...), ", "), c.parent, orderColumn)
				}
				if c.ints[i] && classOf(fd.DataTypeOID) != keyInteger {
					return fmt.Errorf("%s mapping: its %q is not a whole number (smallint, integer or bigint): cast it (%s::bigint)", f.stem, col, col)
				}
				if !c.ints[i] && classOf(fd.DataTypeOID) != keyText {
					return fmt.Errorf("%s mapping: its %q is not text: cast it (%s::text)", f.stem, col, col)
				}
			}
			selected, gives, order = c.columns, c.adds, c.order
		} else {
			for _, fd := range fields {
				switch {
				case fd.Name == parentKey || fd.Name == orderColumn:
				case slices.Contains(optional[kind], fd.Name):
					selected = append(selected, fd.Name)
				default:
					return fmt.Errorf("%s mapping: it returns %q, which is not one of the %s columns it may give (%s; and %s, %s)",
						f.stem, fd.Name, kind, strings.Join(optional[kind], ", "), parentKey, orderColumn)
				}
			}
			gives = selected
		}
		if _, ok := cols[orderColumn]; ok {
			order = "c." + orderColumn
		}
		for _, col := range gives {
			if other, clash := given[col]; clash {
				return fmt.Errorf("%s mapping: it gives %q, and %s gives it too: keep one", f.stem, col, other)
			}
			given[col] = file
			at, ok := q.columns[col]
			if !ok {
				at = q.width
				q.columns[col] = at
				q.width++
			}
			cq.targets = append(cq.targets, at)
		}
		quoted := []string{"c." + parentKey}
		for _, col := range selected {
			quoted = append(quoted, "c."+pgx.Identifier{col}.Sanitize())
		}
		cq.sql = "SELECT " + strings.Join(quoted, ", ") + " FROM (" + text + ") c WHERE c." + parentKey + " IS NOT NULL"
		cq.order = " ORDER BY c." + parentKey + q.keyClass.collate()
		if order != "" {
			cq.order += ", " + order
		}
		q.children = append(q.children, cq)
	}
	return nil
}

// fields runs a query for no rows and returns its columns.
func (s *Source) fields(ctx context.Context, text string) ([]pgconn.FieldDescription, error) {
	rows, err := s.conn.Query(ctx, "SELECT * FROM ("+text+") m LIMIT 0")
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	fields := slices.Clone(rows.FieldDescriptions())
	rows.Close()
	return fields, rows.Err()
}

// typeName is a type's name as SQL writes it.
func (s *Source) typeName(ctx context.Context, oid uint32) (string, error) {
	var name string
	err := s.conn.QueryRow(ctx, "SELECT format_type($1::oid, NULL)", oid).Scan(&name)
	return name, err
}

func (s *Source) loadPreset(ctx context.Context, name string, into map[string]string) error {
	dir := "presets/" + name
	switch name {
	case "better-auth":
		style, err := s.betterAuthStyle(ctx)
		if err != nil {
			return err
		}
		dir += "/" + style
	case "bitmagnet":
	default:
		return fmt.Errorf("--preset %q: no such preset (there are: %s)", name, strings.Join(Presets, ", "))
	}
	entries, err := fs.ReadDir(presetFiles, dir)
	if err != nil {
		return err
	}
	for _, e := range entries {
		raw, err := presetFiles.ReadFile(dir + "/" + e.Name())
		if err != nil {
			return err
		}
		into[strings.TrimSuffix(e.Name(), ".sql")] = string(raw)
	}
	return nil
}

// betterAuthStyle tells how Better Auth's Drizzle schema names columns here: "snake" (the
// generator's default) or "camel", from the user table's columns.
func (s *Source) betterAuthStyle(ctx context.Context) (string, error) {
	var snake, camel bool
	err := s.conn.QueryRow(ctx, `SELECT
    EXISTS (SELECT 1 FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = 'user' AND column_name = 'created_at'),
    EXISTS (SELECT 1 FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = 'user' AND column_name = 'createdAt')`).Scan(&snake, &camel)
	switch {
	case err != nil:
		return "", fmt.Errorf("--preset better-auth: read the schema: %w", err)
	case snake:
		return "snake", nil
	case camel:
		return "camel", nil
	}
	return "", errors.New(`--preset better-auth: no Better Auth "user" table (with created_at or createdAt) in the current schema`)
}

func loadDir(dir string, into map[string]string) error {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return fmt.Errorf("--map: %w", err)
	}
	for _, e := range entries {
		stem := strings.TrimSuffix(e.Name(), ".sql")
		if e.IsDir() || !strings.HasSuffix(e.Name(), ".sql") {
			continue
		}
		if _, part := partOf(stem); !part && !slices.Contains(mappingFiles(), e.Name()) {
			return fmt.Errorf("--map: %s: no such kind (the files are %s, and KIND.NAME.sql for more of a kind's columns, NAME in a-z, 0-9, _ and -)", e.Name(), strings.Join(mappingFiles(), ", "))
		}
		raw, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			return fmt.Errorf("--map: %w", err)
		}
		into[stem] = string(raw)
	}
	return nil
}

// check runs a mapping for no rows, to learn its columns and its key's type; a missing column is
// an error naming it.
func (s *Source) check(ctx context.Context, kind ports.ImportKind, text string) (*query, error) {
	text = strings.TrimRight(strings.TrimSpace(text), ";")
	rows, err := s.conn.Query(ctx, "SELECT * FROM ("+text+") m LIMIT 0")
	if err != nil {
		return nil, fmt.Errorf("%s mapping: %w", kind, err)
	}
	fields := rows.FieldDescriptions()
	rows.Close()
	// Beside the mapping's columns, a read returns the key as text (see Read).
	q := &query{sql: text, columns: map[string]int{}, width: len(fields) + 1}
	var keyOID uint32
	for i, f := range fields {
		q.columns[f.Name] = i
		if f.Name == KeyColumn {
			keyOID = f.DataTypeOID
		}
	}
	for _, col := range append([]string{KeyColumn}, required[kind]...) {
		if _, ok := q.columns[col]; !ok {
			return nil, fmt.Errorf("%s mapping: it returns no %q column (it must return %s; it may return %s)",
				kind, col, strings.Join(append([]string{KeyColumn}, required[kind]...), ", "), strings.Join(optional[kind], ", "))
		}
	}
	q.keyClass = classOf(keyOID)
	if q.keyType, err = s.typeName(ctx, keyOID); err != nil {
		return nil, fmt.Errorf("%s mapping: the key's type: %w", kind, err)
	}
	return q, nil
}

// Name implements ports.ImportSource.
func (s *Source) Name() string { return s.name }

// Kinds implements ports.ImportSource.
func (s *Source) Kinds() []ports.ImportKind {
	var kinds []ports.ImportKind
	for _, k := range ports.ImportKinds {
		if _, ok := s.queries[k]; ok {
			kinds = append(kinds, k)
		}
	}
	return kinds
}

// Estimate is the planner's row estimate (pg_class.reltuples underneath): it costs nothing however
// large the table, where count(*) would read it all.
func (s *Source) Estimate(ctx context.Context, kind ports.ImportKind) (int64, error) {
	q, ok := s.queries[kind]
	if !ok {
		return 0, nil
	}
	var plan []byte
	if err := s.conn.QueryRow(ctx, "EXPLAIN (FORMAT JSON) SELECT * FROM ("+q.sql+") m").Scan(&plan); err != nil {
		return -1, nil
	}
	var doc []struct {
		Plan struct {
			Rows float64 `json:"Plan Rows"`
		} `json:"Plan"`
	}
	if json.Unmarshal(plan, &doc) != nil || len(doc) == 0 {
		return -1, nil
	}
	return int64(doc[0].Plan.Rows), nil
}

// Read implements ports.ImportSource: one query in key order, its rows decoded as they arrive,
// merged with its child mappings' streams when it has some (children.go).
func (s *Source) Read(ctx context.Context, kind ports.ImportKind, after string, each func(ports.SourceRecord) error) error {
	q, ok := s.queries[kind]
	if !ok {
		return nil
	}
	// pgx cancels a query by closing its connection: a read whose context has ended already does
	// not begin, so that the source still reads afterwards.
	if err := ctx.Err(); err != nil {
		return err
	}
	// With children the keys are read in the order the merge compares them (text in the "C"
	// collation), without in the key's own.
	collate := ""
	if len(q.children) > 0 {
		collate = q.keyClass.collate()
	}
	// The key goes out as text and comes back through the key's own type, so any ordered type
	// (text, uuid, bigint, bytea) resumes with an index range on it.
	sql := `SELECT m.*, m.key::text AS "__key" FROM (` + q.sql + `) m`
	var args []any
	if after != "" {
		sql += ` WHERE m.key > CAST($1::text AS ` + q.keyType + `)` + collate
		args = append(args, after)
	}
	sql += " ORDER BY m.key" + collate
	var conn interface {
		Query(context.Context, string, ...any) (pgx.Rows, error)
	} = s.conn
	var m *merged
	if len(q.children) > 0 {
		var err error
		if m, err = s.openChildren(ctx, string(kind), q, after); err != nil {
			return err
		}
		defer m.close()
		if m.tx != nil {
			conn = m.tx
		}
	}
	rows, err := conn.Query(ctx, sql, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	fields := rows.FieldDescriptions()
	keyAt, textKeyAt := q.columns[KeyColumn], len(fields)-1
	dest := scanTargets(fields)
	var key []byte
	for rows.Next() {
		if err := rows.Scan(dest...); err != nil {
			return err
		}
		values := valuesOf(dest)
		textKey, _ := values[textKeyAt].(string)
		problem := ""
		if m != nil {
			values = append(values, make([]any, q.width-len(values))...)
			raw := rows.RawValues()[keyAt]
			key = key[:0]
			if raw != nil {
				if key, err = keyOf(key, q.keyClass, fields[keyAt].Format, raw); err != nil {
					return fmt.Errorf("%s mapping: key: %w", kind, err)
				}
			} else {
				key = nil
			}
			if err := m.merger.align(key); err != nil {
				return err
			}
			problem = m.row(values)
		}
		r := row{values: values, columns: q.columns}
		rec := ports.SourceRecord{Key: textKey}
		switch kind {
		case ports.ImportUsers:
			rec.User = r.user()
		case ports.ImportSessions:
			rec.Session = r.session()
		case ports.ImportCategories:
			rec.Category = r.category()
		case ports.ImportTorrents:
			rec.Torrent = r.torrent()
		case ports.ImportActivities:
			rec.Activity = r.activity()
		}
		if problem == "" {
			problem = r.problem
		}
		if problem != "" {
			rec = ports.SourceRecord{Key: textKey, Problem: problem}
		}
		if err := each(rec); err != nil {
			return err
		}
	}
	return rows.Err()
}

// Close implements ports.ImportSource.
func (s *Source) Close() error { return s.conn.Close(context.Background()) }

// scanTargets are where a row's columns are scanned: a list of text or of whole numbers (a
// torrent's file paths and sizes, ten values a row or more) into a typed slice, every other column
// as pgx decodes it by its type (rows.Values). The typed slices spare a boxed value an element: at
// ten files a torrent, a sixth of the reader's allocations.
func scanTargets(fields []pgconn.FieldDescription) []any {
	dest := make([]any, len(fields))
	for i, f := range fields {
		switch f.DataTypeOID {
		case pgtype.TextArrayOID, pgtype.VarcharArrayOID, pgtype.BPCharArrayOID:
			dest[i] = new([]pgtype.Text)
		case pgtype.Int8ArrayOID, pgtype.Int4ArrayOID, pgtype.Int2ArrayOID:
			dest[i] = new([]pgtype.Int8)
		default:
			dest[i] = new(any)
		}
	}
	return dest
}

// valuesOf reads what a row was scanned into (see scanTargets) as the row reader takes it: a list
// as its typed slice, nil for NULL, anything else as pgx decoded it.
func valuesOf(dest []any) []any {
	values := make([]any, len(dest))
	for i, d := range dest {
		switch d := d.(type) {
		case *any:
			values[i] = *d
		case *[]pgtype.Text:
			if *d != nil {
				values[i] = *d
			}
		case *[]pgtype.Int8:
			if *d != nil {
				values[i] = *d
			}
		}
	}
	return values
}
