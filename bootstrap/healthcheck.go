package bootstrap

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"time"
)

// HealthcheckTimeout bounds `streamer healthcheck`: a container engine runs it every few seconds.
const HealthcheckTimeout = 3 * time.Second

// Healthcheck asks the server this configuration starts (ADDR or PORT) whether it is alive: GET
// /livez on the loopback address of its port. It is the container image's HEALTHCHECK, which
// runs the binary itself because the image has no shell and no curl.
func Healthcheck(ctx context.Context, cfg Config) error {
	url := "http://" + probeAddr(cfg.ListenAddr()) + "/livez"
	ctx, cancel := context.WithTimeout(ctx, HealthcheckTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	client := &http.Client{Transport: &http.Transport{Proxy: nil, DisableKeepAlives: true}}
	resp, err := client.Do(req)
	if err != nil {
		return fmt.Errorf("GET %s: %w", url, err)
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("GET %s: %s", url, resp.Status)
	}
	return nil
}

// probeAddr is where a local client reaches a listen address: an unspecified host (":8080",
// "0.0.0.0:8080", "[::]:8080") is reached on 127.0.0.1.
func probeAddr(listen string) string {
	host, port, err := net.SplitHostPort(listen)
	if err != nil {
		return listen
	}
	if ip := net.ParseIP(host); host == "" || (ip != nil && ip.IsUnspecified()) {
		host = "127.0.0.1"
	}
	return net.JoinHostPort(host, port)
}
