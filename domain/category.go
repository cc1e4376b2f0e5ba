package domain

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// MaxSlugLength bounds a category slug; longer names are cut.
const MaxSlugLength = 64

// Category groups torrents. TorrentCount is kept by the store as torrents come and go.
type Category struct {
	ID           int64
	Slug         string
	Name         string
	TorrentCount int64
}

// CategoryRef is how a torrent names its category.
type CategoryRef struct {
	Slug string
	Name string
}

// DefaultCategories are the categories a fresh database holds.
func DefaultCategories() []CategoryRef {
	return []CategoryRef{
		{Slug: "movies", Name: "Movies"},
		{Slug: "tv", Name: "TV"},
		{Slug: "music", Name: "Music"},
		{Slug: "games", Name: "Games"},
		{Slug: "software", Name: "Software"},
		{Slug: "anime", Name: "Anime"},
		{Slug: "books", Name: "Books"},
		{Slug: "other", Name: "Other"},
	}
}

// DefaultCategorySlug is where a torrent without a category goes.
const DefaultCategorySlug = "other"

// Slugify turns a category name into its slug: lowercase letters and digits, runs of anything else
// folded into one hyphen, no hyphen at either end, at most MaxSlugLength bytes. It returns "" when
// the name has no letter or digit at all.
func Slugify(name string) string {
	var b strings.Builder
	b.Grow(len(name))
	pendingHyphen := false
	for _, r := range name {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			if pendingHyphen && b.Len() > 0 {
				b.WriteByte('-')
			}
			pendingHyphen = false
			b.WriteRune(unicode.ToLower(r))
			continue
		}
		pendingHyphen = true
	}
	slug := b.String()
	if len(slug) > MaxSlugLength {
		slug = truncateUTF8(slug, MaxSlugLength)
		slug = strings.TrimRight(slug, "-")
	}
	return slug
}

// NewCategoryRef reads a category given as a slug or a display name. The slug is derived from it;
// the name is kept as written (trimmed), so "Sci-Fi" creates {sci-fi, Sci-Fi}.
func NewCategoryRef(nameOrSlug string) (CategoryRef, error) {
	name := strings.TrimSpace(nameOrSlug)
	if name == "" {
		return CategoryRef{Slug: DefaultCategorySlug, Name: "Other"}, nil
	}
	if !utf8.ValidString(name) {
		return CategoryRef{}, Invalid("category", "must be valid UTF-8")
	}
	if utf8.RuneCountInString(name) > 100 {
		return CategoryRef{}, Invalid("category", "must be at most 100 characters")
	}
	if strings.IndexFunc(name, unicode.IsControl) >= 0 {
		return CategoryRef{}, Invalid("category", "must not contain control characters")
	}
	slug := Slugify(name)
	if slug == "" {
		return CategoryRef{}, Invalid("category", "must contain a letter or a digit")
	}
	return CategoryRef{Slug: slug, Name: name}, nil
}

func truncateUTF8(s string, max int) string {
	if len(s) <= max {
		return s
	}
	cut := max
	for cut > 0 && !isRuneStart(s[cut]) {
		cut--
	}
	return s[:cut]
}

func isRuneStart(b byte) bool { return b&0xC0 != 0x80 }
