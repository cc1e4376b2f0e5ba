package rest

import (
	"github.com/gofiber/fiber/v2"

	"github.com/torrent-streamer/streamer/application/catalog"
)

// catalogHandlers serve the read side of the catalog.
type catalogHandlers struct {
	catalog *catalog.Service
}

func (s *server) catalogRoutes(svc *catalog.Service) {
	h := &catalogHandlers{catalog: svc}
	// Search and details record what a signed-in caller does, so they look the session up when the
	// request carries a token; anonymous requests skip it, and a bad token is served anonymously.
	var session fiber.Handler
	if s.sessions != nil {
		session = s.sessions.optional
	}
	// search and latest come before :id, which would otherwise take them as ids.
	// Anonymous answers are kept encoded for a second (responses.go); signed-in ones never are.
	// Anonymous reads that reach the store are limited per client address (misslimit.go); the
	// guard is inside the cache, as only a miss can reach the store.
	cached := s.responses.cached
	guarded := s.guardMisses(newMissLimiter(s.limits.CatalogMissesPerIP))
	s.route(fiber.MethodGet, "/api/torrents/search", maxBody, handlers(session, cached(guarded(h.search)))...)
	s.route(fiber.MethodGet, "/api/torrents/latest", maxBody, cached(guarded(h.latest)))
	s.route(fiber.MethodGet, "/api/torrents/:id", maxBody, handlers(session, cached(guarded(h.details)))...)
	s.route(fiber.MethodGet, "/api/categories", maxBody, cached(h.categories))
}

func (h *catalogHandlers) search(c *fiber.Ctx) error {
	q, err := parseSearchQuery(c.Context().QueryArgs())
	if err != nil {
		return err
	}
	result, err := h.catalog.Search(c.UserContext(), q.request())
	if err != nil {
		return err
	}
	return writeJSON(c, fiber.StatusOK, searchResponseOf(result))
}

func (h *catalogHandlers) latest(c *fiber.Ctx) error {
	q, err := parseLatestQuery(c.Context().QueryArgs())
	if err != nil {
		return err
	}
	list, err := h.catalog.Latest(c.UserContext(), q.Category, q.Limit)
	if err != nil {
		return err
	}
	return writeJSON(c, fiber.StatusOK, summaryListResponse{Items: summariesOf(list)})
}

func (h *catalogHandlers) details(c *fiber.Ctx) error {
	// The id is parsed into numbers by the use case before anything keeps it, so Fiber's reused
	// buffer behind it needs no copy.
	t, err := h.catalog.Details(c.UserContext(), c.Params("id"))
	if err != nil {
		return err
	}
	return writeJSON(c, fiber.StatusOK, torrentOf(t))
}

func (h *catalogHandlers) categories(c *fiber.Ctx) error {
	list, err := h.catalog.Categories(c.UserContext())
	if err != nil {
		return err
	}
	return writeJSON(c, fiber.StatusOK, categoriesOf(list))
}
