package rest

import (
	"bytes"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"encoding/json"
	"errors"
	"reflect"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/torrent-streamer/streamer/application/ingest"
	"github.com/torrent-streamer/streamer/domain"
)

const ingestPath = "/api/ingest"

// ingestHandlers serve POST /api/ingest behind the ingest key.
type ingestHandlers struct {
	ingest *ingest.Service
	// keyDigest is the SHA-256 of the configured key: comparing digests takes the same time
	// whatever the length of the key presented, so timing tells nothing about the real one.
	keyDigest [sha256.Size]byte
	enabled   bool
	responses *responseCache
}

func (s *server) ingestRoutes(svc *ingest.Service, apiKey string) {
	h := &ingestHandlers{ingest: svc, enabled: apiKey != "", responses: s.responses}
	if h.enabled {
		h.keyDigest = sha256.Sum256([]byte(apiKey))
	}
	// The limit counts after the key check, by a hash of the key: never the key itself, and
	// wrong keys do not fill the limiter with buckets of their own.
	keyID := hex.EncodeToString(h.keyDigest[:12])
	perKey := rateLimiter(s.limits.IngestPerKey, "ingest/key:", func(*fiber.Ctx) string { return keyID })
	// Session auth never runs here: a bearer token on this route is the ingest key.
	s.route(fiber.MethodPost, ingestPath, maxIngestBody,
		handlers(h.requireKey, perKey, requireJSON, withDeadline(s.requestTimeout), h.ingestBatch)...)
	s.takedownRoutes(h, perKey)
}

// errIngestDisabled has no Retry-After: ingest stays off until an operator sets the key.
var errIngestDisabled = &requestError{problem{
	status: fiber.StatusServiceUnavailable, code: codeUnavailable,
	detail: "Ingest is disabled on this server: set INGEST_API_KEY and restart it to enable POST /api/ingest.",
}}

// errNoIngestKey says how to authenticate; it maps to 401 unauthenticated like
// domain.ErrUnauthenticated, with a sentence that helps the operator of the caller.
var errNoIngestKey = &requestError{problem{
	status: fiber.StatusUnauthorized, code: codeUnauthenticated,
	detail: "A valid ingest key is required: send it as X-API-Key: <key> or Authorization: Bearer <key>.",
}}

// requireKey lets the request through only with the ingest key, from X-API-Key or a bearer token.
// With no key configured the route is closed, never open.
func (h *ingestHandlers) requireKey(c *fiber.Ctx) error {
	if !h.enabled {
		return errIngestDisabled
	}
	key := c.Request().Header.Peek("X-API-Key")
	if len(key) == 0 {
		key = bearerToken(c.Request().Header.Peek(fiber.HeaderAuthorization))
	}
	if len(key) == 0 {
		return errNoIngestKey
	}
	digest := sha256.Sum256(key)
	if subtle.ConstantTimeCompare(digest[:], h.keyDigest[:]) != 1 {
		return errNoIngestKey
	}
	return c.Next()
}

// bearerToken returns the token of an "Authorization: Bearer <token>" header (scheme in any case).
func bearerToken(header []byte) []byte {
	const scheme = "bearer "
	if len(header) <= len(scheme) || !bytes.EqualFold(header[:len(scheme)], []byte(scheme)) {
		return nil
	}
	return bytes.TrimSpace(header[len(scheme):])
}

// ingestRequest is the body. Items stay raw here so each is decoded on its own: an item with a
// wrong JSON type fails alone instead of failing the batch.
type ingestRequest struct {
	Torrents []json.RawMessage `json:"torrents" validate:"required,min=1,max=1000"`
}

// ingestTorrentRequest is one item of the batch. The domain checks the rules of a torrent; the tags
// here check only what the wire can get wrong on its face.
type ingestTorrentRequest struct {
	InfoHash    string   `json:"infoHash"`
	Magnet      string   `json:"magnet"`
	TorrentFile string   `json:"torrentFile"`
	Name        string   `json:"name"`
	Size        int64    `json:"size" validate:"gte=0"`
	Category    string   `json:"category"`
	Seeders     int64    `json:"seeders" validate:"gte=0"`
	Leechers    int64    `json:"leechers" validate:"gte=0"`
	UploadedAt  string   `json:"uploadedAt"`
	Description string   `json:"description"`
	Files       fileList `json:"files" validate:"max=10000,dive"`
	Trackers    []string `json:"trackers"`
	WebSeeds    []string `json:"webSeeds"`
	IMDbID      string   `json:"imdbId"`
	TMDbID      int64    `json:"tmdbId" validate:"gte=0"`
	TVDbID      int64    `json:"tvdbId" validate:"gte=0"`
}

