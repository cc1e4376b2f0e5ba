package rest

import (
	"crypto/sha256"
	"encoding/base64"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/adaptor"
	swgui "github.com/swaggest/swgui"
	"github.com/swaggest/swgui/v5/static"
	"github.com/swaggest/swgui/v5emb"
)

// The API reference: Swagger UI over /api/openapi.json at GET /docs, its assets (embedded in the
// binary by github.com/swaggest/swgui, so the page works with no internet) at GET /docs/{file}.
// "Try it out" sends its requests to this same origin.
const docsPath = "/docs"

// docsPage is the rendered page and the Content-Security-Policy that lets exactly it run: its own
// scripts by hash, the assets from this origin, requests to this origin.
type docsPage struct {
	html []byte
	csp  string
}

func (s *server) docsRoutes() {
	ui := v5emb.NewHandlerWithConfig(swgui.Config{
		Title:       "Torrent Streamer API",
		SwaggerJSON: "/api/openapi.json",
		BasePath:    docsPath + "/",
		SettingsUI: map[string]string{
			// Schemas shown under the operations; "try it out" open without a click.
			"defaultModelsExpandDepth": "1",
			"tryItOutEnabled":          "true",
		},
	})
	page := renderDocs(ui)
	assets := map[string]bool{}
	_ = fs.WalkDir(static.FS, ".", func(path string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			assets[strings.TrimSuffix(path, ".gz")] = true
		}
		return nil
	})
	serveAsset := adaptor.HTTPHandler(ui)
	s.route(fiber.MethodGet, docsPath, maxBody, func(c *fiber.Ctx) error {
		c.Set(fiber.HeaderContentType, fiber.MIMETextHTMLCharsetUTF8)
		c.Set(fiber.HeaderCacheControl, "no-cache")
		c.Set(fiber.HeaderContentSecurityPolicy, page.csp)
		return c.Send(page.html)
	})
	s.route(fiber.MethodGet, docsPath+"/:file", maxBody, func(c *fiber.Ctx) error {
		if !assets[c.Params("file")] {
			return fiber.ErrNotFound
		}
		c.Set(fiber.HeaderCacheControl, "public, max-age=86400")
		return serveAsset(c)
	})
}

var inlineScript = regexp.MustCompile(`(?s)<script>(.*?)</script>`)

// renderDocs renders swgui's page once (it is the same for every request) and hashes its inline
// scripts for the Content-Security-Policy.
func renderDocs(ui http.Handler) docsPage {
	rec := httptest.NewRecorder()
	ui.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, docsPath+"/", nil))
	html := rec.Body.Bytes()
	if rec.Code != http.StatusOK || len(html) == 0 {
		panic("rest: the Swagger UI page did not render") // a test renders it
	}
	scripts := []string{"'self'"}
	for _, m := range inlineScript.FindAllSubmatch(html, -1) {
		sum := sha256.Sum256(m[1])
		scripts = append(scripts, "'sha256-"+base64.StdEncoding.EncodeToString(sum[:])+"'")
	}
	csp := strings.Join([]string{
		"default-src 'none'",
		"script-src " + strings.Join(scripts, " "),
		// Swagger UI's page and components set inline styles.
		"style-src 'self' 'unsafe-inline'",
		"img-src 'self' data:",
		"font-src 'self' data:",
		"connect-src 'self'",
		"base-uri 'none'",
		"form-action 'none'",
		"frame-ancestors 'none'",
	}, "; ")
	return docsPage{html: html, csp: csp}
}
