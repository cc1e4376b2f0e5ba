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
	Release    releaseDTO     `json:"release"`
	IMDbID     string         `json:"imdbId,omitempty"`
	TMDbID     int64          `json:"tmdbId,omitempty"`
	TVDbID     int64          `json:"tvdbId,omitempty"`
	WebSeeds   []string       `json:"webSeeds"`
}

// releaseDTO is what the name says; a part it does not say is left out.
type releaseDTO struct {
	Title          string `json:"title,omitempty"`
	Year           int    `json:"year,omitempty"`
	Season         *int   `json:"season,omitempty"`
	Seasons        []int  `json:"seasons,omitempty"`
	Episodes       []int  `json:"episodes,omitempty"`
	AirDate        string `json:"airDate,omitempty"`
	Resolution     string `json:"resolution,omitempty"`
	Source         string `json:"source,omitempty"`
	Codec          string `json:"codec,omitempty"`
	HDR            string `json:"hdr,omitempty"`
	Audio          string `json:"audio,omitempty"`
	Group          string `json:"group,omitempty"`
	CompleteSeason bool   `json:"completeSeason,omitempty"`
}

type fileDTO struct {
	Path      string `json:"path"`
	Size      int64  `json:"size"`
	MediaType string `json:"mediaType"`
	Playable  bool   `json:"playable"`
}

type torrentDTO struct {
	torrentSummaryDTO
	Description string    `json:"description"`
	Files       []fileDTO `json:"files"`
	FileCount   int       `json:"fileCount"`
	MainFile    *int      `json:"mainFile,omitempty"`
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
		Magnet: t.Magnet().String(), Release: releaseOf(t.Release),
		IMDbID: t.External.IMDb, TMDbID: t.External.TMDb, TVDbID: t.External.TVDb,
		WebSeeds: nonNil(t.WebSeeds),
	}
}

// releaseOf gives the first season as season, and the whole list as seasons only when a release
// spans several (S01-S03).
func releaseOf(r domain.Release) releaseDTO {
	out := releaseDTO{
		Title: r.Title, Year: r.Year, Episodes: r.Episodes, AirDate: r.AirDate, Resolution: r.Resolution,
		Source: r.Source, Codec: r.Codec, HDR: r.HDR, Audio: r.Audio, Group: r.Group,
		CompleteSeason: r.CompleteSeason,
	}
	if len(r.Seasons) > 0 {
		out.Season = &r.Seasons[0]
	}
	if len(r.Seasons) > 1 {
		out.Seasons = r.Seasons
	}
	return out
}

func nonNil(list []string) []string {
	if list == nil {
		return []string{}
	}
	return list
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
		files[i] = fileDTO{Path: f.Path, Size: f.Size, MediaType: f.MediaType(), Playable: f.Playable()}
	}
	var mainFile *int
	if i := t.MainFile(); i >= 0 {
		mainFile = &i
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
		MainFile:          mainFile,
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
