package health

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"time"

	"golang.org/x/sync/singleflight"

	"github.com/torrent-streamer/streamer/application/activity"
	"github.com/torrent-streamer/streamer/application/caching"
	"github.com/torrent-streamer/streamer/domain"
	"github.com/torrent-streamer/streamer/ports"
)

// Status is the state of the service or of one store.
type Status string

// The statuses: ok when everything answers, degraded when the service still answers from its
// store but the cache does not, or the database answers reads but its disk is full, down when the
// database does not answer.
const (
	OK       Status = "ok"
	Degraded Status = "degraded"
	Down     Status = "down"
)

// ProbeTimeout bounds each probe, so /api/health answers even when a store hangs.
const ProbeTimeout = 2 * time.Second

// ProbeCacheTTL is how long the stores' probes are reused: however many requests /api/health and
// /readyz get, the stores are probed once per ProbeCacheTTL, by one request at a time (on
// Cloudflare, at most 2 upstream calls per probe: 8 a minute). A failure that asked the store
// nothing is reused only until the wait it was held for ends (see reuse); the other store's probe
// is still reused for ProbeCacheTTL.
const ProbeCacheTTL = 15 * time.Second

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

	probes singleflight.Group
	lastMu sync.Mutex
	last   probed
}

// probed is the last probe of each store. Each store's probe is reused until its own until: a
// probe held for one store's wait (see reuse) does not cut short the reuse of the other store's.
type probed struct {
	database, cache storeProbe
}

// storeProbe is the outcome of probing one store, when, and until when it is reused.
type storeProbe struct {
	at, until time.Time
	check     Check
	err       error
}

// fresh reports whether the probe is still reused at now.
func (p storeProbe) fresh(now time.Time) bool { return !p.at.IsZero() && now.Before(p.until) }

// held is a store's failure that asked the store nothing: the request stayed in the process while
// the wait of the API's last 429 runs (cfapi holds a rate-limited service's requests), and Held is
// what was left of that wait.
type held interface{ Held() time.Duration }

// reuse is how long a store's probe that ended with err is reused: ProbeCacheTTL, but a failure that
// asked the store nothing (held) only until its wait ends. It learned nothing of the store, and
// reused for ProbeCacheTTL it reported a store that answers again as down for up to 15 s. The
// probes that reach a store are still at least ProbeCacheTTL apart, whatever the other store does.
func reuse(err error) time.Duration {
	var h held
	if errors.As(err, &h) && h.Held() > 0 {
		return min(ProbeCacheTTL, h.Held())
	}
	return ProbeCacheTTL
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

// probed returns the last probe of each store while it is reused (see reuse), and probes the stores
// whose probe is no longer reused, both at once, one caller at a time: the others wait for its
// answer.
func (s *Service) probed(ctx context.Context) probed {
	if last, fresh := s.lastProbed(); fresh {
		return last
	}
	v, _, _ := s.probes.Do("probe", func() (any, error) {
		// Looked at again inside the flight: a caller that found no fresh probe just before another
		// flight stored one must not start a second probe of its own.
		last, fresh := s.lastProbed()
		if fresh {
			return last, nil
		}
		ctx := context.WithoutCancel(ctx) // the answer is everyone's, not its first caller's
		now := s.clock.Now()
		p := last
		var cache chan storeProbe
		if !last.cache.fresh(now) {
			cache = make(chan storeProbe, 1)
			go func() {
				defer func() {
					if r := recover(); r != nil { // a panic here would end the process, not the request
						s.log.Error("health probe panicked", "store", "cache", "panic", r)
						cache <- storeProbe{check: Check{Status: Down, Error: "cache does not answer"}}
					}
				}()
				c, err := s.probe(ctx, "cache", s.cache.Ping)
				cache <- storeProbe{check: c, err: err}
			}()
		}
		// The database's probe runs on the caller's goroutine, where a panic reaches the request's
		// recovery (singleflight passes it to the callers waiting too).
		if !last.database.fresh(now) {
			c, err := s.probe(ctx, "database", s.database.Ping)
			p.database = stamped(storeProbe{check: c, err: err}, s.clock.Now())
		}
		if cache != nil {
			p.cache = stamped(<-cache, s.clock.Now())
		}
		s.lastMu.Lock()
		s.last = p
		s.lastMu.Unlock()
		return p, nil
	})
	return v.(probed)
}

// stamped is p probed at at, reused as reuse says.
func stamped(p storeProbe, at time.Time) storeProbe {
	p.at, p.until = at, at.Add(reuse(p.err))
	return p
}

// lastProbed returns the last probes and whether both are still reused (see reuse).
func (s *Service) lastProbed() (probed, bool) {
	s.lastMu.Lock()
	last := s.last
	s.lastMu.Unlock()
	now := s.clock.Now()
	return last, last.database.fresh(now) && last.cache.fresh(now)
}

// Check reports the stores' probes (see ProbeCacheTTL) and the counters as they are now.
func (s *Service) Check(ctx context.Context) Report {
	p := s.probed(ctx)
	db, cache := p.database.check, p.cache.check
	counters := s.Counters()
	r := Report{
		Status: OK, Version: s.version, Uptime: s.clock.Now().Sub(s.started),
		Database: db, Cache: cache, Stats: counters.Cache, Activity: counters.Activity, Upstream: counters.Upstream,
	}
	switch {
	case db.Status == Degraded:
		r.Status = Degraded
	case db.Status != OK:
		r.Status = Down
	case cache.Status != OK:
		r.Status = Degraded
	}
	return r
}

// Ready returns nil when the database answers and is migrated (probed as Check says). A full disk
// is an error wrapping domain.ErrStorageFull: the instance still serves reads, so the caller may
// keep it in rotation.
func (s *Service) Ready(ctx context.Context) error {
	return s.probed(ctx).database.err
}

func (s *Service) probe(ctx context.Context, name string, ping func(context.Context) error) (Check, error) {
	ctx, cancel := context.WithTimeout(ctx, ProbeTimeout)
	defer cancel()
	start := time.Now()
	err := ping(ctx)
	c := Check{Status: OK, Latency: time.Since(start)}
	switch {
	case err == nil:
	case errors.Is(err, domain.ErrStorageFull):
		s.log.Warn("health probe: no space left for writes", "store", name, "err", err)
		c.Status = Degraded
		c.Error = name + " has no space left on its disk: writes are refused until space is freed; reads answer"
	default:
		s.log.Warn("health probe failed", "store", name, "err", err)
		c.Status = Down
		c.Error = name + " does not answer"
		if errors.Is(err, context.DeadlineExceeded) {
			c.Error = name + " did not answer within " + ProbeTimeout.String()
		}
	}
	return c, err
}
