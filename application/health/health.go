package health

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"time"

	"github.com/torrent-streamer/streamer/application/activity"
	"github.com/torrent-streamer/streamer/application/caching"
	"github.com/torrent-streamer/streamer/ports"
)

// Status is the state of the service or of one store.
type Status string

// The statuses: ok when everything answers, degraded when the service still answers from its
// store but the cache does not, down when the database does not answer.
const (
	OK       Status = "ok"
	Degraded Status = "degraded"
	Down     Status = "down"
)

// ProbeTimeout bounds each probe, so /api/health answers even when a store hangs.
const ProbeTimeout = 2 * time.Second

// Check is the result of probing one store. Error is a sentence safe to show a client: it never
// carries a host name or a driver's message.
type Check struct {
	Status  Status
	Latency time.Duration
	Error   string
}

// Report is the whole health answer.
type Report struct {
	Status   Status
	Version  string
	Uptime   time.Duration
	Database Check
	Cache    Check
	Stats    caching.Stats
	// Activity counts what the activity recorder kept, wrote and dropped (zero without one).
	Activity activity.Stats
	// Upstream counts the requests made to Cloudflare per service (zero on the embedded default).
	Upstream ports.UpstreamStats
}

// Counters are the report's counters alone, read without probing any store: what /metrics serves,
// so a scrape costs no upstream request.
type Counters struct {
	Cache    caching.Stats
	Activity activity.Stats
	Upstream ports.UpstreamStats
}

// ActivityCounter is the activity recorder, as far as health is concerned.
type ActivityCounter interface {
	Stats() activity.Stats
}

// UpstreamCounter counts the requests the adapters make to remote services (cfapi.Upstream).
type UpstreamCounter interface {
	UpstreamStats() ports.UpstreamStats
}

// Service probes the stores.
type Service struct {
	database ports.Pinger
	cache    *caching.Store
	clock    ports.Clock
	version  string
	started  time.Time
	log      *slog.Logger
	activity ActivityCounter
	upstream UpstreamCounter
}

// NewService returns the health use case; started is when the process started.
func NewService(database ports.Pinger, cache *caching.Store, clock ports.Clock, version string, log *slog.Logger) *Service {
	return &Service{database: database, cache: cache, clock: clock, version: version, started: clock.Now(), log: log}
}

// WithActivity makes the report count the activity recorder's work, so a full buffer (activities
// dropped) shows in /api/health and not only in the logs.
func (s *Service) WithActivity(a ActivityCounter) *Service {
	s.activity = a
	return s
}

// WithUpstream makes the report count the requests made to remote services (Cloudflare's R1 and
// KV), so the API budget shows in /api/health and /metrics.
func (s *Service) WithUpstream(u UpstreamCounter) *Service {
	s.upstream = u
	return s
}

// Counters returns the counters without probing the stores.
func (s *Service) Counters() Counters {
	c := Counters{Cache: s.cache.Stats()}
	if s.activity != nil {
		c.Activity = s.activity.Stats()
	}
	if s.upstream != nil {
		c.Upstream = s.upstream.UpstreamStats()
	}
	return c
}

// Check probes the database and the cache at once and reports both.
func (s *Service) Check(ctx context.Context) Report {
	var wg sync.WaitGroup
	var db, cache Check
	wg.Add(2)
	go func() { defer wg.Done(); db = s.probe(ctx, "database", s.database.Ping) }()
	go func() { defer wg.Done(); cache = s.probe(ctx, "cache", s.cache.Ping) }()
	wg.Wait()
	counters := s.Counters()
	r := Report{
		Status: OK, Version: s.version, Uptime: s.clock.Now().Sub(s.started),
		Database: db, Cache: cache, Stats: counters.Cache, Activity: counters.Activity, Upstream: counters.Upstream,
	}
	switch {
	case db.Status != OK:
		r.Status = Down
	case cache.Status != OK:
		r.Status = Degraded
	}
	return r
}

// Ready returns nil when the database answers and is migrated.
func (s *Service) Ready(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, ProbeTimeout)
	defer cancel()
	return s.database.Ping(ctx)
}

func (s *Service) probe(ctx context.Context, name string, ping func(context.Context) error) Check {
	ctx, cancel := context.WithTimeout(ctx, ProbeTimeout)
	defer cancel()
	start := time.Now()
	err := ping(ctx)
	c := Check{Status: OK, Latency: time.Since(start)}
	if err != nil {
		s.log.Warn("health probe failed", "store", name, "err", err)
		c.Status = Down
		c.Error = name + " does not answer"
		if errors.Is(err, context.DeadlineExceeded) {
			c.Error = name + " did not answer within " + ProbeTimeout.String()
		}
	}
	return c
}
