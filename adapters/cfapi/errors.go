package cfapi

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"syscall"
	"time"

	"github.com/cloudflare/cloudflare-go/v7/d1"

	"github.com/torrent-streamer/streamer/domain"
)

// ErrAuth means the API refused the token (401 or 403). It matches domain.ErrUnavailable as well:
// at run time a revoked token makes the store unavailable; at start-up bootstrap reports it as a
// configuration error naming R1_API_TOKEN.
var ErrAuth = errors.New("the Cloudflare API refused the token")

// Error is a failed request to the Cloudflare API, described without its URL, so no host name ever
// reaches a log line a client could see, let alone a response. It matches domain.ErrUnavailable
// when the service did not answer usefully (no answer, 401, 403, 404, 429, 5xx, an unreadable
// answer); any other status is a request the API refused, which is a bug of the caller.
type Error struct {
	Service Service
	// Status is the HTTP status; 0 when no answer came (or none could be read).
	Status int
	// Code and Message are Cloudflare's first error, when the answer carried one; otherwise Message
	// says what went wrong on the way.
	Code    int64
	Message string
	// Attempts is how many requests were sent for this call.
	Attempts   int
	retryAfter time.Duration
	// held: no request was sent, the call was refused in the process while a 429's wait runs.
	held bool
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(string(e.Service))
	b.WriteString(": ")
	switch {
	case e.Status == 0:
		b.WriteString("Cloudflare API gave no answer")
	default:
		fmt.Fprintf(&b, "Cloudflare API answered %d %s", e.Status, http.StatusText(e.Status))
	}
	if e.Code != 0 {
		fmt.Fprintf(&b, " (code %d)", e.Code)
	}
	if e.Message != "" {
		b.WriteString(": ")
		b.WriteString(e.Message)
	}
	if e.Attempts > 1 {
		fmt.Fprintf(&b, " (after %d attempts)", e.Attempts)
	}
	return b.String()
}

// Unwrap makes errors.Is see domain.ErrUnavailable and ErrAuth where they apply.
func (e *Error) Unwrap() []error {
	switch {
	case e.Status == http.StatusUnauthorized || e.Status == http.StatusForbidden:
		return []error{ErrAuth, domain.ErrUnavailable}
	case e.Status == 0, e.Status == http.StatusNotFound, e.Status == http.StatusTooManyRequests,
		e.Status >= 500:
		return []error{domain.ErrUnavailable}
	}
	return nil
}

// RetryAfter is how long the API asked callers to wait (429), so the REST adapter's 503 can say
// when to come back; zero when it did not say.
func (e *Error) RetryAfter() time.Duration { return e.retryAfter }

// Held is, when the call sent no request at all (the service's requests are held while the wait of
// the API's last 429 runs), what was left of that wait; 0 when a request was sent. Such a failure
// says nothing new about the service: the health probe reuses it only until the wait ends.
func (e *Error) Held() time.Duration {
	if e.held {
		return e.retryAfter
	}
	return 0
}

// Translate turns what the client returned into the domain's words: a context error stays as it is,
// an answer of the API becomes an *Error. Adapters call it on every error they do not handle
// themselves (a KV miss, a D1 constraint violation).
func Translate(s Service, err error) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	var own *Error
	if errors.As(err, &own) {
		return own
	}
	var api *d1.Error // the SDK's one API error type: kv.Error is the same
	if errors.As(err, &api) {
		e := &Error{Service: s, Status: api.StatusCode, Attempts: 1}
		if len(api.Errors) > 0 {
			e.Code, e.Message = api.Errors[0].Code, api.Errors[0].Message
		}
		return e
	}
	var urlErr *url.Error
	if errors.As(err, &urlErr) {
		return &Error{Service: s, Message: describeTransport(urlErr.Err), Attempts: 1}
	}
	// The answer came but could not be read (not JSON, cut short): the service is not answering
	// the way it should. The text is the decoder's, which names no host.
	return &Error{Service: s, Message: "unreadable answer: " + err.Error(), Attempts: 1}
}

// apiErrors reads Cloudflare's {errors: [{code, message}]} from an error answer's body.
func apiErrors(body []byte) (int64, string) {
	var env struct {
		Errors []struct {
			Code    int64  `json:"code"`
			Message string `json:"message"`
		} `json:"errors"`
	}
	if json.Unmarshal(body, &env) != nil || len(env.Errors) == 0 {
		return 0, ""
	}
	return env.Errors[0].Code, env.Errors[0].Message
}

// describeTransport says why no answer came, in words that name no host or address.
func describeTransport(err error) string {
	var dnsErr *net.DNSError
	var netErr net.Error
	switch {
	case errors.Is(err, syscall.ECONNREFUSED):
		return "connection refused"
	case errors.Is(err, syscall.ECONNRESET), errors.Is(err, syscall.EPIPE):
		return "connection reset"
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return "connection closed before the answer"
	case errors.As(err, &dnsErr):
		return "host name not resolved"
	case errors.As(err, &netErr) && netErr.Timeout():
		return "timed out"
	}
	return "transport error"
}
