package torznab

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/gofiber/fiber/v2"

	"github.com/torrent-streamer/streamer/domain"
)

// Every error a read can meet becomes a Torznab answer with the right HTTP status and code. A search
// over its time budget answered 500 (the true-bug answer) before: the emulator soak saw 67 of them.
func TestErrorsBecomeTorznabAnswers(t *testing.T) {
	ix := New(nil, nil, Options{Logger: slog.New(slog.DiscardHandler)})
	for _, tc := range []struct {
		name       string
		err        error
		status     int
		code       string
		retryAfter bool
		says       string
	}{
		{"a client's mistake", missing("q"), 200, `code="200"`, false, "q"},
		{"over the search budget", fmt.Errorf("r1: search: %w", domain.ErrOverBudget), 503, `code="900"`, true, "narrow"},
		{"a store down", fmt.Errorf("d1: %w", domain.ErrUnavailable), 503, `code="900"`, true, "retry"},
		{"a true bug", errors.New("boom"), 500, `code="900"`, false, "logged"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			app := fiber.New()
			app.Get("/", func(c *fiber.Ctx) error { return ix.answerError(c, tc.err) })
			r, err := app.Test(httptest.NewRequest("GET", "/", nil), -1)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(r.Body)
			if r.StatusCode != tc.status || !strings.Contains(string(body), tc.code) || !strings.Contains(string(body), tc.says) ||
				(r.Header.Get("Retry-After") != "") != tc.retryAfter || !strings.Contains(r.Header.Get("Content-Type"), "xml") {
				t.Fatalf("%d %v %s", r.StatusCode, r.Header, body)
			}
		})
	}
}
