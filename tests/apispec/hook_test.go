package apispec

import (
	"fmt"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/gofiber/fiber/v2"
)

// fakeT records what Hook reports and the cleanups it registers.
type fakeT struct {
	testing.TB
	errs     []string
	cleanups []func()
}

func (f *fakeT) Errorf(format string, args ...any) {
	f.errs = append(f.errs, fmt.Sprintf(format, args...))
}
func (f *fakeT) Cleanup(fn func()) { f.cleanups = append(f.cleanups, fn) }

func TestHookReportsAnswersTheDocumentDoesNotDescribe(t *testing.T) {
	for name, c := range map[string]struct {
		body string
		want string // "" for no error
	}{
		"described":             {`{"name":"a","size":1}`, ""},
		"an undocumented field": {`{"name":"a","size":1,"extra":true}`, "extra"},
	} {
		t.Run(name, func(t *testing.T) {
			app := fiber.New()
			app.Get("/api/openapi.json", func(c *fiber.Ctx) error {
				c.Set("Content-Type", "application/json")
				return c.SendString(doc)
			})
			app.Get("/things/:id", func(ctx *fiber.Ctx) error {
				ctx.Set("Content-Type", "application/json")
				ctx.Set("X-Request-ID", "r1")
				return ctx.SendString(c.body)
			})
			ft := &fakeT{TB: t}
			Hook(ft, app)
			before := Counts().Validated
			if _, err := app.Test(httptest.NewRequest("GET", "/things/7", nil), -1); err != nil {
				t.Fatal(err)
			}
			for _, fn := range ft.cleanups {
				fn()
			}
			switch {
			case c.want == "" && len(ft.errs) > 0:
				t.Fatalf("errors for a described answer: %v", ft.errs)
			case c.want != "" && (len(ft.errs) != 1 || !strings.Contains(ft.errs[0], c.want)):
				t.Fatalf("errors %v, want one about %q", ft.errs, c.want)
			case c.want == "" && Counts().Validated != before+1:
				t.Fatal("the answer was not counted")
			}
		})
	}
}
