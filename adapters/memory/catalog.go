package memory

import (
	"slices"
	"strings"
	"sync"
	"time"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"

	"github.com/torrent-streamer/streamer/domain"
	"github.com/torrent-streamer/streamer/ports"
)

// Catalog is one in-process store of torrents and categories. Its two repositories share it, the
// way the SQL ones share a database, so category counts follow torrent writes. It is safe for
// concurrent use.
type Catalog struct {
	clock ports.Clock

	mu         sync.RWMutex
	torrents   []*record // torrents[id-1]: ids are never reused; a taken-down torrent leaves nil
	byHash     map[domain.InfoHash]*record
	blocked    map[domain.InfoHash]time.Time // the takedown blocklist, with when
	categories map[string]*domain.Category   // by slug
	nextCatID  int64
}

// record is a stored torrent with what search needs precomputed.
type record struct {
	t          domain.Torrent // Category.Name is not kept here: the category's own name wins
	lowerName  string
	nameTokens []string // sorted, unique
	pathTokens []string // sorted, unique, over every file
}

// NewCatalog returns an empty catalog holding the default categories. A nil clock means the wall
// clock; it stamps CreatedAt and UpdatedAt.
func NewCatalog(clock ports.Clock) *Catalog {
	if clock == nil {
		clock = ports.SystemClock{}
	}
	c := &Catalog{
		clock:      clock,
		byHash:     make(map[domain.InfoHash]*record),
		blocked:    make(map[domain.InfoHash]time.Time),
		categories: make(map[string]*domain.Category),
	}
	for _, ref := range domain.DefaultCategories() {
		c.ensureLocked(ref)
	}
	return c
}

// Torrents returns the torrent repository over the catalog.
func (c *Catalog) Torrents() *TorrentRepository { return &TorrentRepository{c: c} }

// Categories returns the category repository over the catalog.
func (c *Catalog) Categories() *CategoryRepository { return &CategoryRepository{c: c} }

// ensureLocked returns the category of ref's slug, creating it with ref's name when it is new.
// The caller holds mu for writing.
func (c *Catalog) ensureLocked(ref domain.CategoryRef) *domain.Category {
	if cat, ok := c.categories[ref.Slug]; ok {
		return cat
	}
	name := strings.TrimSpace(ref.Name)
	if name == "" {
		name = ref.Slug
	}
	c.nextCatID++
	cat := &domain.Category{ID: c.nextCatID, Slug: ref.Slug, Name: name}
	c.categories[ref.Slug] = cat
	return cat
}

// categoryRefLocked is how a stored torrent names its category on the way out. The caller holds mu.
func (c *Catalog) categoryRefLocked(slug string) domain.CategoryRef {
	if cat, ok := c.categories[slug]; ok {
		return domain.CategoryRef{Slug: cat.Slug, Name: cat.Name}
	}
	return domain.CategoryRef{Slug: slug, Name: slug}
}

func (c *Catalog) now() time.Time { return c.clock.Now().UTC() }

func newRecord(t domain.Torrent) *record {
	r := &record{t: t, lowerName: strings.ToLower(t.Name), nameTokens: tokens(t.Name)}
	var paths []string
	for _, f := range t.Files {
		paths = append(paths, tokens(f.Path)...)
	}
	r.pathTokens = sortedUnique(paths)
	return r
}

// tokens splits text the way domain.Tokenize splits a query, without its caps on count and length
// (a stored name must stay findable by every word in it), and folds each word.
func tokens(text string) []string {
	var out []string
	start := -1
	for i, r := range text {
		if r != utf8.RuneError && (unicode.IsLetter(r) || unicode.IsDigit(r)) {
			if start < 0 {
				start = i
			}
			continue
		}
		if start >= 0 {
			out = append(out, fold(strings.ToLower(text[start:i])))
			start = -1
		}
	}
	if start >= 0 {
		out = append(out, fold(strings.ToLower(text[start:])))
	}
	return sortedUnique(out)
}

// fold drops diacritics, so "cafe" finds "Café" and "café" finds "Cafe": the SQL adapter's
// full-text tokenizer (unicode61, remove_diacritics 2) does the same on both sides.
func fold(word string) string {
	ascii := true
	for i := 0; i < len(word) && ascii; i++ {
		ascii = word[i] < utf8.RuneSelf
	}
	if ascii {
		return word
	}
	var b strings.Builder
	for _, r := range norm.NFD.String(word) {
		if !unicode.Is(unicode.Mn, r) {
			b.WriteRune(r)
		}
	}
	return norm.NFC.String(b.String())
}

func sortedUnique(s []string) []string {
	slices.Sort(s)
	return slices.Compact(s)
}

// copyTorrent detaches t from slices its caller may still hold or later change.
func copyTorrent(t domain.Torrent) domain.Torrent {
	t.Files = slices.Clone(t.Files)
	t.Trackers = slices.Clone(t.Trackers)
	return t
}
