package e2e

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/torrent-streamer/streamer/tests/apispec"
	"github.com/torrent-streamer/streamer/tests/servicebin"
)

func TestMain(m *testing.M) {
	code := servicebin.Run(m)
	fmt.Fprintln(os.Stderr, apispec.Counts().Summary())
	for _, err := range contract.errs { // answers outside embeddedDefault, which checks its own
		fmt.Fprintf(os.Stderr, "FAIL: contract: %v\n", err)
		code = 1
	}
	os.Exit(code)
}

// server is one running service: the binary, or the image in a container.
type server struct {
	base string
	// stop sends SIGTERM and fails the test unless the service exits 0 within 30 s.
	stop func(t *testing.T)
	// logs is what the service has written so far (stdout and stderr).
	logs func() string
}

// launcher starts the service on the embedded default with env added, each time on the same data
// (a directory, or a volume), and returns it ready, with the time from start to ready.
type launcher func(t *testing.T, env ...string) (*server, time.Duration)

// cleanEnv is the test's environment without anything that would choose another mode.
func cleanEnv(extra ...string) []string {
	var env []string
	for _, kv := range os.Environ() {
		name, _, _ := strings.Cut(kv, "=")
		switch name {
		case "CF_ACCOUNT_ID", "R1_API_TOKEN", "R1_DATABASE", "KV_NAMESPACE_ID", "CF_API_BASE_URL",
			"ADDR", "PORT", "INGEST_API_KEY", "AUTH_SECRET", "BETTER_AUTH_SECRET", "SAMPLE_DATA":
			continue
		}
		env = append(env, kv)
	}
	return append(env, extra...)
}

func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// binary runs bin in dir (the database is dir/data/streamer.db).
func binary(bin, dir string) launcher {
	return func(t *testing.T, env ...string) (*server, time.Duration) {
		t.Helper()
		addr := freeAddr(t)
		logs := &bytes.Buffer{}
		cmd := exec.Command(bin, "serve")
		cmd.Dir = dir
		cmd.Env = cleanEnv(append([]string{"ADDR=" + addr, "LOG_FORMAT=json"}, env...)...)
		cmd.Stdout, cmd.Stderr = logs, logs
		s := &server{base: "http://" + addr, logs: logs.String}
		s.stop = func(t *testing.T) {
			t.Helper()
			if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
				t.Fatal(err)
			}
			done := make(chan error, 1)
			go func() { done <- cmd.Wait() }()
			select {
			case err := <-done:
				if err != nil {
					t.Fatalf("exit after SIGTERM: %v; logs:\n%s", err, logs)
				}
			case <-time.After(30 * time.Second):
				t.Fatal("no exit within 30 s of SIGTERM")
			}
		}
		began := time.Now()
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() {
			if cmd.ProcessState == nil {
				_ = cmd.Process.Kill()
				_ = cmd.Wait()
			}
		})
		return s, waitUntilReady(t, s, began)
	}
}

