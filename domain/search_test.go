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
		{"air date not a date", domain.SearchCriteria{AirDate: "2024-5-1"}, "airDate"},
		{"air date no such day", domain.SearchCriteria{AirDate: "2024-02-30"}, "airDate"},
		{"air date no such month", domain.SearchCriteria{AirDate: "2024-13"}, "airDate"},
		{"air date a year out of range", domain.SearchCriteria{AirDate: "1066"}, "airDate"},
		{"air date with a time", domain.SearchCriteria{AirDate: "2024-05-01T00:00"}, "airDate"},
		{"resolution unknown misspelled", domain.SearchCriteria{Resolutions: []string{"unkown"}}, "resolution"},
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

// The release filters a name without a resolution and a daily show's air date are read by.
func TestMatchesReleaseUnknownResolutionAndAirDates(t *testing.T) {
	daily := domain.ParseRelease("The.Daily.Show.2024.05.01.Guest.720p.WEB.h264-GRP")
	plain := domain.ParseRelease("Pioneer.One.S01E02.HDTV.XviD-GRP")
	yearly := domain.Release{Title: "MythBusters", Seasons: []int{2003}, Episodes: []int{1}} // a season numbered by its year
	criteria := func(c domain.SearchCriteria) domain.SearchCriteria {
		if err := c.Normalize(); err != nil {
			t.Fatal(err)
		}
		return c
	}
	for _, tc := range []struct {
		what string
		c    domain.SearchCriteria
		r    domain.Release
		want bool
	}{
		{"unknown takes a name without a resolution", domain.SearchCriteria{Resolutions: []string{"unknown"}}, plain, true},
		{"unknown leaves a 720p one", domain.SearchCriteria{Resolutions: []string{"unknown"}}, daily, false},
		{"480p leaves a name without one", domain.SearchCriteria{Resolutions: []string{"480p"}}, plain, false},
		{"the day", domain.SearchCriteria{AirDate: "2024-05-01"}, daily, true},
		{"another day", domain.SearchCriteria{AirDate: "2024-05-02"}, daily, false},
		{"the month", domain.SearchCriteria{AirDate: "2024-05"}, daily, true},
		{"the year", domain.SearchCriteria{AirDate: "2024"}, daily, true},
		{"an air date leaves a name without one", domain.SearchCriteria{AirDate: "2024"}, plain, false},
		{"the air year as season", domain.SearchCriteria{Season: ptrInt(2024)}, daily, true},
		{"another year as season", domain.SearchCriteria{Season: ptrInt(2023)}, daily, false},
		{"a season numbered by its year", domain.SearchCriteria{Season: ptrInt(2003)}, yearly, true},
		{"season 1 of a daily episode", domain.SearchCriteria{Season: ptrInt(1)}, daily, false},
	} {
		if got := criteria(tc.c).MatchesRelease(tc.r, domain.ExternalIDs{}); got != tc.want {
			t.Errorf("%s: %v, want %v (%+v)", tc.what, got, tc.want, tc.r)
		}
	}
}

func ptrInt(n int) *int { return &n }
