package ports

import "context"

// Pinger is a backing store that can say whether it answers.
type Pinger interface {
	Ping(ctx context.Context) error
}

// UpstreamCalls counts the requests made to one remote service since start. Calls counts every
// request sent, re-sends included; Errors the requests that failed (no answer, 401, 403, 429, 5xx);
// Retries the re-sends. An answer the caller expects (a cache miss, a constraint violation) is not
// an error.
type UpstreamCalls struct {
	Calls, Errors, Retries uint64
}

// UpstreamStats are the counters of every remote service the adapters call: R1 (Cloudflare D1) and
// KV (Workers KV). All zero on the embedded default, which calls none.
type UpstreamStats struct {
	R1, KV UpstreamCalls
}
