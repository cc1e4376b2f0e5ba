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

// Child mappings are read with their parent's rows: a credential with its user, files and trackers
// with their torrent. Each returns the parent's key in parentKey; PostgreSQL joins it to the parent's
// row (a LATERAL aggregate), so an import still reads one stream per kind, in key order.
type child struct {
	file, parent ports.ImportKind
	// columns the child returns besides parentKey; order, when it returns it, orders a list
	columns []string
	// what it adds to the parent's row; the parent's mapping must not return these itself
	adds []string
	// the LATERAL select over the child's rows c (the parent's row is m)
	lateral string
	// how a list is ordered when the child returns no position column: always the same way, so
	// that a second run finds the torrent unchanged
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
	{file: credentialsOf, parent: ports.ImportUsers, columns: []string{"password_hash"}, adds: []string{"password_hash"},
		lateral: `SELECT c.password_hash FROM (%s) c WHERE c.parent_key = m.key AND c.password_hash IS NOT NULL AND c.password_hash <> '' %s LIMIT 1`},
	{file: filesOf, parent: ports.ImportTorrents, columns: []string{"path", "size"}, adds: []string{"file_paths", "file_sizes"},
		lateral: `SELECT array_agg(c.path %[2]s) AS file_paths, array_agg(c.size %[2]s) AS file_sizes FROM (%[1]s) c WHERE c.parent_key = m.key`,
		order:   "ORDER BY c.path"},
	{file: trackersOf, parent: ports.ImportTorrents, columns: []string{"url"}, adds: []string{"trackers"},
		lateral: `SELECT array_agg(c.url %[2]s) AS trackers FROM (%[1]s) c WHERE c.parent_key = m.key`,
		order:   "ORDER BY c.url"},
}

// mappingFiles names every file a --map directory may hold.
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

// query is one kind's mapping, checked against the database: its columns and its key's type.
type query struct {
	sql     string
	keyType string
	columns map[string]int
}

// Open connects to the database at dsn and loads the mappings: the presets named (in order), then
// the files of mapDir (see mappingFiles), which replace a preset's of the same kind. Each mapping is
// checked against the database before anything is read.
func Open(ctx context.Context, dsn string, presets []string, mapDir string) (*Source, error) {
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		return nil, fmt.Errorf("connect to PostgreSQL: %w", err)
	}
	// The mappings are index lookups row by row, which JIT compilation does not speed; compiling a
	// large source's query cost a second of its own (EXPLAIN ANALYZE on 20,000 bitmagnet torrents:
	// 1.0 s of 1.7 s). An old server without the setting just keeps its default.
	_, _ = conn.Exec(ctx, "SET jit = off")
	s := &Source{conn: conn, queries: map[ports.ImportKind]*query{}}
	texts := map[ports.ImportKind]string{}
	for _, p := range presets {
		if err := s.loadPreset(ctx, p, texts); err != nil {
			conn.Close(ctx)
			return nil, err
		}
	}
	if mapDir != "" {
		if err := loadDir(mapDir, texts); err != nil {
			conn.Close(ctx)
			return nil, err
		}
	}
	if len(texts) == 0 {
		conn.Close(ctx)
		return nil, errors.New("nothing to import: name a --preset (" + strings.Join(Presets, ", ") + ") or a --map directory")
	}
	digest := sha256.New()
	for _, kind := range ports.ImportKinds {
		text, ok := texts[kind]
		if !ok {
			continue
		}
		fmt.Fprintf(digest, "%s\n%s\n", kind, text)
		text, err = s.withChildren(ctx, kind, text, texts, digest)
		if err != nil {
			conn.Close(ctx)
			return nil, err
		}
		q, err := s.check(ctx, kind, text)
		if err != nil {
			conn.Close(ctx)
			return nil, err
		}
		s.queries[kind] = q
	}
	for _, c := range children {
		if _, ok := texts[c.file]; ok && s.queries[c.parent] == nil {
			conn.Close(ctx)
			return nil, fmt.Errorf("%s mapping: it needs a %s mapping to belong to", c.file, c.parent)
		}
	}
	cfg := conn.Config()
	// The mappings are part of the name: a changed mapping does not resume from another's keys.
	s.name = fmt.Sprintf("postgres://%s:%d/%s#%s", cfg.Host, cfg.Port, url.PathEscape(cfg.Database), hex.EncodeToString(digest.Sum(nil))[:12])
	return s, nil
}

