package integration

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cloudflare/cloudflare-go/v7/d1"
	"github.com/cloudflare/cloudflare-go/v7/option"
	"github.com/ory/dockertest/v3"
	"github.com/ory/dockertest/v3/docker"

	"github.com/torrent-streamer/streamer/adapters/cfapi"
	"github.com/torrent-streamer/streamer/adapters/kv"
	"github.com/torrent-streamer/streamer/adapters/r1"
)

// The emulator image, built by gateway/image/build.sh.
const (
	imageRepository = "streamer-gateway"
	imageTag        = "dev"
	// containerLabel marks the containers these tests start, so a run can clear what a killed
	// run left behind.
	containerLabel = "org.streamer.test"
	emulatorToken  = "integration-token"
	// The database and namespace the emulator serves: wrangler.toml's D1 name and KV_NAMESPACE_ID.
	emulatorDatabase  = "streamer"
	emulatorNamespace = "cache"
	readyTimeout      = 30 * time.Second
)

// target is where the tests find Cloudflare: a fresh emulator of their own, or the real account.
type target struct {
	name      string // "emulator" or "cloudflare"
	baseURL   string // "" for the public API
	account   string
	token     string
	database  string
	namespace string
	emu       *emulator // nil on real Cloudflare
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
	emu := startEmulator(t, opts.state)
	return &target{name: "emulator", baseURL: emu.baseURL(), account: "emulator", token: emu.token,
		database: emulatorDatabase, namespace: emulatorNamespace, emu: emu}
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

// dropEverything drops every table of the database but SQLite's and D1's own (_cf_*): virtual
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
	err := query(statement{SQL: `SELECT name, sql FROM sqlite_master
			WHERE type = 'table' AND name NOT LIKE 'sqlite\_%' ESCAPE '\' AND name NOT LIKE '\_cf\_%' ESCAPE '\'
			ORDER BY rowid DESC`}, &raw)
	if err != nil {
		return err
	}
	rows, err := queryRows(raw)
	if err != nil {
		return err
	}
	var virtual, plain []statement
	for _, row := range rows {
		name, _ := row["name"].(string)
		sql, _ := row["sql"].(string)
		drop := statement{SQL: `DROP TABLE IF EXISTS "` + strings.ReplaceAll(name, `"`, `""`) + `"`}
		if strings.HasPrefix(strings.ToUpper(sql), "CREATE VIRTUAL TABLE") {
			virtual = append(virtual, drop)
		} else {
			plain = append(plain, drop)
		}
	}
	drops := append(virtual, plain...)
	if len(drops) == 0 {
		return nil
	}
	return query(map[string]any{"batch": drops}, &raw)
}

// emulator is the gateway Worker under workerd in a container on the host network.
type emulator struct {
	pool  *dockertest.Pool
	res   *dockertest.Resource
	port  int
	token string
	state string // the host directory mounted at /data; "" for none
}

func (e *emulator) baseURL() string { return fmt.Sprintf("http://127.0.0.1:%d/client/v4", e.port) }

// startEmulator starts a container of the image (building it first when needed) and waits until it
// answers; it is removed when the test ends.
func startEmulator(t *testing.T, keepState bool) *emulator {
	t.Helper()
	pool := dockerPool(t)
	ensureImage(t, pool)
	e := &emulator{pool: pool, token: emulatorToken, port: freePort(t)}
	if keepState {
		e.state = t.TempDir()
	}
	e.run(t)
	t.Cleanup(func() { e.remove() })
	return e
}

// run starts a container on e's port and state, and waits for it to answer.
func (e *emulator) run(t testing.TB) {
	t.Helper()
	opts := &dockertest.RunOptions{
		Repository: imageRepository, Tag: imageTag,
		Env:    []string{"EMULATOR_PORT=" + strconv.Itoa(e.port), "EMULATOR_TOKEN=" + e.token},
		Labels: map[string]string{containerLabel: "integration"},
	}
	if e.state != "" {
		opts.Mounts = []string{e.state + ":/data"}
		// The files it writes are the test's, so the temporary directory can be removed.
		opts.User = fmt.Sprintf("%d:%d", os.Getuid(), os.Getgid())
	}
	res, err := e.pool.RunWithOptions(opts, func(hc *docker.HostConfig) {
		// No bridge network on these machines: the container shares the host's, and the emulator
		// binds 127.0.0.1 only.
		hc.NetworkMode = "host"
		hc.AutoRemove = false
		hc.RestartPolicy = docker.RestartPolicy{Name: "no"}
	})
	if err != nil {
		t.Fatalf("start the emulator container: %v", err)
	}
	e.res = res
	if err := e.waitReady(readyTimeout); err != nil {
		logs := e.logs()
		e.remove()
		t.Fatalf("the emulator did not answer within %v: %v\ncontainer logs:\n%s", readyTimeout, err, logs)
	}
}

// waitReady polls the gateway's stats endpoint until it answers 200.
func (e *emulator) waitReady(timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	var last error
	for time.Now().Before(deadline) {
		req, _ := http.NewRequest(http.MethodGet, e.baseURL()+"/_gateway/stats", nil)
		req.Header.Set("Authorization", "Bearer "+e.token)
		resp, err := http.DefaultClient.Do(req)
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
			err = errors.New(resp.Status)
		}
		last = err
		if c, ierr := e.pool.Client.InspectContainer(e.res.Container.ID); ierr == nil && !c.State.Running {
			return fmt.Errorf("the container exited (%d)", c.State.ExitCode)
		}
		time.Sleep(50 * time.Millisecond)
	}
	return last
}

