package cfapi

import (
	"bytes"
	"context"
	"io"
	"math/rand/v2"
	"net/http"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/cloudflare/cloudflare-go/v7/option"
)

// RetryPolicy bounds the re-sends of one request. A request is re-sent when no answer came (or it
// was cut short mid-body), or the answer was 429 or 5xx; never past the caller's deadline, never more than MaxAttempts times in all.
//
// A re-sent write may run twice if the first attempt committed and only its answer was lost (a 5xx
// from a proxy, a connection cut mid-answer). Every write of the repositories ends as if sent once:
// idempotent (upserts, deletes, column updates), keyed by an id the caller chose (activities), or
// recognising its own row in a conflict (sign-up, sessions, a conditional password change); see
// the README's Cloudflare section. 429 is always safe (the request was refused before it ran).
type RetryPolicy struct {
	// MaxAttempts is the most requests sent for one call, the first included (default 4).
	MaxAttempts int
	// BaseDelay is the wait before the first re-send; each later one doubles it, with jitter
	// (default 100 ms).
	BaseDelay time.Duration
	// MaxDelay caps the computed backoff (default 2 s). A Retry-After from the API is honoured as
	// given, up to MaxRetryAfter.
	MaxDelay time.Duration
	// MaxRetryAfter is the longest Retry-After waited for (default 30 s); a longer one ends the
	// call at once with the error, which carries the Retry-After for the client.
	MaxRetryAfter time.Duration
}

func (p RetryPolicy) withDefaults() RetryPolicy {
	if p.MaxAttempts <= 0 {
		p.MaxAttempts = 4
	}
	if p.BaseDelay <= 0 {
		p.BaseDelay = 100 * time.Millisecond
	}
	if p.MaxDelay <= 0 {
		p.MaxDelay = 2 * time.Second
	}
	if p.MaxRetryAfter <= 0 {
		p.MaxRetryAfter = 30 * time.Second
	}
	return p
}

// backoff is the wait before re-send number n (1 for the first re-send): exponential, capped, with
// "equal jitter" (half fixed, half random) so that many callers failing at once spread out.
func (p RetryPolicy) backoff(n int) time.Duration {
	d := p.BaseDelay << min(n-1, 20)
	if d <= 0 || d > p.MaxDelay {
		d = p.MaxDelay
	}
	half := d / 2
	return half + rand.N(half+1)
}

// middleware counts and retries every request the client sends.
type middleware struct {
	up     *Upstream
	policy RetryPolicy
	// heldR1 and heldKV are, per service, when the Retry-After of the API's last 429 ends (Unix
	// nanoseconds). Until then no request of that service leaves the process: each fails at once
	// with the 429 and the wait that is left. A rate-limited API counts every request, refused ones
	// too, so many callers each retrying on their own would keep it limiting (a retry storm).
	heldR1, heldKV atomic.Int64
}

func (m *middleware) held(s Service) *atomic.Int64 {
	if s == KV {
		return &m.heldKV
	}
	return &m.heldR1
}

// hold keeps the service's requests in the process until until (the latest hold wins).
func (m *middleware) hold(s Service, until time.Time) {
	h := m.held(s)
	for {
		cur := h.Load()
		if until.UnixNano() <= cur || h.CompareAndSwap(cur, until.UnixNano()) {
			return
		}
	}
}

// maxErrorBody bounds how much of an error answer is read for Cloudflare's error code and message.
const maxErrorBody = 64 << 10

func (m *middleware) handle(req *http.Request, next option.MiddlewareNext) (*http.Response, error) {
	service := serviceOf(req.URL.Path)
	c := m.up.of(service)
	ctx := req.Context()
	for attempt := 1; ; attempt++ {
		if attempt > 1 {
			c.retries.Add(1)
			req = req.Clone(ctx)
			if req.GetBody != nil {
				body, err := req.GetBody()
				if err != nil {
					return nil, err
				}
				req.Body = body
			}
		}
		if left := time.Until(time.Unix(0, m.held(service).Load())); left > 0 {
			return nil, &Error{Service: service, Status: http.StatusTooManyRequests, Attempts: attempt - 1,
				Message: "not sent: the API asked to wait", retryAfter: left, held: attempt == 1}
		}
		c.calls.Add(1)
		res, err := next(req)
		answeredAt := time.Now()
		if ctxErr := ctx.Err(); ctxErr != nil {
			closeBody(res)
			return nil, ctxErr // the caller gave up: not the service's failure
		}
		failed := failure(service, res, err)
		if failed == nil {
			failed = readAnswer(service, res)
			if ctxErr := ctx.Err(); ctxErr != nil {
				return nil, ctxErr
			}
		}
		if failed == nil {
			if res.StatusCode == http.StatusUnauthorized || res.StatusCode == http.StatusForbidden {
				c.errors.Add(1) // answered, and passed on for the client's error, but a failure
			}
			return res, nil
		}
		c.errors.Add(1)
		failed.Attempts = attempt
		if failed.Status == http.StatusTooManyRequests && failed.retryAfter > 0 {
			m.hold(service, answeredAt.Add(failed.retryAfter))
		}
		wait, ok := m.wait(ctx, attempt, failed)
		rewindable := req.Body == nil || req.Body == http.NoBody || req.GetBody != nil
		if !ok || !rewindable {
			return nil, failed
		}
		timer := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			timer.Stop()
			return nil, ctx.Err()
		case <-timer.C:
		}
	}
}

