package migration_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	_ "modernc.org/sqlite"

	"github.com/torrent-streamer/streamer/application/migration"
	"github.com/torrent-streamer/streamer/bootstrap"
	"github.com/torrent-streamer/streamer/ports"
	"github.com/torrent-streamer/streamer/tests/pgtest"
)

const secret = "a-better-auth-secret-of-32-bytes-or-more"

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

// sources is one PostgreSQL server with the three seeded databases.
type sources struct {
	snake, camel, bitmagnet string
}

func seed(t *testing.T, torrents int) sources {
	t.Helper()
	pg := pgtest.Start(t)
	s := sources{
		snake: pg.CreateDatabase(t, "ba_snake"), camel: pg.CreateDatabase(t, "ba_camel"), bitmagnet: pg.CreateDatabase(t, "bitmagnet"),
	}
	pgtest.Exec(t, s.snake, pgtest.BetterAuthSchema(false)+pgtest.BetterAuthRows("snake", false))
	pgtest.Exec(t, s.camel, pgtest.BetterAuthSchema(true)+pgtest.BetterAuthRows("camel", true))
	pgtest.Exec(t, s.bitmagnet, pgtest.BitmagnetSchema+pgtest.BitmagnetRows(torrents))
	return s
}

func config(t *testing.T) bootstrap.Config {
	return bootstrap.Config{R1Database: filepath.Join(t.TempDir(), "streamer.db"), AuthSecret: secret, LogLevel: "error"}
}

func importFrom(t *testing.T, cfg bootstrap.Config, from string, opts bootstrap.ImportOptions) migration.Report {
	t.Helper()
	opts.From = from
	report, err := bootstrap.Import(context.Background(), cfg, quiet, opts)
	if err != nil {
		t.Fatalf("import from %s: %v", from, err)
	}
	return report
}

func kind(t *testing.T, r migration.Report, k ports.ImportKind) migration.KindReport {
	t.Helper()
	for _, kr := range r.Kinds {
		if kr.Kind == k {
			return kr
		}
	}
	t.Fatalf("no %s in the report", k)
	return migration.KindReport{}
}

