package e2e

import (
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/torrent-streamer/streamer/tests/servicebin"
)

// With METRICS_ADDR, /metrics is served there only: the public address answers 404 for it.
func TestMetricsOnTheirOwnAddress(t *testing.T) {
	bin := servicebin.Path(t)
	metrics := freeAddr(t)
	s, _ := binary(bin, t.TempDir())(t, "METRICS_ADDR="+metrics)
	if code := s.getJSON(t, "/metrics", nil); code != http.StatusNotFound {
		t.Fatalf("public /metrics: %d, want 404", code)
	}
	// Not the default client, which validates answers against the API's document: this is not the API.
	res, err := (&http.Client{Transport: &http.Transport{}}).Get("http://" + metrics + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != 200 || !strings.Contains(string(body), "streamer_upstream_calls_total") {
		t.Fatalf("METRICS_ADDR /metrics: %d\n%.300s", res.StatusCode, body)
	}
	// Go's profiles are off unless PPROF=true, and never on the public address.
	if code := plainGet(t, "http://"+metrics+"/debug/pprof/heap"); code != http.StatusNotFound {
		t.Fatalf("METRICS_ADDR /debug/pprof/heap without PPROF: %d, want 404", code)
	}
	s.stop(t)

	metrics = freeAddr(t)
	s, _ = binary(bin, t.TempDir())(t, "METRICS_ADDR="+metrics, "PPROF=true")
	if code := s.getJSON(t, "/debug/pprof/heap", nil); code != http.StatusNotFound {
		t.Fatalf("public /debug/pprof/heap with PPROF=true: %d, want 404", code)
	}
	if code := plainGet(t, "http://"+metrics+"/debug/pprof/heap"); code != http.StatusOK {
		t.Fatalf("METRICS_ADDR /debug/pprof/heap with PPROF=true: %d, want 200", code)
	}
	s.stop(t)
}

// plainGet is the status of a GET by a client that does not check answers against the API's document.
func plainGet(t *testing.T, url string) int {
	t.Helper()
	res, err := (&http.Client{Transport: &http.Transport{}}).Get(url)
	if err != nil {
		t.Fatal(err)
	}
	_, _ = io.Copy(io.Discard, res.Body)
	res.Body.Close()
	return res.StatusCode
}