// failure returns what went wrong when the request is worth re-sending (no answer, 429, 5xx), and
// nil for any other answer, which goes back to the client as it is. The failed answer's body is
// read (bounded) for Cloudflare's error, then closed.
func failure(s Service, res *http.Response, err error) *Error {
	if err != nil {
		return &Error{Service: s, Message: describeTransport(err)}
	}
	if res.StatusCode != http.StatusTooManyRequests && res.StatusCode < 500 {
		return nil
	}
	e := &Error{Service: s, Status: res.StatusCode, retryAfter: retryAfter(res.Header.Get("Retry-After"))}
	body, _ := io.ReadAll(io.LimitReader(res.Body, maxErrorBody))
	closeBody(res)
	e.Code, e.Message = apiErrors(body)
	return e
}

// maxBufferedAnswer bounds how much of an answer readAnswer holds in memory: D1's results and KV's
// values are far smaller; a longer answer is handed on as it streams in, unchecked.
const maxBufferedAnswer = 64 << 20

// readAnswer reads an answer passed on to the SDK whole, here rather than in the SDK after the
// middleware has returned, so that an answer cut short (the connection closed mid-body, which a
// loaded proxy or network does) is a failure re-sent under the policy like one that never came,
// instead of an unreadable answer that fails the call. The body is handed on from memory; the SDK
// and the adapters read it whole anyway.
func readAnswer(s Service, res *http.Response) *Error {
	if res.Body == nil || res.Body == http.NoBody {
		return nil
	}
	body, err := io.ReadAll(io.LimitReader(res.Body, maxBufferedAnswer+1))
	if err != nil {
		_ = res.Body.Close()
		return &Error{Service: s, Message: describeTransport(err)}
	}
	if len(body) > maxBufferedAnswer {
		res.Body = struct {
			io.Reader
			io.Closer
		}{io.MultiReader(bytes.NewReader(body), res.Body), res.Body}
		return nil
	}
	_ = res.Body.Close()
	res.Body = io.NopCloser(bytes.NewReader(body))
	return nil
}

// wait returns how long to wait before the next attempt, and false when there is to be none: the
// attempts are used up, the API asked for a wait longer than MaxRetryAfter, or the wait would end
// past the caller's deadline.
func (m *middleware) wait(ctx context.Context, attempt int, failed *Error) (time.Duration, bool) {
	if attempt >= m.policy.MaxAttempts {
		return 0, false
	}
	wait := m.policy.backoff(attempt)
	if failed.retryAfter > 0 {
		if failed.retryAfter > m.policy.MaxRetryAfter {
			return 0, false
		}
		wait = failed.retryAfter
	}
	if deadline, ok := ctx.Deadline(); ok && time.Until(deadline) <= wait {
		return 0, false
	}
	return wait, true
}

// retryAfter reads a Retry-After header: delay-seconds or an HTTP date.
func retryAfter(v string) time.Duration {
	if v == "" {
		return 0
	}
	if secs, err := strconv.ParseFloat(v, 64); err == nil {
		if secs <= 0 {
			return 0
		}
		return time.Duration(secs * float64(time.Second))
	}
	if t, err := http.ParseTime(v); err == nil {
		return max(time.Until(t), 0)
	}
	return 0
}

func closeBody(res *http.Response) {
	if res != nil && res.Body != nil {
		_, _ = io.Copy(io.Discard, io.LimitReader(res.Body, maxErrorBody))
		_ = res.Body.Close()
	}
}
