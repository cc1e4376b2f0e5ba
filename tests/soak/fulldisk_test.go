package soak

import (
	"encoding/json"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/torrent-streamer/streamer/tests/binary"
)

// smallFilesystem mounts a tmpfs of size bytes on a temporary directory for the test; it skips
// loudly where mounting is not allowed (not root, no CAP_SYS_ADMIN), and fails under CI=true.
func smallFilesystem(t *testing.T, size string) string {
	t.Helper()
	dir := t.TempDir()
	out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size="+size+",mode=0700", "tmpfs", dir).CombinedOutput()
	if err != nil {
		why := "cannot mount a small filesystem here: " + strings.TrimSpace(string(out)) + " (" + err.Error() + ")"
		if os.Getenv("CI") == "true" {
			t.Fatalf("CI=true, so the full-disk test must run, but it %s", why)
		}
		banner := strings.Repeat("!", 100)
		t.Skipf("\n%s\n!!! FULL-DISK TEST SKIPPED: it %s.\n!!! It needs root (mount -t tmpfs); bash .ci/run runs it.\n%s", banner, why, banner)
	}
	t.Cleanup(func() {
		if err := syscall.Unmount(dir, syscall.MNT_DETACH); err != nil {
			t.Errorf("unmount %s: %v", dir, err)
		}
	})
	return dir
}

// fill writes a ballast file into dir until the filesystem is full, and returns its path.
func fill(t *testing.T, dir string) string {
	t.Helper()
	path := filepath.Join(dir, "ballast")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	chunk := make([]byte, 64<<10)
	for {
		if _, err := f.Write(chunk); err != nil {
			break // ENOSPC
		}
	}
	return path
}

// TestFullDisk fills the data directory's filesystem under a running service during ingest: writes
// answer 507 with Retry-After (never 500, never a hang), reads keep answering, health says the disk
// is full, nothing stored is damaged, and writes succeed again once space is freed, without a
// restart.
func TestFullDisk(t *testing.T) {
	if testing.Short() {
		t.Skip("drives the built binary")
	}
	dir := smallFilesystem(t, "12m")
	bin := binary.Build(t)
	dbPath := filepath.Join(dir, "streamer.db")
	proc := binary.Start(t, bin, dir, serviceEnv("R1_DATABASE="+dbPath)...)
	l := newLoad(proc.Base, 7)
	l.http.Timeout = 20 * time.Second // a hang fails the request, and the test
	in := l.newIngester(50)
	if !in.post(200, false) {
		t.Fatal("the first ingest failed")
	}
	stored := len(l.ledger.torrents)

	ballast := fill(t, dir)
	var full answer
	for i := 0; i < 200; i++ {
		rec := recorder{}
		items := []torrent{}
		for range 100 {
			in.count++
			items = append(items, newTorrent(l.seed, in.count, in.rng, in.zipf))
		}
		began := time.Now()
		a := l.call(rec, "ingest", http.MethodPost, "/api/ingest", map[string]any{"torrents": items},
			map[string]string{"X-API-Key": ingestKey}, http.StatusOK)
		if took := time.Since(began); took > 15*time.Second {
			t.Fatalf("an ingest on a full disk took %v", took)
		}
		if a.status == http.StatusOK {
			var report struct{ Created, Updated int }
			_ = json.Unmarshal(a.body, &report)
			for _, it := range items { // a 200 acknowledges every item
				l.ledger.ingested(it)
			}
			continue
		}
		full = a
		break
	}
	if full.status == 0 {
		t.Fatal("the disk never filled up")
	}
	assertFullAnswer(t, "ingest", full)

	// Other writes say the same; a sign-up needs the disk too.
	c := l.newClient(1)
	a := l.call(recorder{}, "sign-up", http.MethodPost, "/api/auth/sign-up",
		map[string]string{"email": "full@example.com", "password": "correct horse battery", "name": "Full"},
		map[string]string{"X-Forwarded-For": c.addr}, http.StatusCreated)
	if a.status != http.StatusCreated {
		assertFullAnswer(t, "sign-up", a)
	}

	// Health says why (its probes are reused for health.ProbeCacheTTL, 15 s); reads keep answering.
	var health struct {
		Status string `json:"status"`
		Checks struct {
			Database struct{ Status, Error string }
		}
	}
	healthIs := func(status string) (answer, bool) {
		a := l.call(recorder{}, "health", http.MethodGet, "/api/health", nil, nil, http.StatusOK)
		return a, json.Unmarshal(a.body, &health) == nil && health.Status == status
	}
	deadline := time.Now().Add(25 * time.Second)
	for {
		a, ok := healthIs("degraded")
		if ok && health.Checks.Database.Status == "degraded" && strings.Contains(health.Checks.Database.Error, "no space") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("health on a full disk: %d %s", a.status, a.body)
		}
		time.Sleep(250 * time.Millisecond)
	}
	a = l.call(recorder{}, "readyz", http.MethodGet, "/readyz", nil, nil, http.StatusOK)
	if a.status != http.StatusOK || !strings.Contains(string(a.body), "full") {
		t.Errorf("readyz on a full disk: %d %s", a.status, a.body)
	}
	for _, path := range []string{"/api/torrents/latest", "/api/torrents/search?q=" + words[0], "/api/categories"} {
		if a := l.call(recorder{}, path, http.MethodGet, path, nil, nil, http.StatusOK); a.status != http.StatusOK {
			t.Errorf("GET %s on a full disk: %d %s", path, a.status, a.body)
		}
	}
	if v := l.verify(0); v.Lost() > 0 {
		t.Fatalf("on a full disk, %d acknowledged torrents are not served as acknowledged: %v", v.Lost(), v.Problems)
	}

	// Space freed: health and writes recover without a restart.
	if err := os.Remove(ballast); err != nil {
		t.Fatal(err)
	}
	deadline = time.Now().Add(25 * time.Second)
	for {
		var ok bool
		if a, ok = healthIs("ok"); ok {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("health once space was freed: %d %s", a.status, a.body)
		}
		time.Sleep(100 * time.Millisecond)
	}
	if !in.post(100, true) {
		t.Fatal("an ingest after space was freed failed")
	}
	if v := l.verify(0); v.Lost() > 0 || v.Torrents <= stored {
		t.Fatalf("after space was freed: %d torrents, %d lost or wrong: %v", v.Torrents, v.Lost(), v.Problems)
	}
	if err := proc.Stop(); err != nil {
		t.Fatalf("%v; logs:\n%s", err, tail(proc.Logs()))
	}
	checkDatabase(t, dbPath)
}

// assertFullAnswer checks a write's answer on a full disk: 507 (or 503) problem document with
// Retry-After, whose detail says the disk is full.
func assertFullAnswer(t *testing.T, what string, a answer) {
	t.Helper()
	var doc struct{ Code, Detail string }
	_ = json.Unmarshal(a.body, &doc)
	if (a.status != http.StatusInsufficientStorage && a.status != http.StatusServiceUnavailable) ||
		a.header.Get("Retry-After") == "" || !strings.HasPrefix(a.header.Get("Content-Type"), "application/problem+json") ||
		!strings.Contains(doc.Detail, "disk is full") {
		t.Fatalf("%s on a full disk: %d Retry-After %q %s", what, a.status, a.header.Get("Retry-After"), a.body)
	}
}
