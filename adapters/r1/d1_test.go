package r1

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/torrent-streamer/streamer/adapters/cfapi"
	"github.com/torrent-streamer/streamer/domain"
	"github.com/torrent-streamer/streamer/ports"
)

const (
	fakeAccount = "acc"
	fakeUUID    = "0f0e0d0c-0b0a-4900-8807-060504030201"
)

// fakeD1 answers the D1 endpoints of the Cloudflare API the way D1 does, running the statements on
// a local SQLite file typed as D1 types them: parameters as text, results through JSON.
type fakeD1 struct {
	engine   *localEngine
	requests atomic.Int64
	bodies   atomic.Int64 // bytes of the query requests
	// dropAnswers is how many of the next queries run and commit, then lose their answer: the
	// connection is cut before a byte of it is sent.
	dropAnswers atomic.Int64
}

func newFakeD1(t *testing.T) (*fakeD1, string) {
	t.Helper()
	engine, err := openLocal(context.Background(), filepath.Join(t.TempDir(), "d1.db"), LocalOptions{ParamsAsText: true, JSONResults: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { engine.Close() })
	f := &fakeD1{engine: engine}
	srv := httptest.NewServer(f)
	t.Cleanup(srv.Close)
	return f, srv.URL + "/client/v4"
}

func (f *fakeD1) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.requests.Add(1)
	reply := func(status int, result any, errs ...map[string]any) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		_ = json.NewEncoder(w).Encode(map[string]any{"success": status == 200, "errors": append([]map[string]any{}, errs...), "messages": []any{}, "result": result})
	}
	if r.Header.Get("Authorization") != "Bearer good-token" {
		reply(401, nil, map[string]any{"code": 10000, "message": "Authentication error"})
		return
	}
	base := "/client/v4/accounts/" + fakeAccount + "/d1/database"
	switch {
	case r.Method == http.MethodGet && r.URL.Path == base:
		var list []any
		if name := r.URL.Query().Get("name"); strings.Contains("streamer", name) {
			list = []any{map[string]any{"uuid": "11111111-2222-4333-8444-555555555555", "name": "streamer-staging"},
				map[string]any{"uuid": fakeUUID, "name": "streamer"}}
		}
		reply(200, list)
	case r.Method == http.MethodGet && r.URL.Path == base+"/"+fakeUUID:
		reply(200, map[string]any{"uuid": fakeUUID, "name": "streamer"})
	case r.Method == http.MethodPost && r.URL.Path == base+"/"+fakeUUID+"/query":
		var body struct {
			SQL    string `json:"sql"`
			Params []any  `json:"params"`
			Batch  []struct {
				SQL    string `json:"sql"`
				Params []any  `json:"params"`
			} `json:"batch"`
		}
		if r.ContentLength > 0 {
			f.bodies.Add(r.ContentLength)
		}
		if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
			reply(400, nil, map[string]any{"code": 6007, "message": "Malformed JSON in request body"})
			return
		}
		var statements []Statement
		if body.Batch != nil {
			for _, b := range body.Batch {
				statements = append(statements, Statement{SQL: b.SQL, Params: b.Params})
			}
		} else {
			statements = []Statement{{SQL: body.SQL, Params: body.Params}}
		}
		for _, s := range statements {
			for _, p := range s.Params {
				if _, ok := p.(string); !ok {
					reply(400, nil, map[string]any{"code": 7400, "message": "params must be strings"})
					return
				}
			}
		}
		results, err := f.engine.Batch(r.Context(), statements)
		if n := f.dropAnswers.Load(); n > 0 && f.dropAnswers.CompareAndSwap(n, n-1) {
			conn, _, hijackErr := http.NewResponseController(w).Hijack()
			if hijackErr == nil {
				_ = conn.Close()
			}
			return
		}
		if err != nil {
			// D1's text for a failed statement: SQLite's message and its code.
			msg := err.Error()
			var conflict *domain.ConflictError
			if errors.As(err, &conflict) {
				msg = "UNIQUE constraint failed: users.email: SQLITE_CONSTRAINT (extended: SQLITE_CONSTRAINT_UNIQUE)"
			}
			reply(400, nil, map[string]any{"code": 7500, "message": msg})
			return
		}
		out := make([]any, len(results))
		for i, res := range results {
			out[i] = map[string]any{"results": res.Rows, "success": true,
				"meta": map[string]any{"changes": res.Changes, "last_row_id": res.LastRowID, "duration": 0.1}}
		}
		reply(200, out)
	default:
		reply(404, nil, map[string]any{"code": 7404, "message": "The database could not be found"})
	}
}