// withChildren joins the child mappings of kind (see children) to its mapping text.
func (s *Source) withChildren(ctx context.Context, kind ports.ImportKind, text string, texts map[ports.ImportKind]string, digest io.Writer) (string, error) {
	var parent *query
	out := "SELECT m.*"
	var joins strings.Builder
	for i, c := range children {
		childText, ok := texts[c.file]
		if c.parent != kind || !ok {
			continue
		}
		fmt.Fprintf(digest, "%s\n%s\n", c.file, childText)
		if parent == nil {
			var err error
			if parent, err = s.check(ctx, kind, text); err != nil {
				return "", err
			}
		}
		for _, col := range c.adds {
			if _, clash := parent.columns[col]; clash {
				return "", fmt.Errorf("%s mapping: it returns %q, and %s.sql gives it too: keep one", kind, col, c.file)
			}
		}
		childText = strings.TrimRight(strings.TrimSpace(childText), ";")
		columns, err := s.columns(ctx, childText)
		if err != nil {
			return "", fmt.Errorf("%s mapping: %w", c.file, err)
		}
		for _, col := range append([]string{parentKey}, c.columns...) {
			if _, ok := columns[col]; !ok {
				return "", fmt.Errorf("%s mapping: it returns no %q column (it must return %s, the key of its %s row; it may return %s)",
					c.file, col, strings.Join(append([]string{parentKey}, c.columns...), ", "), c.parent, orderColumn)
			}
		}
		order := c.order
		if _, ok := columns[orderColumn]; ok {
			order = "ORDER BY c." + orderColumn
		}
		alias := fmt.Sprintf("c%d", i)
		fmt.Fprintf(&joins, "\nLEFT JOIN LATERAL (%s) %s ON true", fmt.Sprintf(c.lateral, childText, order), alias)
		for _, col := range c.adds {
			out += ", " + alias + "." + col
		}
	}
	if parent == nil {
		return text, nil
	}
	return out + " FROM (" + strings.TrimRight(strings.TrimSpace(text), ";") + ") m" + joins.String(), nil
}

// columns runs a query for no rows and returns its columns by name.
func (s *Source) columns(ctx context.Context, text string) (map[string]int, error) {
	rows, err := s.conn.Query(ctx, "SELECT * FROM ("+text+") m LIMIT 0")
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]int{}
	for i, f := range rows.FieldDescriptions() {
		out[f.Name] = i
	}
	return out, rows.Err()
}

func (s *Source) loadPreset(ctx context.Context, name string, into map[ports.ImportKind]string) error {
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
		into[ports.ImportKind(strings.TrimSuffix(e.Name(), ".sql"))] = string(raw)
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

func loadDir(dir string, into map[ports.ImportKind]string) error {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return fmt.Errorf("--map: %w", err)
	}
	for _, e := range entries {
		kind := ports.ImportKind(strings.TrimSuffix(e.Name(), ".sql"))
		if e.IsDir() || !strings.HasSuffix(e.Name(), ".sql") {
			continue
		}
		if !slices.Contains(mappingFiles(), e.Name()) {
			return fmt.Errorf("--map: %s: no such kind (the files are %s)", e.Name(), strings.Join(mappingFiles(), ", "))
		}
		raw, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			return fmt.Errorf("--map: %w", err)
		}
		into[kind] = string(raw)
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
	q := &query{sql: text, columns: map[string]int{}}
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
	if err := s.conn.QueryRow(ctx, "SELECT format_type($1::oid, NULL)", keyOID).Scan(&q.keyType); err != nil {
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

// Read implements ports.ImportSource: one query in key order, its rows decoded as they arrive.
func (s *Source) Read(ctx context.Context, kind ports.ImportKind, after string, each func(ports.SourceRecord) error) error {
	q, ok := s.queries[kind]
	if !ok {
		return nil
	}
	// The key goes out as text and comes back through the key's own type, so any ordered type
	// (text, uuid, bigint, bytea) resumes with an index range on it.
	sql := `SELECT m.*, m.key::text AS "__key" FROM (` + q.sql + `) m`
	var args []any
	if after != "" {
		sql += ` WHERE m.key > CAST($1::text AS ` + q.keyType + `)`
		args = append(args, after)
	}
	sql += " ORDER BY m.key"
	rows, err := s.conn.Query(ctx, sql, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	fields := rows.FieldDescriptions()
	keyAt := len(fields) - 1
	dest := scanTargets(fields)
	for rows.Next() {
		if err := rows.Scan(dest...); err != nil {
			return err
		}
		values := valuesOf(dest)
		r := row{values: values, columns: q.columns}
		key, _ := values[keyAt].(string)
		rec := ports.SourceRecord{Key: key}
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
		if r.problem != "" {
			rec = ports.SourceRecord{Key: key, Problem: r.problem}
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
