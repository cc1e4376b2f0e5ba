package rest

import (
	"github.com/gofiber/fiber/v2"
	"github.com/valyala/fasthttp"
)

// takedownRoutes serve the takedown of torrents and the blocklist, behind the ingest key and its
// per-key limit (one budget for every write to the catalog).
func (s *server) takedownRoutes(h *ingestHandlers, perKey fiber.Handler) {
	deadline := withDeadline(s.requestTimeout)
	s.route(fiber.MethodDelete, "/api/torrents/:id", maxBody, handlers(h.requireKey, perKey, deadline, h.takeDownOne)...)
	s.route(fiber.MethodPost, "/api/torrents/takedown", maxBody,
		handlers(h.requireKey, perKey, requireJSON, deadline, h.takeDown)...)
	s.route(fiber.MethodDelete, "/api/torrents/takedown/:infoHash", maxBody,
		handlers(h.requireKey, perKey, deadline, h.unblock)...)
	// Before GET /api/torrents/:id, which would take "takedown" for an id (server.New registers the
	// ingest routes before the catalog's).
	s.route(fiber.MethodGet, "/api/torrents/takedown", maxBody, handlers(noStore, h.requireKey, perKey, deadline, h.listBlocked)...)
}

// takedownRequest is the body of POST /api/torrents/takedown. Each hash is read on its own, so a
// malformed one fails alone.
type takedownRequest struct {
	InfoHashes []string `json:"infoHashes" validate:"required,min=1,max=1000"`
}

// takedownReportDTO is the TakedownReport of the contract. A result's error is present only when
// its status is failed; its id only when it is removed.
type takedownReportDTO struct {
	Removed int                 `json:"removed"`
	Blocked int                 `json:"blocked"`
	Failed  int                 `json:"failed"`
	Results []takedownResultDTO `json:"results"`
}

type takedownResultDTO struct {
	Index    int            `json:"index"`
	InfoHash string         `json:"infoHash"`
	Status   string         `json:"status"`
	ID       int64          `json:"id,omitempty"`
	Error    *fieldErrorDTO `json:"error,omitempty"`
}

func (h *ingestHandlers) takeDown(c *fiber.Ctx) error {
	var req takedownRequest
	if err := decodeBody(c.Request().Body(), &req); err != nil {
		return err
	}
	if err := check(&req); err != nil {
		return err
	}
	done, err := h.ingest.TakeDown(c.UserContext(), req.InfoHashes)
	if err != nil {
		return err
	}
	if done.Removed > 0 {
		h.responses.purge() // the next read on this server no longer shows them
	}
	report := takedownReportDTO{Removed: done.Removed, Blocked: done.Blocked, Failed: done.Failed,
		Results: make([]takedownResultDTO, len(done.Results))}
	for i, r := range done.Results {
		report.Results[i] = takedownResultDTO{Index: r.Index, InfoHash: r.InfoHash, Status: string(r.Status), ID: r.ID}
		if r.Problem != nil {
			report.Results[i].Error = &fieldErrorDTO{Field: r.Problem.Field, Message: r.Problem.Message}
		}
	}
	return writeJSON(c, fiber.StatusOK, report)
}

func (h *ingestHandlers) takeDownOne(c *fiber.Ctx) error {
	if _, err := h.ingest.TakeDownOne(c.UserContext(), c.Params("id")); err != nil {
		return err
	}
	h.responses.purge()
	c.Status(fiber.StatusNoContent)
	return nil
}

func (h *ingestHandlers) unblock(c *fiber.Ctx) error {
	if err := h.ingest.Unblock(c.UserContext(), c.Params("infoHash")); err != nil {
		return err
	}
	c.Status(fiber.StatusNoContent)
	return nil
}

// blockedPageDTO is a page of the blocklist.
type blockedPageDTO struct {
	Items []blockedDTO `json:"items"`
	Next  string       `json:"next"`
}

type blockedDTO struct {
	InfoHash  string `json:"infoHash"`
	BlockedAt string `json:"blockedAt"`
}

func (h *ingestHandlers) listBlocked(c *fiber.Ctx) error {
	limit, after, err := parseBlockedQuery(c.Context().QueryArgs())
	if err != nil {
		return err
	}
	page, err := h.ingest.ListBlocked(c.UserContext(), after, limit)
	if err != nil {
		return err
	}
	out := blockedPageDTO{Items: make([]blockedDTO, len(page.Items)), Next: page.Next}
	for i, b := range page.Items {
		out.Items[i] = blockedDTO{InfoHash: b.InfoHash.String(), BlockedAt: timestamp(b.BlockedAt)}
	}
	return writeJSON(c, fiber.StatusOK, out)
}

// parseBlockedQuery reads limit and after; the use case judges their values.
func parseBlockedQuery(args *fasthttp.Args) (limit int, after string, err error) {
	var r queryReader
	args.VisitAll(func(key, value []byte) {
		if len(value) == 0 {
			return
		}
		switch string(key) {
		case "limit":
			if r.once(bitLimit, "limit") {
				if n, ok := r.uint("limit", value, maxPageNumber, msgLimit); ok && n == 0 {
					r.problems.Add("limit", msgLimit)
				} else {
					limit = int(n)
				}
			}
		case "after":
			if r.once(bitAfter, "after") {
				after = string(value)
			}
		}
	})
	return limit, after, r.finish(nil)
}