func openFake(t *testing.T, base, token, database string) (*Database, *cfapi.Upstream, error) {
	t.Helper()
	up := &cfapi.Upstream{}
	client := cfapi.NewClient(cfapi.Config{BaseURL: base, Token: token}, up)
	db, err := OpenD1(context.Background(), client, fakeAccount, database)
	return db, up, err
}

func TestOpenD1FindsTheDatabaseByNameOrUUID(t *testing.T) {
	_, base := newFakeD1(t)
	for _, name := range []string{"streamer", fakeUUID} {
		db, _, err := openFake(t, base, "good-token", name)
		if err != nil {
			t.Fatalf("OpenD1(%q): %v", name, err)
		}
		if e := db.engine.(*d1Engine); e.database != fakeUUID {
			t.Fatalf("OpenD1(%q) resolved %q", name, e.database)
		}
	}
	for _, name := range []string{"stream", "00000000-0000-4000-8000-000000000000"} {
		if _, _, err := openFake(t, base, "good-token", name); !errors.Is(err, ErrNoSuchDatabase) {
			t.Fatalf("OpenD1(%q) = %v, want ErrNoSuchDatabase", name, err)
		}
	}
	if _, _, err := openFake(t, base, "bad-token", "streamer"); !errors.Is(err, cfapi.ErrAuth) {
		t.Fatalf("OpenD1 with a refused token = %v, want cfapi.ErrAuth", err)
	}
}

func TestTheD1EngineRunsTheRepositories(t *testing.T) {
	fake, base := newFakeD1(t)
	db, up, err := openFake(t, base, "good-token", "streamer")
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if err := db.Migrate(ctx); err != nil {
		t.Fatalf("Migrate over D1: %v", err)
	}
	if err := db.Ping(ctx); err != nil {
		t.Fatalf("Ping: %v", err)
	}
	repo := NewTorrentRepository(db)
	out := upsert(t, repo, newTorrent(t, 1), newTorrent(t, 2))
	if !out[0].Created || out[0].ID != 1 || out[1].ID != 2 {
		t.Fatalf("outcomes %+v", out)
	}
	got, err := repo.Get(ctx, domain.TorrentRef{InfoHash: hashOf(2)})
	if err != nil || got.Name != "Torrent 002" || len(got.Files) != 1 {
		t.Fatalf("Get = %+v, %v", got, err)
	}
	// Integers arrive as int64, exact up to 2^53 (D1 answers through JavaScript numbers).
	res, err := db.query(ctx, Statement{SQL: "SELECT CAST(? AS INTEGER) AS big, 0.5 AS half, 'x' AS text", Params: []any{int64(1)<<53 - 1}})
	if err != nil {
		t.Fatal(err)
	}
	if row := res.Rows[0]; row["big"] != int64(1)<<53-1 || row["half"] != 0.5 || row["text"] != "x" {
		t.Fatalf("row %#v", row)
	}
	// One engine call, one request: the counters see exactly what the database counted.
	if calls := up.UpstreamStats().R1.Calls; calls != uint64(fake.requests.Load()) || int64(calls) != db.Calls()+1 {
		t.Fatalf("%d upstream calls, %d requests served, %d engine calls (+1 lookup)", calls, fake.requests.Load(), db.Calls())
	}
}

func TestD1ConstraintErrorsAreConflicts(t *testing.T) {
	_, base := newFakeD1(t)
	db, _, err := openFake(t, base, "good-token", "streamer")
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if _, err := db.batch(ctx, []Statement{{SQL: "CREATE TABLE users (email TEXT UNIQUE)"}}); err != nil {
		t.Fatal(err)
	}
	insert := Statement{SQL: "INSERT INTO users (email) VALUES (?)", Params: []any{"a@x"}}
	if _, err := db.batch(ctx, []Statement{insert}); err != nil {
		t.Fatal(err)
	}
	_, err = db.batch(ctx, []Statement{insert})
	var conflict *domain.ConflictError
	if !errors.As(err, &conflict) || conflict.Field != "email" {
		t.Fatalf("duplicate insert = %v, want a conflict on email", err)
	}
	if _, err := db.query(ctx, Statement{SQL: "SELEC 1"}); err == nil || errors.Is(err, domain.ErrUnavailable) {
		t.Fatalf("bad SQL = %v, want a plain error (a bug, not an outage)", err)
	}
}

