package torznab_test

import (
	"context"
	"io"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/gofiber/fiber/v2"

	"github.com/torrent-streamer/streamer/adapters/memory"
	"github.com/torrent-streamer/streamer/adapters/torznab"
	"github.com/torrent-streamer/streamer/application/caching"
	"github.com/torrent-streamer/streamer/application/catalog"
	"github.com/torrent-streamer/streamer/domain"
	"github.com/torrent-streamer/streamer/ports"
)

// downCategories is a category store that does not answer.
type downCategories struct{ ports.CategoryRepository }

func (downCategories) List(context.Context) ([]domain.Category, error) {
	return nil, domain.ErrUnavailable
}

// A store that does not answer is error 900 with 503 and Retry-After, never a 500 or a hang.
func TestCatalogDownIsError900(t *testing.T) {
	mem := memory.NewCatalog(ports.SystemClock{})
	store := caching.NewStore(memory.NewCache(memory.CacheOptions{}), ports.SystemClock{}, caching.Options{})
	cat := catalog.NewService(mem.Torrents(), downCategories{mem.Categories()}, store, nil, nil)
	app := fiber.New()
	app.Get(torznab.Path, torznab.New(cat, nil, torznab.Options{}).Handlers(func(*fiber.Ctx) string { return "x" }, -1, 0)...)
	r, err := app.Test(httptest.NewRequest("GET", torznab.Path+"?t=caps", nil), -1)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(r.Body)
	if r.StatusCode != 503 || r.Header.Get("Retry-After") == "" || !strings.Contains(string(body), `code="900"`) ||
		!strings.Contains(r.Header.Get("Content-Type"), "xml") {
		t.Fatalf("%d %v %s", r.StatusCode, r.Header, body)
	}
}
