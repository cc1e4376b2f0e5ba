package rest

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/utils"

	"github.com/torrent-streamer/streamer/domain"
)

// The problem codes of the contract, plus method_not_allowed (the contract's 405 has no code of its
// own), invalid_request (a malformed HTTP request Fiber refuses before any route runs) and
// storage_full (507: the database's disk is full).
const (
	codeValidationFailed     = "validation_failed"
	codeInvalidJSON          = "invalid_json"
	codeUnauthenticated      = "unauthenticated"
	codeInvalidCredentials   = "invalid_credentials"
	codeForbidden            = "forbidden"
	codeNotFound             = "not_found"
	codeMethodNotAllowed     = "method_not_allowed"
	codeConflict             = "conflict"
	codePayloadTooLarge      = "payload_too_large"
	codeUnsupportedMediaType = "unsupported_media_type"
	codeRateLimited          = "rate_limited"
	codeUnavailable          = "unavailable"
	codeStorageFull          = "storage_full"
	codeInvalidRequest       = "invalid_request"
	codeInternal             = "internal"
)

// Retry-After defaults, in seconds, for errors that do not say when to come back.
const (
	retryAfterUnavailable = 5
	retryAfterRateLimited = 60
	retryAfterStorageFull = 60
)

// problem is an RFC 9457 problem document before it is encoded.
type problem struct {
	status int
	code   string
	detail string
	fields []domain.FieldProblem
	// retryAfter is the Retry-After header in seconds; 0 sends none.
	retryAfter int
}

// requestError is a problem the REST adapter itself finds: a body that is not JSON, a missing key,
// a body too large. Domain errors never need it.
type requestError struct{ problem }

func (e *requestError) Error() string { return e.code + ": " + e.detail }

// retryAfterer is an error that knows when the client may try again.
type retryAfterer interface{ RetryAfter() time.Duration }

// problemOf maps any error to its problem: the one place where errors become HTTP. Anything it does
// not recognise is a bug, answered 500 with a detail that says nothing of the cause.
func problemOf(err error) problem {
	var (
		reqErr     *requestError
		validation *domain.ValidationError
		conflict   *domain.ConflictError
		fiberErr   *fiber.Error
		panicked   *panicError
	)
	switch {
	case errors.As(err, &reqErr):
		return reqErr.problem
	case errors.As(err, &validation):
		return problem{status: fiber.StatusBadRequest, code: codeValidationFailed,
			detail: validationDetail(validation.Problems), fields: validation.Problems}
	case errors.Is(err, domain.ErrInvalid):
		return problem{status: fiber.StatusBadRequest, code: codeValidationFailed, detail: "The request is invalid."}
	case errors.As(err, &conflict):
		return problem{status: fiber.StatusConflict, code: codeConflict,
			detail: "The " + conflict.Field + " is already taken.",
			fields: []domain.FieldProblem{{Field: conflict.Field, Message: conflict.Message}}}
	case errors.Is(err, domain.ErrConflict):
		return problem{status: fiber.StatusConflict, code: codeConflict, detail: "The request conflicts with the current state."}
	case errors.Is(err, domain.ErrNotFound):
		return problem{status: fiber.StatusNotFound, code: codeNotFound, detail: "The resource does not exist."}
	// Invalid credentials before unauthenticated: a sign-in failure may wrap both.
	case errors.Is(err, domain.ErrInvalidCredentials):
		return problem{status: fiber.StatusUnauthorized, code: codeInvalidCredentials, detail: "The credentials are not valid."}
	case errors.Is(err, domain.ErrUnauthenticated):
		return problem{status: fiber.StatusUnauthorized, code: codeUnauthenticated, detail: "The request needs valid credentials."}
	case errors.Is(err, domain.ErrForbidden):
		return problem{status: fiber.StatusForbidden, code: codeForbidden, detail: "The request is not allowed for these credentials."}
	case errors.Is(err, domain.ErrRateLimited):
		return problem{status: fiber.StatusTooManyRequests, code: codeRateLimited,
			detail: "Too many requests: wait before trying again.", retryAfter: retryAfterOf(err, retryAfterRateLimited)}
	case errors.Is(err, domain.ErrOverBudget):
		return problem{status: fiber.StatusServiceUnavailable, code: codeUnavailable,
			detail:     "The search needed more than its time budget: narrow it (more words, a category, a time filter) or try again later.",
			retryAfter: retryAfterUnavailable}
	case errors.Is(err, domain.ErrStorageFull):
		return problem{status: fiber.StatusInsufficientStorage, code: codeStorageFull,
			detail:     "The database's disk is full: writes are refused until space is freed; reads still answer.",
			retryAfter: retryAfterStorageFull}
	case errors.Is(err, domain.ErrUnavailable), errors.Is(err, context.DeadlineExceeded), errors.Is(err, context.Canceled):
		return problem{status: fiber.StatusServiceUnavailable, code: codeUnavailable,
			detail: "A backing store is not answering; try again shortly.", retryAfter: retryAfterOf(err, retryAfterUnavailable)}
	case errors.As(err, &panicked):
		return internalProblem
	case errors.As(err, &fiberErr):
		return fiberProblem(fiberErr.Code)
	}
	return internalProblem
}