func TestD1StatementErrorTexts(t *testing.T) {
	for msg, want := range map[string]string{
		"UNIQUE constraint failed: users.email: SQLITE_CONSTRAINT (extended: SQLITE_CONSTRAINT_UNIQUE)": "conflict: email: already exists",
		"D1_ERROR: UNIQUE constraint failed: torrents.info_hash: SQLITE_CONSTRAINT":                     "conflict: info_hash: already exists",
		"FOREIGN KEY constraint failed: SQLITE_CONSTRAINT (extended: SQLITE_CONSTRAINT_FOREIGNKEY)":     "conflict: : refers to something that does not exist",
		"CHECK constraint failed: seeders >= 0: SQLITE_CONSTRAINT":                                      "conflict: seeders >= 0: violates a constraint of the store",
		"D1_ERROR: database is locked: SQLITE_BUSY":                                                     "unavailable",
		"Network connection lost.":                               "unavailable",
		"near \"SELEC\": syntax error at offset 0: SQLITE_ERROR": "r1: D1: near \"SELEC\": syntax error at offset 0: SQLITE_ERROR",
	} {
		err := d1StatementError(msg)
		switch {
		case want == "unavailable":
			if !errors.Is(err, domain.ErrUnavailable) {
				t.Errorf("%q -> %v, want unavailable", msg, err)
			}
		case err.Error() != want:
			t.Errorf("%q -> %q, want %q", msg, err.Error(), want)
		}
	}
}

// A batch larger than one request is refused whole, never cut into requests that would each
// commit on their own. Before, this batch was sent as three requests, three transactions.
func TestD1BatchesOverOneRequestAreRefusedNotSplit(t *testing.T) {
	fake, base := newFakeD1(t)
	db, _, err := openFake(t, base, "good-token", "streamer")
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if _, err := db.batch(ctx, []Statement{{SQL: "CREATE TABLE blobs (id INTEGER PRIMARY KEY, body TEXT)"}}); err != nil {
		t.Fatal(err)
	}
	before := fake.requests.Load()
	big := strings.Repeat("b", 90_000)
	var batch []Statement
	for range 50 { // ~4.5 MB
		batch = append(batch, Statement{SQL: "INSERT INTO blobs (body) VALUES (?) RETURNING id", Params: []any{big}})
	}
	if _, err := db.batch(ctx, batch); !errors.Is(err, errBatchTooLarge) {
		t.Fatalf("a 4.5 MB batch = %v; want errBatchTooLarge", err)
	}
	if sent := fake.requests.Load() - before; sent != 0 {
		t.Fatalf("%d requests sent for a refused batch", sent)
	}
	// Escapes count: 1.2 MB of backslashes is 2.4 MB sent.
	escaped := []Statement{{SQL: "INSERT INTO blobs (body) VALUES (?)", Params: []any{strings.Repeat("\\", 1_200_000)}}}
	if _, err := db.batch(ctx, escaped); !errors.Is(err, errBatchTooLarge) {
		t.Fatalf("a batch over the limit once escaped = %v; want errBatchTooLarge", err)
	}
	// Under the limit: one request.
	results, err := db.batch(ctx, batch[:20])
	if err != nil || len(results) != 20 || fake.requests.Load()-before != 1 {
		t.Fatalf("a 1.8 MB batch: %d results, %v, %d requests", len(results), err, fake.requests.Load()-before)
	}
}

