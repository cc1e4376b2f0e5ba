package domain_test

import (
	"errors"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/torrent-streamer/streamer/domain"
)

func TestSlugify(t *testing.T) {
	tests := []struct{ in, want string }{
		{"Movies", "movies"},
		{"TV", "tv"},
		{"Sci-Fi", "sci-fi"},
		{"  Hello,   World!! ", "hello-world"},
		{"--Rock & Roll--", "rock-roll"},
		{"4K UHD", "4k-uhd"},
		{"Amélie", "amélie"},
		{"日本 アニメ", "日本-アニメ"},
		{"ΑΒΓ", "αβγ"},
		{"a_b.c/d", "a-b-c-d"},
		{"", ""},
		{"---", ""},
		{"!!! ???", ""},
		{strings.Repeat("a", 70), strings.Repeat("a", 64)},
		// Cut at 64 bytes, then the hyphen left at the end goes.
		{strings.Repeat("a", 63) + " b", strings.Repeat("a", 63)},
		// Never in the middle of a rune: 2-byte é, 32 of them fill 64 bytes.
		{strings.Repeat("é", 40), strings.Repeat("é", 32)},
		// 3-byte runes: 21 fill 63 bytes.
		{strings.Repeat("日", 30), strings.Repeat("日", 21)},
	}
	for _, tt := range tests {
		if got := domain.Slugify(tt.in); got != tt.want {
			t.Errorf("Slugify(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestNewCategoryRef(t *testing.T) {
	tests := []struct {
		in   string
		want domain.CategoryRef
	}{
		{"", domain.CategoryRef{Slug: "other", Name: "Other"}},
		{"   ", domain.CategoryRef{Slug: "other", Name: "Other"}},
		{"Sci-Fi", domain.CategoryRef{Slug: "sci-fi", Name: "Sci-Fi"}},
		{" Movies ", domain.CategoryRef{Slug: "movies", Name: "Movies"}},
		{"movies", domain.CategoryRef{Slug: "movies", Name: "movies"}},
		{strings.Repeat("é", 100), domain.CategoryRef{Slug: strings.Repeat("é", 32), Name: strings.Repeat("é", 100)}},
	}
	for _, tt := range tests {
		got, err := domain.NewCategoryRef(tt.in)
		if err != nil || got != tt.want {
			t.Errorf("NewCategoryRef(%q) = %+v, %v; want %+v", tt.in, got, err, tt.want)
		}
	}
	for _, in := range []string{"!!!", "- / -", strings.Repeat("a", 101), strings.Repeat("é", 101)} {
		_, err := domain.NewCategoryRef(in)
		var verr *domain.ValidationError
		if !errors.As(err, &verr) || verr.Problems[0].Field != "category" {
			t.Errorf("NewCategoryRef(%.20q) = %v, want a validation error on category", in, err)
		}
	}
}

func TestDefaultCategoriesAreTheirOwnSlugs(t *testing.T) {
	want := []string{"movies", "tv", "music", "games", "software", "anime", "books", "other"}
	got := domain.DefaultCategories()
	if len(got) != len(want) {
		t.Fatalf("got %d categories, want %d", len(got), len(want))
	}
	for i, c := range got {
		if c.Slug != want[i] || domain.Slugify(c.Name) != c.Slug {
			t.Errorf("category %d = %+v, want slug %q derived from its name", i, c, want[i])
		}
	}
}

func FuzzSlugify(f *testing.F) {
	for _, s := range []string{"Sci-Fi", "  Hello,   World!! ", "日本 アニメ", "", "---", "\xff\xfe", strings.Repeat("é", 40)} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, name string) {
		slug := domain.Slugify(name)
		if len(slug) > domain.MaxSlugLength || !utf8.ValidString(slug) ||
			strings.HasPrefix(slug, "-") || strings.HasSuffix(slug, "-") || strings.Contains(slug, "--") {
			t.Fatalf("Slugify(%q) = %q", name, slug)
		}
		for _, r := range slug {
			if r != '-' && !unicode.IsLetter(r) && !unicode.IsDigit(r) || unicode.ToLower(r) != r {
				t.Fatalf("Slugify(%q) = %q holds %q", name, slug, r)
			}
		}
		if again := domain.Slugify(slug); again != slug {
			t.Fatalf("Slugify is not idempotent: %q -> %q -> %q", name, slug, again)
		}
	})
}
