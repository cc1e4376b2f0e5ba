package domain_test

import (
	"slices"
	"strings"
	"testing"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/torrent-streamer/streamer/domain"
)

func TestTokenize(t *testing.T) {
	tests := []struct {
		in   string
		want []string
	}{
		{"", nil},
		{"   ", nil},
		{"Big Buck Bunny (2008) [1080p]", []string{"big", "buck", "bunny", "2008", "1080p"}},
		// FTS5 syntax is just separators.
		{`"foo" AND bar* NEAR(x y) -baz ^qux col:val OR NOT {a b}`,
			[]string{"foo", "and", "bar", "near", "x", "y", "baz", "qux", "col", "val", "or", "not", "a", "b"}},
		{"Amélie ÉTÉ 日本語", []string{"amélie", "été", "日本語"}},
		{"ubuntu-24.04_desktop", []string{"ubuntu", "24", "04", "desktop"}},
		{"a\xffb\xc3", []string{"a", "b"}},
		{"x\uFFFDy", []string{"x", "y"}},
		{strings.Repeat("w ", 20), slices.Repeat([]string{"w"}, domain.MaxSearchTerms)},
		{strings.Repeat("a", 100), []string{strings.Repeat("a", 64)}},
		{strings.Repeat("é", 40), []string{strings.Repeat("é", 32)}},
	}
	for _, tt := range tests {
		if got := domain.Tokenize(tt.in); !slices.Equal(got, tt.want) {
			t.Errorf("Tokenize(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func FuzzTokenize(f *testing.F) {
	for _, s := range []string{"Big Buck Bunny (2008)", `"a" OR b* NEAR(c)`, "日本語 ÉTÉ", "\xff\xfe", "İı ǅ ẞ", strings.Repeat("x ", 30), ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, text string) {
		terms := domain.Tokenize(text)
		if len(terms) > domain.MaxSearchTerms {
			t.Fatalf("%d terms", len(terms))
		}
		for _, term := range terms {
			if term == "" || len(term) > domain.MaxSearchTermLength || !utf8.ValidString(term) || strings.ToLower(term) != term {
				t.Fatalf("Tokenize(%q) gave term %q", text, term)
			}
			for _, r := range term {
				if !unicode.IsLetter(r) && !unicode.IsDigit(r) {
					t.Fatalf("Tokenize(%q) gave term %q holding %q", text, term, r)
				}
			}
		}
	})
}

func ptr(n int64) *int64 { return &n }

func TestSearchCriteriaDefaults(t *testing.T) {
	tests := []struct {
		name  string
		in    domain.SearchCriteria
		sort  domain.SortField
		order domain.SortOrder
		limit int
	}{
		{"text: relevance", domain.SearchCriteria{Text: "big buck"}, domain.SortRelevance, domain.Descending, 20},
		{"no text: date", domain.SearchCriteria{}, domain.SortDate, domain.Descending, 20},
		{"relevance without words: date", domain.SearchCriteria{Text: "!!! ???", Sort: domain.SortRelevance}, domain.SortDate, domain.Descending, 20},
		{"name ascending", domain.SearchCriteria{Sort: domain.SortName}, domain.SortName, domain.Ascending, 20},
		{"name descending kept", domain.SearchCriteria{Sort: domain.SortName, Order: domain.Descending}, domain.SortName, domain.Descending, 20},
		{"seeders descending", domain.SearchCriteria{Text: "x", Sort: domain.SortSeeders}, domain.SortSeeders, domain.Descending, 20},
		{"leechers descending", domain.SearchCriteria{Sort: domain.SortLeechers}, domain.SortLeechers, domain.Descending, 20},
		{"size ascending kept", domain.SearchCriteria{Sort: domain.SortSize, Order: domain.Ascending}, domain.SortSize, domain.Ascending, 20},
		{"date ascending kept", domain.SearchCriteria{Order: domain.Ascending}, domain.SortDate, domain.Ascending, 20},
		{"limit 1", domain.SearchCriteria{Limit: 1}, domain.SortDate, domain.Descending, 1},
		{"limit 100", domain.SearchCriteria{Limit: 100}, domain.SortDate, domain.Descending, 100},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := tt.in
			if err := c.Normalize(); err != nil {
				t.Fatal(err)
			}
			if c.Sort != tt.sort || c.Order != tt.order || c.Limit != tt.limit {
				t.Errorf("sort %q order %q limit %d, want %q %q %d", c.Sort, c.Order, c.Limit, tt.sort, tt.order, tt.limit)
			}
		})
	}
	c := domain.SearchCriteria{Text: "Big Buck Bunny"}
	_ = c.Normalize()
	if !slices.Equal(c.Terms, []string{"big", "buck", "bunny"}) {
		t.Errorf("Terms = %q", c.Terms)
	}
}

func TestSearchCriteriaAcceptsBounds(t *testing.T) {
	now := time.Date(2026, 11, 26, 17, 0, 0, 0, time.UTC)
	c := domain.SearchCriteria{
		Text:       strings.Repeat("é", domain.MaxSearchTextLength),
		Categories: slices.Repeat([]string{"movies"}, domain.MaxCategoryFilter),
		MinSize:    ptr(0), MaxSize: ptr(0), MinSeeders: ptr(0),
		After: now.Add(-time.Second), Before: now,
		Offset: domain.MaxSearchOffset,
	}
	if err := c.Normalize(); err != nil {
		t.Errorf("Normalize at the bounds: %v", err)
	}
	c = domain.SearchCriteria{Cursor: &domain.Position{ID: 5}}
	if err := c.Normalize(); err != nil {
		t.Errorf("Normalize with a cursor: %v", err)
	}
}

func TestSearchCriteriaRejects(t *testing.T) {
	now := time.Date(2026, 11, 26, 17, 0, 0, 0, time.UTC)
	tests := []struct {
		name  string
		in    domain.SearchCriteria
		field string
	}{
		{"text too long", domain.SearchCriteria{Text: strings.Repeat("a", domain.MaxSearchTextLength+1)}, "q"},
		{"text not UTF-8", domain.SearchCriteria{Text: "a\xff"}, "q"},
		{"too many categories", domain.SearchCriteria{Categories: make([]string, domain.MaxCategoryFilter+1)}, "category"},
		{"negative minSize", domain.SearchCriteria{MinSize: ptr(-1)}, "minSize"},
		{"negative maxSize", domain.SearchCriteria{MaxSize: ptr(-1)}, "maxSize"},
		{"min above max", domain.SearchCriteria{MinSize: ptr(10), MaxSize: ptr(9)}, "maxSize"},
		{"negative minSeeders", domain.SearchCriteria{MinSeeders: ptr(-1)}, "minSeeders"},
		{"after equals before", domain.SearchCriteria{After: now, Before: now}, "before"},
		{"after later than before", domain.SearchCriteria{After: now, Before: now.Add(-time.Hour)}, "before"},
		{"limit negative", domain.SearchCriteria{Limit: -1}, "limit"},
		{"limit above max", domain.SearchCriteria{Limit: domain.MaxPageSize + 1}, "limit"},
		{"offset too deep", domain.SearchCriteria{Offset: domain.MaxSearchOffset + 1}, "page"},
		{"offset negative", domain.SearchCriteria{Offset: -1}, "page"},
		{"cursor and page", domain.SearchCriteria{Offset: 20, Cursor: &domain.Position{ID: 1}}, "cursor"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := tt.in
			if fields := problemFields(t, c.Normalize()); !slices.Equal(fields, []string{tt.field}) {
				t.Errorf("problems on %q, want [%s]", fields, tt.field)
			}
		})
	}
}
