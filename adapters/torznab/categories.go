package torznab

import (
	"slices"
	"strconv"
	"strings"

	"github.com/torrent-streamer/streamer/domain"
)

// The Newznab category ids of the catalog's categories. The standard ids are Newznab's; the
// subcategories by resolution come from what the release name says. A category created by ingest
// gets the site-specific id 100000 + its id in the store, which never changes.
const siteSpecificBase = 100000

type newznabCategory struct {
	ID   int
	Name string
	// Slug is the catalog category it stands for; Resolutions, when set, narrow it (HD: 720p and
	// 1080p).
	Slug        string
	Resolutions []string
	Subcats     []newznabCategory
}

// The resolutions of each definition. A name that says no resolution counts as standard
// definition: the scene names only high-definition releases by their resolution, and the *arr
// apps read such a name so too (Sonarr's quality parser takes HDTV, WEB-DL, WEBRip and DVD
// without a resolution as SDTV, WEBDL-480p, WEBRip-480p and DVD). So the item carries TV/SD or
// Movies/SD, and a request for SD (Sonarr's default 5030,5040) finds it. Carrying only the parent
// would not do: Prowlarr keeps only the items that carry a category it asked for.
var (
	sd  = []string{"360p", "480p", "540p", "576p", domain.UnknownResolution}
	hd  = []string{"720p", "1080p"}
	uhd = []string{"2160p", "4320p"}
)

// standardCategories are the Newznab categories of the default catalog categories, parents with
// their children. Anime is a child of TV (5070) and games of PC (4050), as in Newznab.
var standardCategories = []newznabCategory{
	{ID: 2000, Name: "Movies", Slug: "movies", Subcats: []newznabCategory{
		{ID: 2030, Name: "Movies/SD", Slug: "movies", Resolutions: sd},
		{ID: 2040, Name: "Movies/HD", Slug: "movies", Resolutions: hd},
		{ID: 2045, Name: "Movies/UHD", Slug: "movies", Resolutions: uhd},
	}},
	{ID: 3000, Name: "Audio", Slug: "music"},
	{ID: 4000, Name: "PC", Slug: "software", Subcats: []newznabCategory{
		{ID: 4050, Name: "PC/Games", Slug: "games"},
	}},
	{ID: 5000, Name: "TV", Slug: "tv", Subcats: []newznabCategory{
		{ID: 5030, Name: "TV/SD", Slug: "tv", Resolutions: sd},
		{ID: 5040, Name: "TV/HD", Slug: "tv", Resolutions: hd},
		{ID: 5045, Name: "TV/UHD", Slug: "tv", Resolutions: uhd},
		{ID: 5070, Name: "TV/Anime", Slug: "anime"},
	}},
	{ID: 7000, Name: "Books", Slug: "books"},
	{ID: 8000, Name: "Other", Slug: "other"},
}

// categoryMap is the Newznab view of the catalog's categories at one moment.
type categoryMap struct {
	top  []newznabCategory // for caps: the standard ones, then the site-specific ones
	byID map[int]newznabCategory
	// slugIDs lists, per catalog slug, the ids every torrent of it carries (the category and its
	// parent); resolution subcategories are added per torrent.
	slugIDs map[string][]int
	// slugSubcats lists, per slug, its resolution subcategories.
	slugSubcats map[string][]newznabCategory
	// itemMemo holds itemIDs' answers by slug and resolution (not safe for concurrent use: a map
	// is one request's).
	itemMemo map[[2]string][]int
}

func newCategoryMap(stored []domain.Category) *categoryMap {
	m := &categoryMap{byID: map[int]newznabCategory{}, slugIDs: map[string][]int{}, slugSubcats: map[string][]newznabCategory{}}
	known := map[string]bool{}
	for _, parent := range standardCategories {
		m.top = append(m.top, parent)
		m.byID[parent.ID] = parent
		if parent.Slug != "" {
			known[parent.Slug] = true
			m.slugIDs[parent.Slug] = append(m.slugIDs[parent.Slug], parent.ID)
		}
		for _, sub := range parent.Subcats {
			m.byID[sub.ID] = sub
			known[sub.Slug] = true
			if sub.Resolutions != nil {
				m.slugSubcats[sub.Slug] = append(m.slugSubcats[sub.Slug], sub)
			} else {
				m.slugIDs[sub.Slug] = append(m.slugIDs[sub.Slug], sub.ID, parent.ID)
			}
		}
	}
	for _, c := range stored {
		if known[c.Slug] {
			continue
		}
		nc := newznabCategory{ID: siteSpecificBase + int(c.ID), Name: c.Name, Slug: c.Slug}
		m.top = append(m.top, nc)
		m.byID[nc.ID] = nc
		m.slugIDs[c.Slug] = []int{nc.ID}
	}
	return m
}

// itemIDs are the category ids of one torrent: its category's, and its definition's subcategory
// (SD when the name says no resolution).
// The map is one request's: the ids of each pair are worked out once and shared by its items.
func (m *categoryMap) itemIDs(slug, resolution string) []int {
	if ids, ok := m.itemMemo[[2]string{slug, resolution}]; ok {
		return ids
	}
	ids := m.workItemIDs(slug, resolution)
	if m.itemMemo == nil {
		m.itemMemo = map[[2]string][]int{}
	}
	m.itemMemo[[2]string{slug, resolution}] = ids
	return ids
}

func (m *categoryMap) workItemIDs(slug, resolution string) []int {
	if resolution == "" {
		resolution = domain.UnknownResolution
	}
	ids := slices.Clone(m.slugIDs[slug])
	for _, sub := range m.slugSubcats[slug] {
		if slices.Contains(sub.Resolutions, resolution) {
			ids = append([]int{sub.ID}, ids...)
		}
	}
	if len(ids) == 0 {
		ids = []int{8000}
	}
	return ids
}

// filter turns a cat parameter into catalog slugs and resolutions. A parent matches its children
// (5000 is TV and anime, 4000 software and games); a standard id the caps do not list stands for
// its parent (5080 is TV); an id of nothing matches nothing. Resolutions narrow the search only
// when every id asked for narrows it (cat=5030,5040: TV in SD or HD); when some do and some do not
// (cat=2000,5040), the narrow ones are widened to their whole category, which can only add results.
func (m *categoryMap) filter(ids []int) (slugs, resolutions []string, none bool) {
	narrowAll := true
	seenSlug := map[string]bool{}
	add := func(slug string) {
		if !seenSlug[slug] {
			seenSlug[slug] = true
			slugs = append(slugs, slug)
		}
	}
	var res []string
	for _, id := range ids {
		c, ok := m.byID[id]
		if !ok && id >= 1000 && id < 10000 {
			c, ok = m.byID[id/1000*1000]
		}
		if !ok {
			continue
		}
		add(c.Slug)
		for _, sub := range c.Subcats {
			if sub.Resolutions == nil {
				add(sub.Slug)
			}
		}
		if c.Resolutions == nil {
			narrowAll = false
		} else {
			res = append(res, c.Resolutions...)
		}
	}
	if len(slugs) == 0 {
		return nil, nil, true
	}
	if narrowAll {
		slices.Sort(res)
		resolutions = slices.Compact(res)
	}
	return slugs, resolutions, false
}

// parseCategoryIDs reads "2000,5040".
func parseCategoryIDs(raw string) ([]int, bool) {
	var ids []int
	for _, part := range strings.Split(raw, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		n, err := strconv.Atoi(part)
		if err != nil || n < 0 || n > 1<<30 {
			return nil, false
		}
		ids = append(ids, n)
	}
	return ids, len(ids) <= 64
}