// stop ends the emulator as an outage would: SIGTERM, then the container is removed. Its state
// stays in the mounted directory.
func (e *emulator) stop(t testing.TB) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	if err := e.pool.Client.KillContainer(docker.KillContainerOptions{ID: e.res.Container.ID, Signal: docker.SIGTERM, Context: ctx}); err != nil {
		t.Fatalf("stop the emulator: %v", err)
	}
	if _, err := e.pool.Client.WaitContainerWithContext(e.res.Container.ID, ctx); err != nil {
		t.Fatalf("wait for the emulator to stop: %v", err)
	}
	e.remove()
}

// restart starts a new container on the same port and state directory.
func (e *emulator) restart(t testing.TB) {
	t.Helper()
	e.run(t)
}

func (e *emulator) remove() {
	if e.res != nil {
		_ = e.pool.Purge(e.res)
		e.res = nil
	}
}

func (e *emulator) logs() string {
	var out bytes.Buffer
	_ = e.pool.Client.Logs(docker.LogsOptions{Container: e.res.Container.ID, OutputStream: &out, ErrorStream: &out,
		Stdout: true, Stderr: true, Tail: "100"})
	return out.String()
}

// stats reads the gateway's own request counters (not part of Cloudflare's API).
func (e *emulator) stats(t testing.TB) gatewayStats {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, e.baseURL()+"/_gateway/stats", nil)
	req.Header.Set("Authorization", "Bearer "+e.token)
	var s gatewayStats
	if err := getJSON(req, &s); err != nil {
		t.Fatalf("gateway stats: %v", err)
	}
	return s
}

type gatewayStats struct {
	Requests uint64 `json:"requests"`
	D1       struct {
		Requests uint64 `json:"requests"`
	} `json:"d1"`
	KV struct {
		Requests uint64 `json:"requests"`
	} `json:"kv"`
}

var (
	poolOnce sync.Once
	pool     *dockertest.Pool
	poolErr  error

	imageOnce sync.Once
	imageErr  error
	imageNote string
)

// unavailable skips the test loudly on a machine without what it needs, and fails it under CI=true,
// where every integration test must run.
func unavailable(t testing.TB, why string) {
	t.Helper()
	if os.Getenv("CI") == "true" {
		t.Fatalf("CI=true, so the integration tests must run, but %s", why)
	}
	banner := strings.Repeat("!", 100)
	t.Skipf("\n%s\n!!! INTEGRATION TEST SKIPPED: %s\n!!! It runs the Cloudflare adapters against the gateway emulator in a container. Install Docker\n"+
		"!!! (apt-get install -y docker.io; dockerd --bridge=none --iptables=false &) and Node, or run: bash .ci/run\n%s",
		banner, why, banner)
}

func dockerPool(t testing.TB) *dockertest.Pool {
	t.Helper()
	poolOnce.Do(func() {
		p, err := dockertest.NewPool("")
		if err != nil {
			poolErr = err
			return
		}
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := p.Client.PingWithContext(ctx); err != nil {
			poolErr = err
			return
		}
		pool = p
		clearLeftovers(p)
	})
	if poolErr != nil {
		unavailable(t, fmt.Sprintf("no Docker engine answers (%v)", poolErr))
	}
	return pool
}

// clearLeftovers removes the containers of runs that ended without cleaning up (killed by a
// timeout) more than an hour ago.
func clearLeftovers(p *dockertest.Pool) {
	list, err := p.Client.ListContainers(docker.ListContainersOptions{All: true,
		Filters: map[string][]string{"label": {containerLabel}}})
	if err != nil {
		return
	}
	for _, c := range list {
		if time.Since(time.Unix(c.Created, 0)) > time.Hour {
			_ = p.Client.RemoveContainer(docker.RemoveContainerOptions{ID: c.ID, Force: true})
		}
	}
}

// ensureImage runs gateway/image/build.sh, which builds the image when it is missing or its inputs
// (the gateway's files, node_modules) changed, and is done in about two seconds otherwise. Without
// Node it cannot build: an image already there is used as it is.
func ensureImage(t testing.TB, p *dockertest.Pool) {
	t.Helper()
	imageOnce.Do(func() {
		_, inspectErr := p.Client.InspectImage(imageRepository + ":" + imageTag)
		if _, err := exec.LookPath("node"); err != nil {
			if inspectErr == nil {
				imageNote = "node is not installed: using the image already built, which may be older than gateway/"
				return
			}
			imageErr = errors.New("the image " + imageRepository + ":" + imageTag + " is missing and Node, which gateway/image/build.sh needs, is not installed")
			return
		}
		root, err := repoRoot()
		if err != nil {
			imageErr = err
			return
		}
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
		defer cancel()
		cmd := exec.CommandContext(ctx, "bash", filepath.Join(root, "gateway", "image", "build.sh"))
		cmd.Env = append(os.Environ(), "IMAGE="+imageRepository+":"+imageTag)
		out, err := cmd.CombinedOutput()
		if err != nil {
			imageErr = fmt.Errorf("gateway/image/build.sh: %v\n%s", err, out)
		}
	})
	if imageNote != "" {
		t.Log(imageNote)
	}
	if imageErr != nil {
		if os.Getenv("CI") == "true" || !strings.Contains(imageErr.Error(), "Node") {
			t.Fatal(imageErr)
		}
		unavailable(t, imageErr.Error())
	}
}

// repoRoot is the module's root, two levels above this package.
func repoRoot() (string, error) {
	dir, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		return "", err
	}
	if _, err := os.Stat(filepath.Join(dir, "go.mod")); err != nil {
		return "", fmt.Errorf("the repository root is not at %s: %w", dir, err)
	}
	return dir, nil
}

func freePort(t testing.TB) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}
