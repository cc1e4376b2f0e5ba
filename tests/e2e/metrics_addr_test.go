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
	s.stop(t)
}