type fileRequest struct {
	Path string `json:"path" validate:"required"`
	Size int64  `json:"size" validate:"gte=0"`
}

// fileList decodes its files one by one, so a wrong type is reported with the file's index
// (files[3].size), which encoding/json alone would not give.
type fileList []fileRequest

func (l *fileList) UnmarshalJSON(raw []byte) error {
	if string(raw) == "null" {
		*l = nil
		return nil
	}
	var items []json.RawMessage
	if err := json.Unmarshal(raw, &items); err != nil {
		return &wireError{field: "files", message: "must be an array"}
	}
	files := make(fileList, len(items))
	for i, item := range items {
		if err := json.Unmarshal(item, &files[i]); err != nil {
			prefix := "files[" + strconv.Itoa(i) + "]"
			if p := wireProblem(err); p.Field != "" {
				return &wireError{field: prefix + "." + p.Field, message: p.Message}
			}
			return &wireError{field: prefix, message: "must be an object"}
		}
	}
	*l = files
	return nil
}

// ingestReportDTO is the IngestReport of the contract. A result's error is omitted unless its
// status is failed or blocked.
type ingestReportDTO struct {
	Created int               `json:"created"`
	Updated int               `json:"updated"`
	Failed  int               `json:"failed"`
	Blocked int               `json:"blocked"`
	Results []ingestResultDTO `json:"results"`
}

type ingestResultDTO struct {
	Index    int            `json:"index"`
	InfoHash string         `json:"infoHash"`
	Status   string         `json:"status"`
	Error    *fieldErrorDTO `json:"error,omitempty"`
}

func (h *ingestHandlers) ingestBatch(c *fiber.Ctx) error {
	var req ingestRequest
	if err := decodeBody(c.Request().Body(), &req); err != nil {
		return err
	}
	if err := check(&req); err != nil {
		return err
	}
	report := ingestReportDTO{Results: make([]ingestResultDTO, len(req.Torrents))}
	items := make([]ingest.Item, 0, len(req.Torrents))
	positions := make([]int, 0, len(req.Torrents))
	for i, raw := range req.Torrents {
		item, infoHash, p := decodeIngestItem(raw)
		if p != nil {
			report.Results[i] = ingestResultDTO{Index: i, InfoHash: infoHash, Status: string(ingest.Failed),
				Error: &fieldErrorDTO{Field: p.Field, Message: p.Message}}
			report.Failed++
			continue
		}
		items = append(items, item)
		positions = append(positions, i)
	}
	if len(items) > 0 {
		done, err := h.ingest.Ingest(c.UserContext(), items)
		if err != nil {
			return err
		}
		// API.md's statuses are created, updated, failed and blocked: a torrent stored exactly so
		// already is "updated" here (it is up to date), though the store wrote nothing.
		report.Created, report.Updated, report.Failed = done.Created, done.Updated+done.Unchanged, report.Failed+done.Failed
		report.Blocked = done.Blocked
		if done.Created+done.Updated > 0 {
			h.responses.purge() // the next read on this server shows what was just ingested
		}
		for k, r := range done.Results {
			i := positions[k]
			status := r.Status
			if status == ingest.Unchanged {
				status = ingest.Updated
			}
			report.Results[i] = ingestResultDTO{Index: i, InfoHash: r.InfoHash, Status: string(status)}
			if r.Problem != nil {
				report.Results[i].Error = &fieldErrorDTO{Field: r.Problem.Field, Message: r.Problem.Message}
			}
		}
	}
	return writeJSON(c, fiber.StatusOK, report)
}

