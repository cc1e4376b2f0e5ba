package cfapi

import (
	"strings"
	"sync/atomic"

	"github.com/torrent-streamer/streamer/ports"
)

// Service is a Cloudflare product the adapters call; requests are counted per service.
type Service string

// The services the adapters call.
const (
	R1 Service = "r1" // D1, the database
	KV Service = "kv" // Workers KV, the shared cache
)

// serviceOf tells a request's service from its path (/accounts/{id}/d1/... or
// /accounts/{id}/storage/kv/...). The adapters call nothing else; the D1 database lookup at
// start-up is under /d1/ too.
func serviceOf(path string) Service {
	if strings.Contains(path, "/storage/kv/") {
		return KV
	}
	return R1
}

// Upstream counts the requests made to Cloudflare, per service: every request sent (re-sends
// included), the ones that failed, and the re-sends. The client's own retries are turned off, so
// these are exactly the requests that left the process. Safe for concurrent use; the zero value
// is ready.
type Upstream struct {
	r1, kv counters
}

type counters struct {
	calls, errors, retries atomic.Uint64
}

func (u *Upstream) of(s Service) *counters {
	if s == KV {
		return &u.kv
	}
	return &u.r1
}

// UpstreamStats returns the counters (health and /metrics read them through this method).
func (u *Upstream) UpstreamStats() ports.UpstreamStats {
	return ports.UpstreamStats{R1: u.r1.snapshot(), KV: u.kv.snapshot()}
}

func (c *counters) snapshot() ports.UpstreamCalls {
	return ports.UpstreamCalls{Calls: c.calls.Load(), Errors: c.errors.Load(), Retries: c.retries.Load()}
}
