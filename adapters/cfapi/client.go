package cfapi

import (
	"net/http"
	"strings"
	"time"

	"github.com/cloudflare/cloudflare-go/v7/d1"
	"github.com/cloudflare/cloudflare-go/v7/kv"
	"github.com/cloudflare/cloudflare-go/v7/option"
)

// DefaultBaseURL is the public Cloudflare API.
const DefaultBaseURL = "https://api.cloudflare.com/client/v4/"

// Config is what a client needs. Token is required.
type Config struct {
	// BaseURL is where the API is reached: empty for the public API, or the gateway Worker (or its
	// emulator), ".../client/v4".
	BaseURL string
	Token   string
	// Retry bounds the re-sends of a request; the zero value takes the defaults.
	Retry RetryPolicy
	// HTTPClient sends the requests (default: a client with a connection pool sized for a server's
	// concurrency and per-phase timeouts).
	HTTPClient *http.Client
}

// Client is the part of the Cloudflare API the adapters call: D1's databases and Workers KV's
// namespaces. It is built from those service packages alone, not from the SDK's root package, which
// imports every Cloudflare service (and would make the binary and a cold build several times larger).
type Client struct {
	D1 *d1.DatabaseService
	KV *kv.NamespaceService
}

// NewClient returns the Cloudflare API client the adapters use. Its own retries are off: the
// middleware retries instead, so every request sent is counted in up, retries included. Nothing is
// read from the environment (the SDK's root package would read CLOUDFLARE_API_KEY and friends): only
// the token given here is sent.
func NewClient(cfg Config, up *Upstream) *Client {
	base := cfg.BaseURL
	if base == "" {
		base = DefaultBaseURL
	}
	if !strings.HasSuffix(base, "/") {
		base += "/"
	}
	httpClient := cfg.HTTPClient
	if httpClient == nil {
		httpClient = defaultHTTPClient()
	}
	m := &middleware{up: up, policy: cfg.Retry.withDefaults()}
	opts := []option.RequestOption{
		option.WithBaseURL(base),
		option.WithAPIToken(cfg.Token),
		option.WithHTTPClient(httpClient),
		option.WithMaxRetries(0),
		option.WithMiddleware(m.handle),
	}
	return &Client{D1: d1.NewDatabaseService(opts...), KV: kv.NewNamespaceService(opts...)}
}

// defaultHTTPClient keeps enough idle connections to the one API host for a busy server (the
// standard transport keeps 2, and every request beyond them would open a new TLS connection).
// Each phase is bounded; the whole request is bounded by the caller's context.
func defaultHTTPClient() *http.Client {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.MaxIdleConns = 256
	t.MaxIdleConnsPerHost = 64
	t.IdleConnTimeout = 90 * time.Second
	t.ResponseHeaderTimeout = 60 * time.Second
	return &http.Client{Transport: t}
}
