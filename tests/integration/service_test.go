package integration

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/torrent-streamer/streamer/bootstrap"
	"github.com/torrent-streamer/streamer/tests/output"
)

const (
	testAuthSecret = "integration-auth-secret-0123456789abcdef"
	testIngestKey  = "integration-ingest-key"
)

// config is the service's configuration on the target: what the environment of a deployment
// holds (CF_API_BASE_URL, CF_ACCOUNT_ID, R1_API_TOKEN, R1_DATABASE, KV_NAMESPACE_ID).
func (tg *target) config() bootstrap.Config {
	return bootstrap.Config{
		CFAPIBaseURL: tg.baseURL, CFAccountID: tg.account, R1APIToken: tg.token,
		R1Database: tg.database, KVNamespaceID: tg.namespace,
		AuthSecret: testAuthSecret, IngestAPIKey: testIngestKey, LogLevel: "warn", LogFormat: "text",
		// The workloads here are many clients played from one address: not limited per address.
		RateLimitCatalogMisses: "off",
	}
}

// localConfig is the embedded default on a file of its own.
func localConfig(t *testing.T) bootstrap.Config {
	return bootstrap.Config{
		R1Database: filepath.Join(t.TempDir(), "streamer.db"),
		AuthSecret: testAuthSecret, IngestAPIKey: testIngestKey, LogLevel: "warn", LogFormat: "text",
		RateLimitCatalogMisses: "off", // as config: many clients played from one address
	}
}

// service is the wired service serving HTTP on 127.0.0.1, as the binary does.
type service struct {
	*bootstrap.Service
	base string
	logs *output.Buffer
	stop func() // stops serving and closes the stores; idempotent
}

// startService wires the service for cfg (bootstrap.New: the mode, the adapters, the migrations)
// and serves it until the test ends.
func startService(t *testing.T, cfg bootstrap.Config) *service {
	t.Helper()
	logs := &output.Buffer{}
	log := newLogger(logs)
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	svc, err := bootstrap.New(ctx, cfg, log)
	if err != nil {
		t.Fatalf("start the service: %v", err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	runCtx, cancelRun := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- svc.Run(runCtx, ln, log) }()
	var once sync.Once
	stop := func() {
		once.Do(func() {
			cancelRun()
			if err := <-done; err != nil {
				t.Errorf("serve: %v", err)
			}
			if err := svc.Close(); err != nil {
				t.Logf("close: %v", err)
			}
		})
	}
	t.Cleanup(func() {
		stop()
		if t.Failed() {
			t.Logf("service logs (%s):\n%s", svc.Mode, logs.String())
		}
	})
	return &service{Service: svc, base: "http://" + ln.Addr().String(), logs: logs, stop: stop}
}

func newLogger(w io.Writer) *slog.Logger {
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: slog.LevelWarn}))
}

func itoa(n int) string { return strconv.Itoa(n) }

// answer is one HTTP answer, read whole.
type answer struct {
	status int
	header http.Header
	body   []byte
}

func (a answer) json(t testing.TB) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(a.body, &m); err != nil {
		t.Fatalf("not a JSON object (%d): %v\n%s", a.status, err, a.body)
	}
	return m
}

var httpClient = &http.Client{Timeout: 60 * time.Second}

// call sends a request to s; body may be nil, a string or anything JSON encodes.
func (s *service) call(t testing.TB, method, path string, body any, header ...string) answer {
	t.Helper()
	var reader io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		reader = strings.NewReader(b)
	case []byte:
		reader = bytes.NewReader(b)
	default:
		raw, err := json.Marshal(b)
		if err != nil {
			t.Fatal(err)
		}
		reader = bytes.NewReader(raw)
	}
	req, err := http.NewRequest(method, s.base+path, reader)
	if err != nil {
		t.Fatal(err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := httpClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("%s %s: read: %v", method, path, err)
	}
	return answer{status: resp.StatusCode, header: resp.Header, body: raw}
}

func (s *service) get(t testing.TB, path string, header ...string) answer {
	t.Helper()
	return s.call(t, http.MethodGet, path, nil, header...)
}