// errScrapesBusy is a scrape beyond maxScrapesInFlight. A scraper reads only a failed scrape's
// status (Prometheus records "server returned HTTP status 503"); a person reading /metrics with curl
// gets the problem document every other error is, and its Retry-After.
var errScrapesBusy = &requestError{problem{status: fiber.StatusServiceUnavailable, code: codeUnavailable,
	detail:     "Limit of concurrent scrapes reached (" + strconv.Itoa(maxScrapesInFlight) + "); try again shortly.",
	retryAfter: 1}}

var errAmbiguousFraming = &requestError{problem{status: fiber.StatusBadRequest, code: codeInvalidRequest,
	detail: "The request carries two different Content-Length values: its body cannot be delimited."}}

var internalProblem = problem{status: fiber.StatusInternalServerError, code: codeInternal,
	detail: "An unexpected error occurred; it was logged with this response's X-Request-ID."}

// fiberProblem covers the errors Fiber raises itself: no route, wrong method, a body above the
// server's limit, a request it cannot parse. Their messages are Fiber's, so none is passed on.
func fiberProblem(status int) problem {
	switch status {
	case fiber.StatusNotFound:
		return problem{status: status, code: codeNotFound, detail: "No route matches this path; see /api/openapi.json."}
	case fiber.StatusMethodNotAllowed:
		return problem{status: status, code: codeMethodNotAllowed, detail: "This path does not answer this method; see the Allow header."}
	case fiber.StatusRequestEntityTooLarge:
		return problem{status: status, code: codePayloadTooLarge, detail: "The request body is larger than " + sizeText(maxIngestBody) + "."}
	case fiber.StatusRequestHeaderFieldsTooLarge:
		return problem{status: status, code: codePayloadTooLarge, detail: "The request line or headers are larger than " + strconv.Itoa(readBufferSize>>10) + " KiB."}
	case fiber.StatusUnsupportedMediaType:
		return problem{status: status, code: codeUnsupportedMediaType, detail: "The body must be JSON: send Content-Type: application/json."}
	case fiber.StatusTooManyRequests:
		return problem{status: status, code: codeRateLimited, detail: "Too many requests: wait before trying again.", retryAfter: retryAfterRateLimited}
	case fiber.StatusServiceUnavailable:
		return problem{status: status, code: codeUnavailable, detail: "The service is not answering; try again shortly.", retryAfter: retryAfterUnavailable}
	}
	if status >= 400 && status < 500 {
		return problem{status: status, code: codeInvalidRequest, detail: "The request could not be read."}
	}
	return internalProblem
}

func retryAfterOf(err error, fallback int) int {
	var ra retryAfterer
	if errors.As(err, &ra) {
		if secs := int((ra.RetryAfter() + time.Second - 1) / time.Second); secs > 0 {
			return secs
		}
	}
	return fallback
}

// validationDetail is the human sentence of a 400: the one problem, or the fields at fault.
func validationDetail(problems []domain.FieldProblem) string {
	switch len(problems) {
	case 0:
		return "The request is invalid."
	case 1:
		p := problems[0]
		if p.Field == "" {
			return "Invalid input: " + p.Message + "."
		}
		return "Invalid " + p.Field + ": " + p.Message + "."
	}
	names := make([]string, 0, len(problems))
	for _, p := range problems {
		if p.Field != "" && !slices.Contains(names, p.Field) {
			names = append(names, p.Field)
		}
	}
	return "Invalid input in " + strings.Join(names, ", ") + ": see errors."
}

