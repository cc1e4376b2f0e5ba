package integration

import (
	"context"
	"encoding/json"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cloudflare/cloudflare-go/v7/d1"
	"github.com/cloudflare/cloudflare-go/v7/option"

	"github.com/torrent-streamer/streamer/adapters/cfapi"
	"github.com/torrent-streamer/streamer/adapters/kv"
	"github.com/torrent-streamer/streamer/adapters/r1"
	"github.com/torrent-streamer/streamer/tests/emulator"
)

// target is where the tests find Cloudflare: a fresh emulator of their own, or the real account.
type target struct {
	name      string // "emulator" or "cloudflare"
	baseURL   string // "" for the public API
	account   string
	token     string
	database  string
	namespace string
	emu       *emulator.Emulator // nil on real Cloudflare
}

// real reports whether the target is a real Cloudflare account.
func (tg *target) real() bool { return tg.emu == nil }

type targetOptions struct {
	state bool
}

// withState keeps the emulator's D1 and KV in a directory of the host, so the container can be
// replaced (stopped, removed, started anew) without losing them.
func withState() func(*targetOptions) { return func(o *targetOptions) { o.state = true } }

// onRealCloudflare reports whether INTEGRATION_TARGET asks for the real account.
func onRealCloudflare() bool { return os.Getenv("INTEGRATION_TARGET") == "cloudflare" }

// realMutex serializes the tests on the one real database.
var realMutex sync.Mutex

// newTarget returns a target for one test: on the emulator, a container of its own with empty D1
// and KV, removed when the test ends; on real Cloudflare, the configured database emptied and the
// catalog's cache generation moved on (the namespace keeps older keys, which no key of this run
// can reach).
func newTarget(t *testing.T, options ...func(*targetOptions)) *target {
	t.Helper()
	var opts targetOptions
	for _, o := range options {
		o(&opts)
	}
	if onRealCloudflare() {
		tg := &target{name: "cloudflare", baseURL: os.Getenv("CF_API_BASE_URL"), account: os.Getenv("CF_ACCOUNT_ID"),
			token: os.Getenv("R1_API_TOKEN"), database: os.Getenv("R1_DATABASE"), namespace: os.Getenv("KV_NAMESPACE_ID")}
		if tg.account == "" || tg.token == "" || tg.database == "" || tg.namespace == "" {
			t.Fatal("INTEGRATION_TARGET=cloudflare needs CF_ACCOUNT_ID, R1_API_TOKEN, R1_DATABASE and KV_NAMESPACE_ID " +
				"(a throwaway D1 database and KV namespace: the suite empties them)")
		}
		realMutex.Lock()
		t.Cleanup(realMutex.Unlock)
		tg.reset(t)
		return tg
	}
	var emuOpts []emulator.Option
	if opts.state {
		emuOpts = append(emuOpts, emulator.WithState(t))
	}
	emu := emulator.Start(t, emuOpts...)
	return &target{name: "emulator", baseURL: emu.BaseURL(), account: emulator.Account, token: emulator.Token,
		database: emulator.Database, namespace: emulator.Namespace, emu: emu}
}

// client returns a Cloudflare API client for the target and its counters.
func (tg *target) client() (*cfapi.Client, *cfapi.Upstream) {
	up := &cfapi.Upstream{}
	return cfapi.NewClient(cfapi.Config{BaseURL: tg.baseURL, Token: tg.token}, up), up
}

// reset empties the database (every table dropped, children before parents, then migrated again:
// what a fresh database holds) and starts a new generation of the catalog's cache keys.
func (tg *target) reset(t testing.TB) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	client, _ := tg.client()
	if err := dropEverything(ctx, client, tg.account, tg.database); err != nil {
		t.Fatalf("empty the database: %v", err)
	}
	db, err := r1.OpenD1(ctx, client, tg.account, tg.database)
	if err != nil {
		t.Fatalf("open the database: %v", err)
	}
	defer db.Close()
	if err := db.Migrate(ctx); err != nil {
		t.Fatalf("migrate: %v", err)
	}
	if tg.real() {
		// Keys of the catalog's old generation stay in KV until they expire; none is reachable now.
		// "gen:catalog" is where application/caching keeps the catalog's generation.
		gen := strconv.FormatInt(time.Now().UnixNano(), 10)
		if err := kv.New(client, tg.account, tg.namespace, kv.Options{}).Set(ctx, "gen:catalog", []byte(gen), 30*24*time.Hour); err != nil {
			t.Fatalf("new cache generation: %v", err)
		}
	}
}

// dropEverything drops every view and table of the database but SQLite's and D1's own (_cf_*): views, virtual
// tables first (their shadow tables go with them), then the others newest first, so a table that
// refers to another goes before it.
func dropEverything(ctx context.Context, client *cfapi.Client, account, database string) error {
	query := func(body any, raw *[]byte) error {
		text, err := json.Marshal(body)
		if err != nil {
			return err
		}
		var params d1.DatabaseQueryParams
		params.AccountID.Value = account
		_, err = client.D1.Query(ctx, database, params, option.WithRequestBody("application/json", text), cfOption(raw))
		return err
	}
	type statement struct {
		SQL string `json:"sql"`
	}
	var raw []byte
	err := query(statement{SQL: `SELECT type, name, sql FROM sqlite_master
			WHERE type IN ('table', 'view') AND name NOT LIKE 'sqlite\_%' ESCAPE '\' AND name NOT LIKE '\_cf\_%' ESCAPE '\'
			ORDER BY rowid DESC`}, &raw)
	if err != nil {
		return err
	}
	rows, err := queryRows(raw)
	if err != nil {
		return err
	}
	// Views (migration 0025's) first, then the virtual tables, then the others.
	var views, virtual, plain []statement
	for _, row := range rows {
		typ, _ := row["type"].(string)
		name, _ := row["name"].(string)
		sql, _ := row["sql"].(string)
		quoted := `"` + strings.ReplaceAll(name, `"`, `""`) + `"`
		switch {
		case typ == "view":
			views = append(views, statement{SQL: `DROP VIEW IF EXISTS ` + quoted})
		case strings.HasPrefix(strings.ToUpper(sql), "CREATE VIRTUAL TABLE"):
			virtual = append(virtual, statement{SQL: `DROP TABLE IF EXISTS ` + quoted})
		default:
			plain = append(plain, statement{SQL: `DROP TABLE IF EXISTS ` + quoted})
		}
	}
	drops := append(append(views, virtual...), plain...)
	if len(drops) == 0 {
		return nil
	}
	return query(map[string]any{"batch": drops}, &raw)
}

// repoRoot is the module's root.
func repoRoot() (string, error) { return emulator.RepoRoot() }

func freePort(t testing.TB) int { return emulator.FreePort(t) }
