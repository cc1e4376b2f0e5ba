package rest

import (
	"context"
	"errors"
	"log/slog"
	"math"
	"strconv"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/torrent-streamer/streamer/application/health"
	"github.com/torrent-streamer/streamer/domain"
)

// operationsHandlers serve the probes of orchestrators and operators.
type operationsHandlers struct {
	health  *health.Service
	version string
	log     *slog.Logger
}

func (s *server) operationsRoutes(svc *health.Service, openAPI []byte) {
	h := &operationsHandlers{health: svc, version: s.version, log: s.log}
	s.route(fiber.MethodGet, "/api/health", maxBody, h.report)
	s.route(fiber.MethodGet, "/livez", maxBody, h.livez)
	s.route(fiber.MethodGet, "/readyz", maxBody, h.readyz)
	s.route(fiber.MethodGet, "/api/openapi.json", maxBody, serveOpenAPI(openAPI))
	if !s.metricsElsewhere {
		s.route(fiber.MethodGet, "/metrics", maxBody, metricsHandler(svc, s.connections))
	}
	s.docsRoutes()
}

type healthResponse struct {
	Status        string           `json:"status"`
	Version       string           `json:"version"`
	UptimeSeconds int64            `json:"uptimeSeconds"`
	Checks        healthChecksDTO  `json:"checks"`
	Cache         cacheStatsDTO    `json:"cache"`
	Activity      activityStatsDTO `json:"activity"`
	Upstream      upstreamDTO      `json:"upstream"`
}

// upstreamDTO counts the requests made to Cloudflare: always present, zeros on the embedded
// default.
type upstreamDTO struct {
	R1 upstreamCallsDTO `json:"r1"`
	KV upstreamCallsDTO `json:"kv"`
}

type upstreamCallsDTO struct {
	Calls   uint64 `json:"calls"`
	Errors  uint64 `json:"errors"`
	Retries uint64 `json:"retries"`
}

type activityStatsDTO struct {
	Recorded uint64 `json:"recorded"`
	Dropped  uint64 `json:"dropped"`
	Written  uint64 `json:"written"`
	Failed   uint64 `json:"failed"`
	Queued   int    `json:"queued"`
}

type healthChecksDTO struct {
	Database checkDTO `json:"database"`
	Cache    checkDTO `json:"cache"`
}

type checkDTO struct {
	Status    string  `json:"status"`
	LatencyMs float64 `json:"latencyMs"`
	Error     string  `json:"error"`
}

type cacheStatsDTO struct {
	Enabled     bool    `json:"enabled"`
	Hits        uint64  `json:"hits"`
	Misses      uint64  `json:"misses"`
	HitRate     float64 `json:"hitRate"`
	StaleServed uint64  `json:"staleServed"`
	LocalHits   uint64  `json:"localHits"`
	SharedHits  uint64  `json:"sharedHits"`
	Fills       uint64  `json:"fills"`
	Refreshes   uint64  `json:"refreshes"`
	Errors      uint64  `json:"errors"`
	LocalSize   int     `json:"localSize"`
	LocalBytes  int64   `json:"localBytes"`
	LocalMax    int64   `json:"localMaxBytes"`
	Pending     int     `json:"pendingInvalidations"`
}

// report answers 200 while the database answers, degraded cache included (the service still
// serves from the database), and 503 when it does not: a load balancer then routes elsewhere.
func (h *operationsHandlers) report(c *fiber.Ctx) error {
	r := h.health.Check(c.UserContext())
	version := r.Version
	if version == "" {
		version = h.version
	}
	st := r.Stats
	body := healthResponse{
		Status: string(r.Status), Version: version, UptimeSeconds: int64(r.Uptime / time.Second),
		Checks: healthChecksDTO{Database: checkOf(r.Database), Cache: checkOf(r.Cache)},
		Cache: cacheStatsDTO{
			Enabled: st.Enabled, Hits: st.Hits, Misses: st.Misses, HitRate: round(st.HitRate, 4), StaleServed: st.StaleServed,
			LocalHits: st.LocalHits, SharedHits: st.SharedHits, Fills: st.Fills, Refreshes: st.Refreshes,
			Errors: st.Errors, LocalSize: st.LocalSize, LocalBytes: st.LocalBytes, LocalMax: st.LocalMaxBytes,
			Pending: st.PendingInvalidations,
		},
		Activity: activityStatsDTO{
			Recorded: r.Activity.Recorded, Dropped: r.Activity.Dropped, Written: r.Activity.Written,
			Failed: r.Activity.Failed, Queued: r.Activity.Queued,
		},
		Upstream: upstreamDTO{R1: upstreamCallsDTO(r.Upstream.R1), KV: upstreamCallsDTO(r.Upstream.KV)},
	}
	c.Set(fiber.HeaderCacheControl, "no-store")
	status := fiber.StatusOK
	if r.Status == health.Down {
		status = fiber.StatusServiceUnavailable
		c.Set(fiber.HeaderRetryAfter, strconv.Itoa(retryAfterUnavailable))
	}
	return writeJSON(c, status, body)
}

func checkOf(ch health.Check) checkDTO {
	return checkDTO{Status: string(ch.Status), LatencyMs: round(float64(ch.Latency)/float64(time.Millisecond), 3), Error: ch.Error}
}

func round(x float64, digits int) float64 {
	p := math.Pow10(digits)
	return math.Round(x*p) / p
}

// livez says only that the process serves HTTP; it touches no store, so a slow database never
// gets a healthy process restarted.
func (h *operationsHandlers) livez(c *fiber.Ctx) error {
	c.Set(fiber.HeaderCacheControl, "no-store")
	return c.SendString("ok")
}

var errNotReady = &requestError{problem{
	status: fiber.StatusServiceUnavailable, code: codeUnavailable,
	detail: "The database is not reachable or not migrated yet.", retryAfter: retryAfterUnavailable,
}}

// readyz answers 200 once the database answers and is migrated, so no traffic arrives before.
func (h *operationsHandlers) readyz(c *fiber.Ctx) error {
	c.Set(fiber.HeaderCacheControl, "no-store")
	err := h.health.Ready(c.UserContext())
	if errors.Is(err, domain.ErrStorageFull) {
		// Reads still answer: the instance stays in rotation, and says why writes fail.
		return c.SendString("ok: the database's disk is full, writes are refused until space is freed")
	}
	if err != nil {
		// The cause stays in the log: it may name a host or carry a driver's message.
		h.log.LogAttrs(context.Background(), slog.LevelWarn, "not ready",
			slog.String("requestId", requestID(c)), slog.String("err", err.Error()))
		return errNotReady
	}
	return c.SendString("ok")
}
