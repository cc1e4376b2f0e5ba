package rest

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	"runtime/debug"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/gofiber/fiber/v2"
)

const requestIDHeader = "X-Request-ID"

// requestScope wraps every request: it settles the request id, turns a panic into an error,
// renders any error as a problem document, and writes the access log line. One middleware rather
// than three, because each layer costs a trip through the route stack on every request.
func (s *server) requestScope(c *fiber.Ctx) error {
	var start time.Time
	if s.log.Enabled(context.Background(), slog.LevelInfo) {
		start = time.Now() // only the access log reads it; the clock is a tenth of a cached read
	}
	setRequestID(c)
	if err := nextRecovering(c); err != nil {
		// Rendering here rather than returning the error lets the access log see the final status.
		if herr := s.handleError(c, err); herr != nil {
			c.Response().ResetBody()
			c.Status(fiber.StatusInternalServerError)
		}
	}
	s.logAccess(c, start)
	return nil
}

// withDeadline runs the rest of the route under the request timeout, which flows down to the
// stores. Only the routes that write take it: a deadline costs a timer and four allocations per
// request, and the read routes are bounded already, by the cache's fill timeout (catalog) and the
// probe timeout (health), so the hot cached reads do not pay for one.
func withDeadline(timeout time.Duration) fiber.Handler {
	return func(c *fiber.Ctx) error {
		if timeout <= 0 {
			return c.Next()
		}
		ctx, cancel := context.WithTimeout(c.UserContext(), timeout)
		defer cancel()
		c.SetUserContext(ctx)
		return c.Next()
	}
}

// panicError carries a recovered panic to the error handler, which logs the stack and answers a
// bare 500: the stack never reaches the client.
type panicError struct {
	value any
	stack []byte
}

func (e *panicError) Error() string { return fmt.Sprint("panic: ", e.value) }

func nextRecovering(c *fiber.Ctx) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = &panicError{value: r, stack: debug.Stack()}
		}
	}()
	return c.Next()
}

// logAccess writes one line per request. It logs the path without its query string and no
// header, so no secret a client sends ends up in the logs.
func (s *server) logAccess(c *fiber.Ctx, start time.Time) {
	ctx := context.Background()
	if !s.log.Enabled(ctx, slog.LevelInfo) {
		return // with access logs off, a request pays nothing for them
	}
	s.log.LogAttrs(ctx, slog.LevelInfo, "http request",
		slog.String("method", c.Method()),
		// Fiber's strings point into buffers it reuses; a handler may keep the record.
		slog.String("path", strings.Clone(c.Path())),
		slog.Int("status", c.Response().StatusCode()),
		slog.Duration("duration", time.Since(start)),
		slog.String("requestId", requestID(c)),
	)
}

// requestID returns the id setRequestID put on the response.
func requestID(c *fiber.Ctx) string {
	return string(c.Response().Header.Peek(requestIDHeader))
}

// setRequestID echoes the client's X-Request-ID when it is sane, so a client can follow its own
// ids through our logs, and otherwise makes one. Nothing here allocates.
func setRequestID(c *fiber.Ctx) {
	if id := c.Request().Header.Peek(requestIDHeader); saneRequestID(id) {
		c.Response().Header.SetBytesV(requestIDHeader, id)
		return
	}
	var buf [40]byte
	c.Response().Header.SetBytesV(requestIDHeader, appendNewRequestID(buf[:0]))
}

// saneRequestID accepts 1 to 128 characters of [A-Za-z0-9._:-]: enough for UUIDs, ULIDs and trace
// ids, and nothing that could forge a log line or a header.
func saneRequestID(id []byte) bool {
	if len(id) == 0 || len(id) > 128 {
		return false
	}
	for _, b := range id {
		switch {
		case 'a' <= b && b <= 'z', 'A' <= b && b <= 'Z', '0' <= b && b <= '9', b == '.', b == '_', b == ':', b == '-':
		default:
			return false
		}
	}
	return true
}

// Generated ids are a random per-process prefix and a counter: unique across instances and
// restarts, ordered within one process, and far cheaper than reading the random source per request.
var (
	requestIDPrefix  = newRequestIDPrefix()
	requestIDCounter atomic.Uint64
)

func newRequestIDPrefix() string {
	var b [6]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails on supported platforms
	return hex.EncodeToString(b[:])
}

func appendNewRequestID(dst []byte) []byte {
	dst = append(dst, requestIDPrefix...)
	dst = append(dst, '-')
	return strconv.AppendUint(dst, requestIDCounter.Add(1), 36)
}

// limitBody refuses a body above limit. The server's own limit is the largest route's (ingest);
// this is what holds every other route to 1 MiB. The error is built once per route, not per request.
func limitBody(limit int) fiber.Handler {
	tooLarge := &requestError{problem{
		status: fiber.StatusRequestEntityTooLarge, code: codePayloadTooLarge,
		detail: "The request body is larger than the " + sizeText(limit) + " this route accepts.",
	}}
	return func(c *fiber.Ctx) error {
		if len(c.Request().Body()) > limit {
			return tooLarge
		}
		return c.Next()
	}
}

func sizeText(n int) string {
	if n%(1<<20) == 0 {
		return strconv.Itoa(n>>20) + " MiB"
	}
	return strconv.Itoa(n) + " bytes"
}

var (
	errNotJSON = &requestError{problem{
		status: fiber.StatusUnsupportedMediaType, code: codeUnsupportedMediaType,
		detail: "The body must be JSON: send Content-Type: application/json.",
	}}
	errEncodedBody = &requestError{problem{
		status: fiber.StatusUnsupportedMediaType, code: codeUnsupportedMediaType,
		detail: "Compressed request bodies are not accepted: send the JSON without Content-Encoding.",
	}}
)

// requireJSON refuses a body that is not declared as JSON. A request without a body passes, so the
// handler can say what the body should have been. Compressed bodies are refused rather than
// inflated: a small gzip body could otherwise expand far past the body limit.
func requireJSON(c *fiber.Ctx) error {
	h := &c.Request().Header
	if len(c.Request().Body()) == 0 {
		return c.Next()
	}
	if !isJSONMediaType(h.ContentType()) {
		return errNotJSON
	}
	if enc := h.Peek(fiber.HeaderContentEncoding); len(enc) > 0 && !bytes.EqualFold(enc, []byte("identity")) {
		return errEncodedBody
	}
	return c.Next()
}

// isJSONMediaType accepts application/json and the application/*+json family, with any parameters
// (charset=utf-8 and the like).
func isJSONMediaType(contentType []byte) bool {
	mt, _, _ := bytes.Cut(contentType, []byte(";"))
	mt = bytes.TrimSpace(mt)
	if bytes.EqualFold(mt, []byte("application/json")) {
		return true
	}
	const prefix = "application/"
	return len(mt) > len(prefix)+len("+json") &&
		bytes.EqualFold(mt[:len(prefix)], []byte(prefix)) &&
		bytes.EqualFold(mt[len(mt)-len("+json"):], []byte("+json"))
}
