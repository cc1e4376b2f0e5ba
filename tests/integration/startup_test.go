package integration

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/torrent-streamer/streamer/bootstrap"
	"github.com/torrent-streamer/streamer/tests/output"
	"github.com/torrent-streamer/streamer/tests/servicebin"
)

// TestStartingOnCloudflare covers what start-up does in the Cloudflare mode: a database given by
// UUID as well as by name, a cache without KV, and one clear line for a refused token or an unknown
// database.
func TestStartingOnCloudflare(t *testing.T) {
	t.Parallel() // asserts nothing about time (doc.go)
	tg := newTarget(t)
	quiet := func() *output.Buffer { return &output.Buffer{} }
	start := func(cfg bootstrap.Config) error {
		ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
		defer cancel()
		svc, err := bootstrap.New(ctx, cfg, newLogger(quiet()))
		if err == nil {
			_ = svc.Close()
		}
		return err
	}

	t.Run("a refused token", func(t *testing.T) {
		cfg := tg.config()
		cfg.R1APIToken = "not-the-token"
		err := start(cfg)
		if err == nil || !strings.HasPrefix(err.Error(), "R1_API_TOKEN: ") || strings.Contains(err.Error(), "\n") {
			t.Fatalf("error %q, want one line starting with R1_API_TOKEN", err)
		}
	})
	t.Run("an unknown database", func(t *testing.T) {
		cfg := tg.config()
		cfg.R1Database = "no-such-database"
		err := start(cfg)
		if err == nil || !strings.HasPrefix(err.Error(), `R1_DATABASE="no-such-database": `) || strings.Contains(err.Error(), "\n") {
			t.Fatalf("error %q, want one line starting with R1_DATABASE", err)
		}
	})
	if !tg.real() {
		t.Run("the database by its UUID", func(t *testing.T) {
			cfg := tg.config()
			cfg.R1Database = "00000000-0000-4000-8000-73747265616d" // the emulator's, in gateway/wrangler.toml
			svc := startService(t, cfg)
			if a := svc.get(t, "/api/categories"); a.status != 200 {
				t.Fatalf("categories: %d %s", a.status, a.body)
			}
		})
	}
	t.Run("without KV the process caches alone", func(t *testing.T) {
		cfg := tg.config()
		cfg.KVNamespaceID = ""
		svc := startService(t, cfg)
		for i := range 3 {
			// Another URI each time (an unknown parameter is ignored): past the REST adapter's
			// one-second response cache, to the use case's process tier.
			if a := svc.get(t, fmt.Sprintf("/api/torrents/search?q=anything&n=%d", i)); a.status != 200 {
				t.Fatalf("search: %d %s", a.status, a.body)
			}
		}
		h := svc.get(t, "/api/health").json(t)
		if h["status"] != "ok" || h["upstream"].(map[string]any)["kv"].(map[string]any)["calls"] != 0.0 ||
			h["cache"].(map[string]any)["localHits"] != 2.0 {
			t.Fatalf("health without KV: %v", h)
		}
	})
}

// TestTheBinaryOnTheEmulator starts the built binary the way the README says, with nothing but the
// environment pointing it at the emulator, and stops it with SIGTERM; `streamer migrate` works there
// too, and a refused token stops start-up with one line naming R1_API_TOKEN.
func TestTheBinaryOnTheEmulator(t *testing.T) {
	t.Parallel() // asserts nothing about time (doc.go)
	if onRealCloudflare() {
		t.Skip("the same binary on real Cloudflare is what a deployment is")
	}
	tg := newTarget(t)
	bin := servicebin.Path(t)
	env := func(extra ...string) []string {
		var out []string
		for _, kv := range os.Environ() {
			name, _, _ := strings.Cut(kv, "=")
			switch name {
			case "CF_ACCOUNT_ID", "R1_API_TOKEN", "R1_DATABASE", "KV_NAMESPACE_ID", "CF_API_BASE_URL", "ADDR", "PORT",
				"INGEST_API_KEY", "AUTH_SECRET", "BETTER_AUTH_SECRET", "SAMPLE_DATA":
				continue
			}
			out = append(out, kv)
		}
		out = append(out, "CF_API_BASE_URL="+tg.baseURL, "CF_ACCOUNT_ID="+tg.account, "R1_API_TOKEN="+tg.token,
			"R1_DATABASE="+tg.database, "KV_NAMESPACE_ID="+tg.namespace, "AUTH_SECRET="+testAuthSecret, "LOG_FORMAT=json")
		return append(out, extra...) // later entries win
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()

	migrate := exec.CommandContext(ctx, bin, "migrate")
	migrate.Dir, migrate.Env = t.TempDir(), env()
	if out, err := migrate.CombinedOutput(); err != nil || !strings.Contains(string(out), "database migrated") {
		t.Fatalf("streamer migrate: %v\n%s", err, out)
	}

	bad := exec.CommandContext(ctx, bin, "serve")
	bad.Dir, bad.Env = t.TempDir(), env("R1_API_TOKEN=wrong-token", "ADDR=127.0.0.1:"+itoa(freePort(t)))
	out, err := bad.CombinedOutput()
	if exit, ok := err.(*exec.ExitError); !ok || exit.ExitCode() != 1 || !strings.Contains(string(out), "R1_API_TOKEN: ") ||
		strings.Contains(string(out), "goroutine") {
		t.Fatalf("a refused token: %v\n%s", err, out)
	}

	addr := "127.0.0.1:" + itoa(freePort(t))
	logs := &output.Buffer{} // read while the process writes it
	serve := exec.Command(bin, "serve")
	serve.Dir, serve.Env = t.TempDir(), env("ADDR="+addr, "SAMPLE_DATA=true")
	serve.Stdout, serve.Stderr = logs, logs
	if err := serve.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if serve.ProcessState == nil {
			_ = serve.Process.Kill()
			_ = serve.Wait()
		}
	})
	svc := &service{base: "http://" + addr}
	deadline := time.Now().Add(60 * time.Second)
	for {
		resp, err := http.Get(svc.base + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				break
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("not ready within 60 s:\n%s", logs.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
	found := svc.get(t, "/api/torrents/search?q=sintel").json(t)
	if items := found["items"].([]any); len(items) != 1 {
		t.Fatalf("search sintel on the binary: %v", found)
	}
	h := svc.get(t, "/api/health").json(t)
	if h["status"] != "ok" || h["upstream"].(map[string]any)["r1"].(map[string]any)["calls"].(float64) < 1 {
		t.Fatalf("health of the binary: %v", h)
	}
	if err := serve.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- serve.Wait() }()
	select {
	case err := <-done:
		if err != nil || !strings.Contains(logs.String(), `"mode":"cloudflare"`) {
			t.Fatalf("exit after SIGTERM: %v\n%s", err, logs.String())
		}
	case <-time.After(30 * time.Second):
		t.Fatalf("no exit within 30 s of SIGTERM:\n%s", logs.String())
	}
}