// waitUntilReady polls /readyz until it answers 200.
func waitUntilReady(t *testing.T, s *server, began time.Time) time.Duration {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		resp, err := http.Get(s.base + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return time.Since(began)
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("not ready within 30 s; logs:\n%s", s.logs())
	return 0
}

func (s *server) getJSON(t *testing.T, path string, into any) int {
	t.Helper()
	resp, err := http.Get(s.base + path)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if into != nil {
		if err := json.NewDecoder(resp.Body).Decode(into); err != nil {
			t.Fatalf("GET %s: %v", path, err)
		}
	}
	return resp.StatusCode
}

type page struct {
	Items []struct {
		ID       int64  `json:"id"`
		InfoHash string `json:"infoHash"`
		Name     string `json:"name"`
		Magnet   string `json:"magnet"`
	} `json:"items"`
	Total int `json:"total"`
}

func TestTheBinaryOnTheEmbeddedDefault(t *testing.T) {
	embeddedDefault(t, binary(servicebin.Path(t), t.TempDir()))
}

// embeddedDefault is the user's path through the service on a fresh database: search, details,
// ingest, sign-up, a clean stop, and a restart that keeps everything.
func embeddedDefault(t *testing.T, start launcher) {
	t.Cleanup(func() { contract.check(t) })
	key := "e2e-ingest-key-0123456789"
	s, ready := start(t, "SAMPLE_DATA=true", "INGEST_API_KEY="+key)
	t.Logf("cold start to ready (fresh database, sample catalog loaded): %v", ready)

	var found page
	if code := s.getJSON(t, "/api/torrents/search?q=sintel", &found); code != 200 || len(found.Items) != 1 ||
		found.Items[0].InfoHash != "08ada5a7a6183aae1e09d831df6748d566095a10" || !strings.HasPrefix(found.Items[0].Magnet, "magnet:?xt=urn:btih:08ada5a7") {
		t.Fatalf("search sintel: %d %+v", code, found)
	}
	var latest page
	if code := s.getJSON(t, "/api/torrents/latest", &latest); code != 200 || len(latest.Items) != 5 || latest.Items[0].Name != "Cosmos Laundromat" {
		t.Fatalf("latest: %d %+v", code, latest)
	}
	var details map[string]any
	if code := s.getJSON(t, "/api/torrents/DD8255ECDC7CA55FB0BBF81323D87062DB1F6D1C", &details); code != 200 || details["name"] != "Big Buck Bunny" {
		t.Fatalf("details by upper-case hash: %d %v", code, details)
	}
	var openapi map[string]any
	if code := s.getJSON(t, "/api/openapi.json", &openapi); code != 200 || !strings.HasPrefix(fmt.Sprint(openapi["openapi"]), "3.1") {
		t.Fatalf("openapi: %d", code)
	}

	body := `{"torrents":[{"infoHash":"0123456789abcdef0123456789abcdef01234567","name":"Ubuntu Like 24.04 Desktop amd64","category":"Linux ISOs","size":6000000000,"seeders":900}]}`
	req, _ := http.NewRequest("POST", s.base+"/api/ingest", strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-API-Key", key)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	report, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(report), `"created":1`) {
		t.Fatalf("ingest: %d %s", resp.StatusCode, report)
	}
	if s.getJSON(t, "/api/torrents/search?q=desk", &found); len(found.Items) != 1 {
		t.Fatalf("the ingested torrent is not found by prefix right after ingest: %+v", found)
	}
	token := signUp(t, s, "e2e@example.com")
	if code := s.authed(t, "GET", "/api/torrents/search?q=sintel", token); code != 200 {
		t.Fatalf("signed-in search: %d", code)
	}

	s.stop(t)
	if !strings.Contains(s.logs(), `"msg":"stopped"`) {
		t.Fatalf("no clean stop in the logs:\n%s", s.logs())
	}

	// Restart on the same file: everything is still there, and the sample is not loaded twice.
	s2, warm := start(t, "SAMPLE_DATA=true")
	t.Logf("warm start to ready: %v", warm)
	var all page
	if s2.getJSON(t, "/api/torrents/search", &all); all.Total != 6 {
		t.Fatalf("after restart: total %d, want 6", all.Total)
	}
	var categories struct {
		Items []struct {
			Slug         string `json:"slug"`
			TorrentCount int    `json:"torrentCount"`
		} `json:"items"`
	}
	s2.getJSON(t, "/api/categories", &categories)
	counts := map[string]int{}
	for _, c := range categories.Items {
		counts[c.Slug] = c.TorrentCount
	}
	if counts["movies"] != 4 || counts["music"] != 1 || counts["linux-isos"] != 1 || len(counts) != 9 {
		t.Fatalf("categories after restart: %v", counts)
	}
	// The generated AUTH_SECRET is kept beside the database: the session survives the restart, and
	// the search made before it was written to the activity log at shutdown.
	if code := s2.authed(t, "GET", "/api/auth/me", token); code != 200 {
		t.Fatalf("session after restart: %d", code)
	}
	var activity struct {
		Items []struct {
			Type  string `json:"type"`
			Query string `json:"query"`
		} `json:"items"`
	}
	req, _ = http.NewRequest("GET", s2.base+"/api/auth/me/activity", nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	_ = json.NewDecoder(resp.Body).Decode(&activity)
	resp.Body.Close()
	if len(activity.Items) != 1 || activity.Items[0].Type != "search" || activity.Items[0].Query != "sintel" {
		t.Fatalf("activity after restart: %+v", activity)
	}
	if code := s2.authed(t, "POST", "/api/auth/logout", token); code != 204 {
		t.Fatalf("logout: %d", code)
	}
	if code := s2.authed(t, "GET", "/api/auth/me", token); code != 401 {
		t.Fatalf("token after logout: %d", code)
	}
	s2.stop(t)
}

func signUp(t *testing.T, s *server, email string) string {
	t.Helper()
	body := `{"email":"` + email + `","password":"correct horse battery","name":"E2E"}`
	resp, err := http.Post(s.base+"/api/auth/sign-up", "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out struct {
		Session struct {
			Token string `json:"token"`
		} `json:"session"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil || resp.StatusCode != 201 || out.Session.Token == "" {
		t.Fatalf("sign-up: %d %v", resp.StatusCode, err)
	}
	return out.Session.Token
}

func (s *server) authed(t *testing.T, method, path, token string) int {
	t.Helper()
	req, _ := http.NewRequest(method, s.base+path, nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

func TestABadConfigurationStopsStartUpWithOneLinePerProblem(t *testing.T) {
	bin := servicebin.Path(t)
	cmd := exec.Command(bin, "serve")
	cmd.Dir = t.TempDir()
	cmd.Env = cleanEnv("PORT=eighty", "LOG_LEVEL=chatty")
	out, err := cmd.CombinedOutput()
	exit, ok := err.(*exec.ExitError)
	if !ok || exit.ExitCode() != 2 {
		t.Fatalf("exit %v, want 2; output:\n%s", err, out)
	}
	text := string(out)
	if !strings.Contains(text, "\nLOG_LEVEL=") || !strings.Contains(text, "\nPORT=") || strings.Contains(text, "goroutine") {
		t.Fatalf("output:\n%s", text)
	}
}

func TestMigrateAppliesTheSchemaAndExits(t *testing.T) {
	bin := servicebin.Path(t)
	dir := t.TempDir()
	for range 2 {
		cmd := exec.Command(bin, "migrate")
		cmd.Dir = dir
		cmd.Env = cleanEnv("R1_DATABASE=" + filepath.Join(dir, "x", "streamer.db"))
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("migrate: %v\n%s", err, out)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "x", "streamer.db")); err != nil {
		t.Fatal(err)
	}
}