// decodeIngestItem reads one item. On failure it returns the problem and, when the item named a
// readable info hash, that hash, so the report can say which torrent failed.
func decodeIngestItem(raw json.RawMessage) (ingest.Item, string, *domain.FieldProblem) {
	var dto ingestTorrentRequest
	if err := json.Unmarshal(raw, &dto); err != nil {
		p := wireProblem(err)
		return ingest.Item{}, canonicalInfoHash(dto.InfoHash), &p
	}
	if err := check(&dto); err != nil {
		return ingest.Item{}, canonicalInfoHash(dto.InfoHash), firstProblem(err)
	}
	item := ingest.Item{
		InfoHash: dto.InfoHash, Magnet: dto.Magnet, TorrentFile: dto.TorrentFile, Name: dto.Name,
		Size: dto.Size, Category: dto.Category, Seeders: dto.Seeders, Leechers: dto.Leechers,
		Description: dto.Description, Trackers: dto.Trackers, WebSeeds: dto.WebSeeds,
		External: domain.ExternalIDs{IMDb: dto.IMDbID, TMDb: dto.TMDbID, TVDb: dto.TVDbID},
	}
	if dto.UploadedAt != "" {
		t, ok := parseTimestamp(dto.UploadedAt)
		if !ok {
			return ingest.Item{}, canonicalInfoHash(dto.InfoHash),
				&domain.FieldProblem{Field: "uploadedAt", Message: msgTime}
		}
		item.UploadedAt = t
	}
	if len(dto.Files) > 0 {
		item.Files = make([]domain.File, len(dto.Files))
		for i, f := range dto.Files {
			item.Files[i] = domain.File{Path: f.Path, Size: f.Size}
		}
	}
	return item, "", nil
}

func canonicalInfoHash(s string) string {
	h, err := domain.ParseInfoHash(strings.TrimSpace(s))
	if err != nil {
		return ""
	}
	return h.String()
}

func firstProblem(err error) *domain.FieldProblem {
	var v *domain.ValidationError
	if errors.As(err, &v) && len(v.Problems) > 0 {
		return &v.Problems[0]
	}
	return &domain.FieldProblem{Message: "could not be read"}
}

// wireError is a value of the wrong JSON type, found below the level encoding/json reports.
type wireError struct{ field, message string }

func (e *wireError) Error() string { return e.field + ": " + e.message }

// wireProblem names the field of a JSON type error and says what it should have been.
func wireProblem(err error) domain.FieldProblem {
	var we *wireError
	if errors.As(err, &we) {
		return domain.FieldProblem{Field: we.field, Message: we.message}
	}
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		return domain.FieldProblem{Field: te.Field, Message: "must be " + jsonKindOf(te.Type)}
	}
	return domain.FieldProblem{Message: "is not valid JSON"}
}

func jsonKindOf(t reflect.Type) string {
	if t == reflect.TypeFor[time.Time]() {
		return "a timestamp"
	}
	switch t.Kind() {
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "true or false"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "an integer"
	case reflect.Float32, reflect.Float64:
		return "a number"
	case reflect.Slice, reflect.Array:
		return "an array"
	}
	return "an object"
}

// decodeBody reads a JSON body into dto. Syntax errors are invalid_json; a value of the wrong type
// (the body is an array, torrents is a string) is validation_failed naming the field.
func decodeBody(body []byte, dto any) error {
	if len(bytes.TrimSpace(body)) == 0 {
		return &requestError{problem{status: fiber.StatusBadRequest, code: codeInvalidJSON,
			detail: "The body is empty: send a JSON object."}}
	}
	if err := checkUTF8(body); err != nil {
		return err
	}
	err := json.Unmarshal(body, dto)
	if err == nil {
		return checkStrictJSON(body)
	}
	var syntax *json.SyntaxError
	var typeErr *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syntax):
		return &requestError{problem{status: fiber.StatusBadRequest, code: codeInvalidJSON,
			detail: "The body is not valid JSON: " + syntax.Error() + " (at byte " + strconv.FormatInt(syntax.Offset, 10) + ")."}}
	case errors.As(err, &typeErr):
		p := wireProblem(err)
		if p.Field == "" {
			p.Message = "the body must be a JSON object"
		}
		return &domain.ValidationError{Problems: []domain.FieldProblem{p}}
	}
	return &requestError{problem{status: fiber.StatusBadRequest, code: codeInvalidJSON,
		detail: "The body is not valid JSON."}}
}