// One instance keeps at most d1InFlight requests in flight to its D1 database; the rest wait their
// turn in the process, within their context. Found by the soak on the emulator: 64 clients kept
// 35 to 50 queries in flight, which D1 (one query at a time) only queued, at p50 400 ms a query.
func TestTheD1EngineBoundsItsRequestsInFlight(t *testing.T) {
	fake := &fakeD1{}
	engine, err := openLocal(context.Background(), filepath.Join(t.TempDir(), "d1.db"), LocalOptions{ParamsAsText: true, JSONResults: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { engine.Close() })
	fake.engine = engine
	var inFlight, most atomic.Int64
	gate := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, "/query") {
			n := inFlight.Add(1)
			defer inFlight.Add(-1)
			for m := most.Load(); n > m && !most.CompareAndSwap(m, n); m = most.Load() {
			}
			<-gate
		}
		fake.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	db, _, err := openFake(t, srv.URL+"/client/v4", "good-token", "streamer")
	if err != nil {
		t.Fatal(err)
	}
	const callers = 4 * d1InFlight
	errs := make(chan error, callers)
	// Each caller that waits its turn says so to its budget (ports.WaitingForTurn), once.
	var waits, waitsDone atomic.Int64
	counted := ports.WithTurnWaits(context.Background(), func() func() {
		waits.Add(1)
		return func() { waitsDone.Add(1) }
	})
	for range callers {
		go func() {
			_, err := db.query(counted, Statement{SQL: "SELECT 1 AS one"})
			errs <- err
		}()
	}
	// Every caller is either in a request or waiting for a turn; then let them all through. (Waiting
	// on a sleep alone, a caller starved past it took a turn freed by the gate without waiting.)
	for inFlight.Load() < d1InFlight || waits.Load() < callers-d1InFlight {
		runtime.Gosched()
	}
	time.Sleep(50 * time.Millisecond) // room for any request past the bound to arrive
	close(gate)
	for range callers {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	if m := most.Load(); m > d1InFlight {
		t.Fatalf("%d requests in flight at once, want at most %d", m, d1InFlight)
	}
	if w, d := waits.Load(), waitsDone.Load(); w < callers-d1InFlight || w > callers || d != w {
		t.Fatalf("%d callers said they waited their turn (%d said the wait ended), want at least %d", w, d, callers-d1InFlight)
	}
	// A caller whose context ends while it waits for a turn gets its context's error.
	gate = make(chan struct{})
	defer close(gate)
	for range d1InFlight {
		go func() { _, _ = db.query(context.Background(), Statement{SQL: "SELECT 1 AS one"}) }()
	}
	for inFlight.Load() < d1InFlight {
		runtime.Gosched()
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	if _, err := db.query(ctx, Statement{SQL: "SELECT 1 AS one"}); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("a caller waiting past its deadline got %v", err)
	}
}

// Among the requests waiting for a turn at D1, what a client waits for goes ahead of background
// work (a crawler's ingest, a cache refresh) that began less than ports.BackgroundYield before it,
// and a read's later requests keep the place of its first; background work that has yielded that
// long goes first. Found by the soak on the emulator: turns were handed out in the order requests
// came, so after each ingest and list refresh a client's read queued behind them, and 81 reads
// waited past the cache's 10 s bound (503).
func TestAClientsReadTakesItsTurnBeforeBackgroundWork(t *testing.T) {
	fake := &fakeD1{}
	engine, err := openLocal(context.Background(), filepath.Join(t.TempDir(), "d1.db"), LocalOptions{ParamsAsText: true, JSONResults: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { engine.Close() })
	fake.engine = engine
	var inFlight atomic.Int64
	gate := make(chan struct{}, 64)
	arrived := make(chan string, 64)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, "/query") {
			body, _ := io.ReadAll(r.Body)
			r.Body = io.NopCloser(bytes.NewReader(body))
			var q struct{ SQL string }
			_ = json.Unmarshal(body, &q)
			inFlight.Add(1)
			defer inFlight.Add(-1)
			arrived <- q.SQL
			<-gate
		}
		fake.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	db, _, err := openFake(t, srv.URL+"/client/v4", "good-token", "streamer")
	if err != nil {
		t.Fatal(err)
	}
	for range d1InFlight { // every turn taken
		go func() { _, _ = db.query(context.Background(), Statement{SQL: "SELECT 0 AS busy"}) }()
		<-arrived
	}
	// queue sends a query as ctx says and returns once it waits for its turn.
	errs := make(chan error, 8)
	queue := func(ctx context.Context, sql string) {
		waiting := make(chan struct{})
		ctx = ports.WithTurnWaits(ctx, func() func() { close(waiting); return func() {} })
		go func() { _, err := db.query(ctx, Statement{SQL: sql}); errs <- err }()
		<-waiting
	}
	now := time.Now()
	queue(ports.WithPriority(context.Background(), ports.Background, now), "SELECT 'ingest' AS background")
	queue(context.Background(), "SELECT 'later read' AS awaited")
	queue(ports.WithPriority(context.Background(), ports.Awaited, now.Add(-time.Second)), "SELECT 'second request of a read' AS awaited")
	queue(ports.WithPriority(context.Background(), ports.Background, now.Add(-2*ports.BackgroundYield)), "SELECT 'old refresh' AS background")
	var order []string
	for range 4 {
		gate <- struct{}{} // one request ends: its turn goes to the first-ranked waiting
		order = append(order, <-arrived)
	}
	want := []string{"SELECT 'old refresh' AS background", "SELECT 'second request of a read' AS awaited",
		"SELECT 'later read' AS awaited", "SELECT 'ingest' AS background"}
	if !slices.Equal(order, want) {
		t.Errorf("turns taken in the order\n%q\nwant\n%q", order, want)
	}
	for range d1InFlight + 4 {
		gate <- struct{}{}
	}
	for range 4 {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
}