// dump is the database's content as text: users, sessions, the catalog and the categories, every
// column but a torrent's revision and updated_at (which count writes, not content), and its file
// list however it is stored (JSON in files, or packed: migration 0039).
func dump(t *testing.T, path string) string {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+path+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var b strings.Builder
	for _, q := range []string{
		"SELECT id, email, name, image, password_hash, created_at, updated_at FROM users ORDER BY id",
		"SELECT id, user_id, created_at, expires_at FROM sessions ORDER BY id",
		"SELECT id, info_hash, coalesce(info_hash_v2, ''), name, size, category_id, seeders, leechers, uploaded_at, description, files, hex(files_packed), coalesce(file_count, -1), trackers, web_seeds, coalesce(imdb_id, ''), coalesce(tmdb_id, 0), coalesce(tvdb_id, 0) FROM torrents ORDER BY id",
		"SELECT id, slug, name FROM categories ORDER BY id",
		"SELECT count(*) FROM import_checkpoints",
	} {
		rows, err := db.Query(q)
		if err != nil {
			t.Fatal(err)
		}
		cols, _ := rows.Columns()
		for rows.Next() {
			vals := make([]any, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			if err := rows.Scan(ptrs...); err != nil {
				t.Fatal(err)
			}
			fmt.Fprintln(&b, vals...)
		}
		rows.Close()
		b.WriteString("--\n")
	}
	return b.String()
}

// query returns the one row of a read of the database at path, as text.
func query(t *testing.T, path, q string) string {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+path+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var a, b, c any
	if err := db.QueryRow(q).Scan(&a, &b, &c); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	return fmt.Sprint(a, " ", b, " ", c)
}

// execSQL changes the database at path behind the service's back.
func execSQL(t *testing.T, path, q string) {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec(q); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
}

func TestImportFromBetterAuthAndBitmagnet(t *testing.T) {
	src := seed(t, 300)
	cfg := config(t)
	if err := bootstrap.Migrate(context.Background(), cfg, quiet); err != nil {
		t.Fatal(err)
	}
	empty := dump(t, cfg.DatabasePath())

	// A dry run reads and checks everything and writes nothing.
	dry := importFrom(t, cfg, src.bitmagnet, bootstrap.ImportOptions{Presets: []string{"bitmagnet"}, DryRun: true})
	importFrom(t, cfg, src.snake, bootstrap.ImportOptions{Presets: []string{"better-auth"}, DryRun: true})
	if got := dump(t, cfg.DatabasePath()); got != empty {
		t.Fatalf("a dry run wrote:\n%s", got)
	}
	if tr := kind(t, dry, ports.ImportTorrents); tr.Read != 303 || tr.Created != 300 || tr.Skipped != 3 {
		t.Fatalf("dry run: %+v", tr)
	}

	reportFile := filepath.Join(t.TempDir(), "report.json")
	snake := importFrom(t, cfg, src.snake, bootstrap.ImportOptions{Presets: []string{"better-auth"}, ReportFile: reportFile})
	camel := importFrom(t, cfg, src.camel, bootstrap.ImportOptions{Presets: []string{"better-auth"}})
	bm := importFrom(t, cfg, src.bitmagnet, bootstrap.ImportOptions{Presets: []string{"bitmagnet"}})
	for name, r := range map[string]migration.Report{"snake": snake, "camel": camel} {
		users, sessions := kind(t, r, ports.ImportUsers), kind(t, r, ports.ImportSessions)
		if users.Read != 4 || users.Created != 2 || users.Skipped != 2 || users.WithoutPassword != 1 {
			t.Fatalf("%s users: %+v", name, users)
		}
		reasons := fmt.Sprint(users.Reasons)
		if !strings.Contains(reasons, "email") || !strings.Contains(reasons, "passwordHash") {
			t.Fatalf("%s: the skipped users must say why: %s", name, reasons)
		}
		if sessions.Read != 3 || sessions.Created != 1 || sessions.Skipped != 2 {
			t.Fatalf("%s sessions: %+v", name, sessions)
		}
	}
	torrents := kind(t, bm, ports.ImportTorrents)
	if torrents.Read != 303 || torrents.Created != 300 || torrents.Skipped != 3 {
		t.Fatalf("torrents: %+v", torrents)
	}
	reasons := fmt.Sprint(torrents.Reasons)
	for _, want := range []string{"name", "size", "infoHash"} {
		if !strings.Contains(reasons, want) {
			t.Fatalf("the skipped torrents must name %s: %s", want, reasons)
		}
	}
	// bitmagnet's external ids: the content's own (content_source, content_id) and its attributes;
	// a malformed IMDb id is left out, the torrent kept.
	for hash, want := range map[int]string{
		18: "tt0000018 118 <nil>",   // a movie of TMDB's, its IMDb id an attribute
		9:  "<nil> 109 <nil>",       // the same, its IMDb attribute malformed
		10: "<nil> 210 310",         // a TV show of TMDB's, its TVDB id an attribute
		2:  "tt0000002 <nil> <nil>", // IMDb's own content
		3:  "<nil> <nil> <nil>",     // no content id
	} {
		q := fmt.Sprintf("SELECT imdb_id, tmdb_id, tvdb_id FROM torrents WHERE info_hash = '%040x'", hash)
		if got := query(t, cfg.DatabasePath(), q); got != want {
			t.Errorf("torrent %d's external ids: %s, want %s", hash, got, want)
		}
	}
	if raw, err := os.ReadFile(reportFile); err != nil || !strings.Contains(string(raw), `"withoutPassword": 1`) {
		t.Fatalf("--report: %s %v", raw, err)
	}
	imported := dump(t, cfg.DatabasePath())

	// A second run creates nothing, updates nothing (every record is reported unchanged), and
	// writes nothing: the torrents' revisions and updated times (set back here, so that a write in
	// the same second shows) stay as they are.
	execSQL(t, cfg.DatabasePath(), "UPDATE torrents SET updated_at = 1")
	const writes = "SELECT sum(revision), count(*), sum(updated_at = 1) FROM torrents"
	before := query(t, cfg.DatabasePath(), writes)
	again := importFrom(t, cfg, src.bitmagnet, bootstrap.ImportOptions{Presets: []string{"bitmagnet"}})
	againUsers := importFrom(t, cfg, src.snake, bootstrap.ImportOptions{Presets: []string{"better-auth"}})
	for _, r := range []migration.Report{again, againUsers} {
		for _, k := range r.Kinds {
			if k.Created != 0 || k.Updated != 0 || k.Unchanged != k.Read-k.Skipped || k.Unchanged == 0 {
				t.Fatalf("a second run of %s: %+v, want every record read and kept unchanged", k.Kind, k)
			}
		}
	}
	if after := query(t, cfg.DatabasePath(), writes); after != before || !strings.HasSuffix(after, " 300 300") {
		t.Fatalf("a second run wrote torrents: revisions, rows, untouched rows were %s, are %s", before, after)
	}
	if got := dump(t, cfg.DatabasePath()); got != imported {
		t.Fatalf("a second run changed the content")
	}

	checkService(t, cfg)
}

// checkService signs in and searches through the service's own REST API over the imported data.
func checkService(t *testing.T, cfg bootstrap.Config) {
	svc, err := bootstrap.New(context.Background(), cfg, quiet)
	if err != nil {
		t.Fatal(err)
	}
	defer svc.Close()
	call := func(method, target, body string, headers ...string) (int, string, http.Header) {
		req := httptest.NewRequest(method, target, strings.NewReader(body))
		if body != "" {
			req.Header.Set("Content-Type", "application/json")
		}
		for i := 0; i+1 < len(headers); i += 2 {
			req.Header.Set(headers[i], headers[i+1])
		}
		resp, err := svc.App.Test(req, -1)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		raw, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(raw), resp.Header
	}
	signIn := func(email, password string) (int, string) {
		status, body, _ := call(http.MethodPost, "/api/auth/sign-in", `{"email":"`+email+`","password":"`+password+`"}`)
		return status, body
	}

	// The legacy password signs in, and the stored hash is then argon2id.
	if status, body := signIn("snake.ada@example.com", "correcthorsebatterystaple"); status != http.StatusOK {
		t.Fatalf("legacy sign-in: %d %s", status, body)
	}
	if hash := column(t, cfg, "SELECT password_hash FROM users WHERE email = 'snake.ada@example.com'"); !strings.HasPrefix(hash, "$argon2id$") {
		t.Fatalf("after sign-in the hash is not argon2id (%d bytes)", len(hash))
	}
	if status, body := signIn("snake.ada@example.com", "correcthorsebatterystaple"); status != http.StatusOK {
		t.Fatalf("second sign-in with the upgraded hash: %d %s", status, body)
	}
	// A wrong password fails as an unknown email does.
	wrongStatus, wrong := signIn("camel.ada@example.com", "not the password")
	unknownStatus, unknown := signIn("nobody@example.com", "not the password")
	if wrongStatus != http.StatusUnauthorized || unknownStatus != wrongStatus || problemCode(wrong) != problemCode(unknown) {
		t.Fatalf("wrong password %d %s; unknown email %d %s", wrongStatus, wrong, unknownStatus, unknown)
	}
	// The OAuth-only user has no password to sign in with.
	if status, _ := signIn("snake.oauth@example.com", "correcthorsebatterystaple"); status != http.StatusUnauthorized {
		t.Fatalf("password-less user: %d", status)
	}

	// The imported sessions: the old token as a bearer, and Better Auth's signed cookie.
	for _, prefix := range []string{"snake", "camel"} {
		token := prefix + "-live-token-0123456789abcdef"
		if status, body, _ := call(http.MethodGet, "/api/auth/me", "", "Authorization", "Bearer "+token); status != http.StatusOK || !strings.Contains(body, prefix+".ada@example.com") {
			t.Fatalf("%s bearer: %d %s", prefix, status, body)
		}
		status, _, header := call(http.MethodGet, "/api/auth/me", "", "Cookie", "__Secure-better-auth.session_token="+pgtest.SignedCookie(token, secret))
		if status != http.StatusOK || !strings.Contains(strings.Join(header.Values("Set-Cookie"), ";"), "session_token="+token) {
			t.Fatalf("%s signed cookie: %d, set-cookie %v", prefix, status, header.Values("Set-Cookie"))
		}
		if status, _, _ := call(http.MethodGet, "/api/auth/me", "", "Cookie", "better-auth.session_token="+pgtest.SignedCookie(token, secret+"x")); status != http.StatusUnauthorized {
			t.Fatalf("%s cookie with a bad signature: %d", prefix, status)
		}
		if status, _, _ := call(http.MethodGet, "/api/auth/me", "", "Authorization", "Bearer "+prefix+"-old-token-0123456789abcdef"); status != http.StatusUnauthorized {
			t.Fatalf("%s: an expired session was imported: %d", prefix, status)
		}
	}

	// The catalog: by name, by a file's path, with its files and category.
	if status, body, _ := call(http.MethodGet, "/api/torrents/search?q=Torrent+number+17", ""); status != http.StatusOK || !strings.Contains(body, "Torrent number 17.mkv") {
		t.Fatalf("search by name: %d %s", status, body)
	}
	if status, body, _ := call(http.MethodGet, "/api/torrents/search?q=episode2", ""); status != http.StatusOK || !strings.Contains(body, " Pack") {
		t.Fatalf("search by a file's path: %d %s", status, body)
	}
	hash := fmt.Sprintf("%040x", 10)
	if status, body, _ := call(http.MethodGet, "/api/torrents/"+hash, ""); status != http.StatusOK ||
		!strings.Contains(body, "Pack 10/episode0.mkv") || !strings.Contains(body, "Pack 10/episode2.mkv") || !strings.Contains(body, `"slug":"tv"`) {
		t.Fatalf("details of a multi-file torrent (content type tv_show: tv): %d %s", status, body)
	} else if strings.Index(body, "episode2.mkv") > strings.Index(body, "episode1.mkv") || strings.Index(body, "episode1.mkv") > strings.Index(body, "episode0.mkv") {
		t.Fatalf("the files are not in bitmagnet's order (their index: episode2, episode1, episode0): %s", body)
	}
	if status, body, _ := call(http.MethodGet, "/api/categories", ""); status != http.StatusOK || !strings.Contains(body, `"slug":"movies"`) {
		t.Fatalf("categories: %d %s", status, body)
	}
}

func problemCode(body string) string {
	i := strings.Index(body, `"code"`)
	if i < 0 {
		return body
	}
	rest := body[i:]
	if j := strings.IndexByte(rest, ','); j > 0 {
		return rest[:j]
	}
	return rest
}

func column(t *testing.T, cfg bootstrap.Config, q string) string {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+cfg.DatabasePath()+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var v string
	if err := db.QueryRow(q).Scan(&v); err != nil {
		t.Fatal(err)
	}
	return v
}

// failingSource loses its connection after a number of records, as a network or a kill would.
type failingSource struct {
	ports.ImportSource
	after int
	seen  int
}

var errLost = errors.New("connection lost (test)")

func (f *failingSource) Read(ctx context.Context, k ports.ImportKind, after string, each func(ports.SourceRecord) error) error {
	return f.ImportSource.Read(ctx, k, after, func(r ports.SourceRecord) error {
		if f.seen++; f.seen > f.after {
			return errLost
		}
		return each(r)
	})
}

func TestAnInterruptedImportEndsLikeACleanOne(t *testing.T) {
	// The source is lost part way through the second batch: the first is stored and checkpointed.
	after := migration.TorrentBatch + 700
	src := seed(t, 2*migration.TorrentBatch)
	total := int64(2*migration.TorrentBatch + 3)
	clean, broken := config(t), config(t)
	importFrom(t, clean, src.bitmagnet, bootstrap.ImportOptions{Presets: []string{"bitmagnet"}})

	opts := bootstrap.ImportOptions{From: src.bitmagnet, Presets: []string{"bitmagnet"}, CheckpointEvery: 1}
	opts.Interrupt = func(s ports.ImportSource) ports.ImportSource { return &failingSource{ImportSource: s, after: after} }
	if _, err := bootstrap.Import(context.Background(), broken, quiet, opts); !errors.Is(err, errLost) {
		t.Fatalf("the interrupted run: %v", err)
	}
	if got := column(t, broken, "SELECT count(*) FROM import_checkpoints"); got != "1" {
		t.Fatalf("the interrupted run left %s checkpoints", got)
	}
	resumed := importFrom(t, broken, src.bitmagnet, bootstrap.ImportOptions{Presets: []string{"bitmagnet"}})
	tr := kind(t, resumed, ports.ImportTorrents)
	if tr.ResumedAfter == "" || tr.Read >= total || tr.Read < total-int64(after) {
		t.Fatalf("the resumed run must read on from the checkpoint: %+v", tr)
	}
	if a, b := dump(t, clean.DatabasePath()), dump(t, broken.DatabasePath()); a != b {
		t.Fatal("an interrupted and resumed import ends with another database than a clean one")
	}
}