// handleError is Fiber's ErrorHandler. Route errors reach it through requestScope; errors Fiber
// raises before any route runs (a body above the server limit, a malformed request) reach it
// directly, so it settles the request id and the access log line for those too.
func (s *server) handleError(c *fiber.Ctx, err error) error {
	bypassedScope := len(c.Response().Header.Peek(requestIDHeader)) == 0
	if bypassedScope {
		setRequestID(c)
	}
	p := problemOf(err)
	if p.status >= fiber.StatusInternalServerError && p.code == codeInternal {
		attrs := []slog.Attr{
			slog.String("requestId", requestID(c)),
			slog.String("method", c.Method()),
			slog.String("path", strings.Clone(c.Path())),
			slog.String("err", err.Error()),
		}
		var pe *panicError
		if errors.As(err, &pe) {
			attrs = append(attrs, slog.String("stack", string(pe.stack)))
		}
		s.log.LogAttrs(context.Background(), slog.LevelError, "request failed", attrs...)
	}
	switch p.status {
	case fiber.StatusMethodNotAllowed:
		c.Set(fiber.HeaderAllow, s.allowedMethods(c.Path()))
	case fiber.StatusUnauthorized:
		c.Set(fiber.HeaderWWWAuthenticate, "Bearer")
	}
	werr := writeProblem(c, p)
	if bypassedScope {
		s.logAccess(c, time.Now())
	}
	return werr
}

// problemDocument is the RFC 9457 body, with the contract's code and field errors.
type problemDocument struct {
	Type   string          `json:"type"`
	Title  string          `json:"title"`
	Status int             `json:"status"`
	Code   string          `json:"code"`
	Detail string          `json:"detail"`
	Errors []fieldErrorDTO `json:"errors"`
}

type fieldErrorDTO struct {
	Field   string `json:"field"`
	Message string `json:"message"`
}

func (p problem) document() problemDocument {
	doc := problemDocument{
		Type: "about:blank", Title: utils.StatusMessage(p.status), Status: p.status,
		Code: p.code, Detail: p.detail, Errors: make([]fieldErrorDTO, len(p.fields)),
	}
	for i, f := range p.fields {
		doc.Errors[i] = fieldErrorDTO{Field: f.Field, Message: f.Message}
	}
	return doc
}

func writeProblem(c *fiber.Ctx, p problem) error {
	if p.retryAfter > 0 {
		c.Set(fiber.HeaderRetryAfter, strconv.Itoa(p.retryAfter))
	}
	c.Response().ResetBody()
	return writeJSONAs(c, p.status, "application/problem+json", p.document())
}

// writeHTTPProblem is writeProblem on a net/http response: /metrics is a net/http handler, served
// on METRICS_ADDR outside Fiber too.
func writeHTTPProblem(w http.ResponseWriter, err error) {
	p := problemOf(err)
	if p.retryAfter > 0 {
		w.Header().Set(fiber.HeaderRetryAfter, strconv.Itoa(p.retryAfter))
	}
	w.Header().Set(fiber.HeaderContentType, "application/problem+json")
	w.WriteHeader(p.status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(p.document())
}

// allowedMethods lists the methods registered for path, for the Allow header of a 405. It walks
// the routes, which is fine for an error answer and keeps no second route table to drift.
func (s *server) allowedMethods(path string) string {
	var methods []string
	for _, r := range s.app.GetRoutes(true) {
		if routeMatches(r.Path, path) && !slices.Contains(methods, r.Method) {
			methods = append(methods, r.Method)
		}
	}
	return strings.Join(methods, ", ")
}

// routeMatches tells whether a Fiber route pattern of literal segments and :params matches path.
func routeMatches(pattern, path string) bool {
	if len(path) > 1 {
		path = strings.TrimRight(path, "/") // the app routes /a/ as /a
	}
	for {
		pseg, prest, pmore := strings.Cut(strings.TrimPrefix(pattern, "/"), "/")
		seg, rest, more := strings.Cut(strings.TrimPrefix(path, "/"), "/")
		if pseg == "*" {
			return true
		}
		if strings.HasPrefix(pseg, ":") {
			if seg == "" {
				return false
			}
		} else if pseg != seg {
			return false
		}
		if pmore != more {
			return false
		}
		if !pmore {
			return true
		}
		pattern, path = "/"+prest, "/"+rest
	}
}
