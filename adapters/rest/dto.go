package rest

import (
	"encoding/json"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/torrent-streamer/streamer/application/catalog"
	"github.com/torrent-streamer/streamer/domain"
)

// The response DTOs: the contract's JSON shapes. Domain types carry no tags; these do. Lists are
// made non-nil so they encode as [], never null; timestamps are strings already in the contract's
// form, so no time.Time reaches the encoder with its nanoseconds or its zone.

type categoryRefDTO struct {
	Slug string `json:"slug"`
	Name string `json:"name"`
}

type torrentSummaryDTO struct {
	ID         int64          `json:"id"`
	InfoHash   string         `json:"infoHash"`
	Name       string         `json:"name"`
	Size       int64          `json:"size"`
	Category   categoryRefDTO `json:"category"`
	Seeders    int64          `json:"seeders"`
	Leechers   int64          `json:"leechers"`
	UploadedAt string         `json:"uploadedAt"`
	Magnet     string         `json:"magnet"`
}

type fileDTO struct {
	Path string `json:"path"`
	Size int64  `json:"size"`
}

type torrentDTO struct {
	torrentSummaryDTO
	Description string    `json:"description"`
	Files       []fileDTO `json:"files"`
	FileCount   int       `json:"fileCount"`
	Trackers    []string  `json:"trackers"`
	CreatedAt   string    `json:"createdAt"`
	UpdatedAt   string    `json:"updatedAt"`
}

type searchResponse struct {
	Items []torrentSummaryDTO `json:"items"`
	Total int                 `json:"total"`
	// TotalIsEstimate is true when Total is a lower bound: counting stops at domain.SearchCountLimit.
	TotalIsEstimate bool   `json:"totalIsEstimate"`
	Page            int    `json:"page"`
	Limit           int    `json:"limit"`
	NextCursor      string `json:"nextCursor"`
}

type summaryListResponse struct {
	Items []torrentSummaryDTO `json:"items"`
}

type categoryDTO struct {
	ID           int64  `json:"id"`
	Slug         string `json:"slug"`
	Name         string `json:"name"`
	TorrentCount int64  `json:"torrentCount"`
}

type categoryListResponse struct {
	Items []categoryDTO `json:"items"`
}

// timestamp is the contract's time: RFC 3339, UTC, whole seconds.
func timestamp(t time.Time) string {
	return t.UTC().Truncate(time.Second).Format(time.RFC3339)
}

func summaryOf(t domain.TorrentSummary) torrentSummaryDTO {
	return torrentSummaryDTO{
		ID: t.ID, InfoHash: t.InfoHash.String(), Name: t.Name, Size: t.Size,
		Category: categoryRefDTO{Slug: t.Category.Slug, Name: t.Category.Name},
		Seeders:  t.Seeders, Leechers: t.Leechers, UploadedAt: timestamp(t.UploadedAt),
		Magnet: t.Magnet().String(),
	}
}

func summariesOf(list []domain.TorrentSummary) []torrentSummaryDTO {
	out := make([]torrentSummaryDTO, len(list))
	for i, t := range list {
		out[i] = summaryOf(t)
	}
	return out
}

func torrentOf(t domain.Torrent) torrentDTO {
	files := make([]fileDTO, len(t.Files))
	for i, f := range t.Files {
		files[i] = fileDTO{Path: f.Path, Size: f.Size}
	}
	trackers := t.Trackers
	if trackers == nil {
		trackers = []string{}
	}
	return torrentDTO{
		torrentSummaryDTO: summaryOf(t.Summary()),
		Description:       t.Description,
		Files:             files,
		FileCount:         len(files),
		Trackers:          trackers,
		CreatedAt:         timestamp(t.CreatedAt),
		UpdatedAt:         timestamp(t.UpdatedAt),
	}
}

func searchResponseOf(r catalog.SearchResult) searchResponse {
	return searchResponse{
		Items: summariesOf(r.Items), Total: r.Total, TotalIsEstimate: !r.TotalExact,
		Page: r.Page, Limit: r.Limit, NextCursor: r.NextCursor,
	}
}

func categoriesOf(list []domain.Category) categoryListResponse {
	out := make([]categoryDTO, len(list))
	for i, c := range list {
		out[i] = categoryDTO{ID: c.ID, Slug: c.Slug, Name: c.Name, TorrentCount: c.TorrentCount}
	}
	return categoryListResponse{Items: out}
}

// writeJSON encodes v straight into the response buffer: no intermediate []byte per response, as
// json.Marshal would make. HTML escaping is off because no response is HTML, and magnets read
// better with their & intact.
func writeJSON(c *fiber.Ctx, status int, v any) error {
	return writeJSONAs(c, status, fiber.MIMEApplicationJSON, v)
}

func writeJSONAs(c *fiber.Ctx, status int, contentType string, v any) error {
	c.Status(status)
	c.Response().Header.SetContentType(contentType)
	enc := json.NewEncoder(c.Response().BodyWriter())
	enc.SetEscapeHTML(false)
	return enc.Encode(v)
}
