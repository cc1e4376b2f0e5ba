package bootstrap

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestProbeAddr(t *testing.T) {
	for listen, want := range map[string]string{
		":8080":          "127.0.0.1:8080",
		"0.0.0.0:9000":   "127.0.0.1:9000",
		"[::]:9000":      "127.0.0.1:9000",
		"127.0.0.1:8081": "127.0.0.1:8081",
		"[::1]:8082":     "[::1]:8082",
		"10.1.2.3:80":    "10.1.2.3:80",
	} {
		if got := probeAddr(listen); got != want {
			t.Errorf("probeAddr(%q) = %q, want %q", listen, got, want)
		}
	}
}

func TestHealthcheck(t *testing.T) {
	status := http.StatusOK
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/livez" {
			http.NotFound(w, r)
			return
		}
		w.WriteHeader(status)
	}))
	defer srv.Close()
	_, port, _ := net.SplitHostPort(strings.TrimPrefix(srv.URL, "http://"))
	if err := Healthcheck(context.Background(), Config{Port: port}); err != nil {
		t.Fatalf("a live server: %v", err)
	}
	status = http.StatusServiceUnavailable
	if err := Healthcheck(context.Background(), Config{Port: port}); err == nil || !strings.Contains(err.Error(), "503") {
		t.Fatalf("a server answering 503: %v", err)
	}
	srv.Close()
	if err := Healthcheck(context.Background(), Config{Port: port}); err == nil {
		t.Fatal("no server: no error")
	}
}
