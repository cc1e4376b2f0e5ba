package contract

import (
	"cmp"
	"crypto/sha1"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/torrent-streamer/streamer/domain"
	"github.com/torrent-streamer/streamer/ports"
)

// epoch is when the fixtures' uploads happen; "now" for Normalize is a year later, so no upload
// date is in the future.
var (
	epoch = time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)
	now   = epoch.AddDate(1, 0, 0)
)

// hashOf gives every fixture key its own stable info hash.
func hashOf(key string) domain.InfoHash { return sha1.Sum([]byte("contract:" + key)) }

// defaultCategoryNames are the names a fresh store gives the default slugs.
func defaultCategoryNames() map[string]string {
	names := make(map[string]string)
	for _, c := range domain.DefaultCategories() {
		names[c.Slug] = c.Name
	}
	return names
}

// torrent returns a valid torrent named name, in category slug (its default name when it has one,
// else a name made from the slug), uploaded at epoch. Callers change fields, then call normalized.
func torrent(key, name, slug string) domain.Torrent {
	catName := defaultCategoryNames()[slug]
	if catName == "" {
		catName = strings.ToUpper(slug[:1]) + slug[1:]
	}
	return domain.Torrent{
		InfoHash:   hashOf(key),
		Name:       name,
		Category:   domain.CategoryRef{Slug: slug, Name: catName},
		Seeders:    1,
		Leechers:   1,
		UploadedAt: epoch,
		Size:       1 << 20,
	}
}

// normalized runs the domain's checks, as ingest does before every upsert.
func normalized(t *testing.T, tr domain.Torrent) domain.Torrent {
	t.Helper()
	if err := tr.Normalize(now); err != nil {
		t.Fatalf("fixture %q is invalid: %v", tr.Name, err)
	}
	return tr
}

// withFiles sets the files, sized so that they add up to size.
func withFiles(tr domain.Torrent, size int64, paths ...string) domain.Torrent {
	tr.Files = nil
	tr.Size = 0
	n := int64(len(paths))
	for i, p := range paths {
		part := size / n
		if i == 0 {
			part += size % n
		}
		tr.Files = append(tr.Files, domain.File{Path: p, Size: part})
	}
	if n == 0 {
		tr.Size = size
	}
	return tr
}

func upsert(t *testing.T, repo ports.TorrentRepository, torrents ...domain.Torrent) []domain.UpsertOutcome {
	t.Helper()
	out, err := repo.Upsert(t.Context(), torrents)
	if err != nil {
		t.Fatalf("Upsert(%d torrents): %v", len(torrents), err)
	}
	if len(out) != len(torrents) {
		t.Fatalf("Upsert(%d torrents) returned %d outcomes", len(torrents), len(out))
	}
	for i, o := range out {
		if o.InfoHash != torrents[i].InfoHash {
			t.Fatalf("outcome %d is for %s, want %s (outcomes must be in input order)", i, o.InfoHash, torrents[i].InfoHash)
		}
		if o.ID <= 0 && !o.Blocked {
			t.Fatalf("outcome %d has id %d, want a positive id", i, o.ID)
		}
	}
	return out
}

func get(t *testing.T, repo ports.TorrentRepository, ref domain.TorrentRef) domain.Torrent {
	t.Helper()
	got, err := repo.Get(t.Context(), ref)
	if err != nil {
		t.Fatalf("Get(%s): %v", ref, err)
	}
	return got
}

func listCategories(t *testing.T, repo ports.CategoryRepository) map[string]domain.Category {
	t.Helper()
	list, err := repo.List(t.Context())
	if err != nil {
		t.Fatalf("List: %v", err)
	}
	bySlug := make(map[string]domain.Category, len(list))
	for i, c := range list {
		if i > 0 && list[i-1].Slug >= c.Slug {
			t.Fatalf("List is not ordered by slug: %q before %q", list[i-1].Slug, c.Slug)
		}
		if c.ID <= 0 {
			t.Fatalf("category %q has id %d", c.Slug, c.ID)
		}
		bySlug[c.Slug] = c
	}
	return bySlug
}

// expectCounts checks the torrent count of the categories named in want, and that every other
// category counts zero.
func expectCounts(t *testing.T, repo ports.CategoryRepository, want map[string]int64) {
	t.Helper()
	got := listCategories(t, repo)
	for slug, n := range want {
		c, ok := got[slug]
		if !ok {
			t.Fatalf("category %q is missing from List", slug)
		}
		if c.TorrentCount != n {
			t.Errorf("category %q counts %d torrents, want %d", slug, c.TorrentCount, n)
		}
	}
	for slug, c := range got {
		if _, named := want[slug]; !named && c.TorrentCount != 0 {
			t.Errorf("category %q counts %d torrents, want 0", slug, c.TorrentCount)
		}
	}
}

// expectTorrent compares everything a stored torrent must keep. want.Category.Name is the name the
// category has in the store, which may differ from the one the torrent was upserted with.
func expectTorrent(t *testing.T, got, want domain.Torrent) {
	t.Helper()
	var diffs []string
	diff := func(field string, g, w any) { diffs = append(diffs, fmt.Sprintf("%s = %v, want %v", field, g, w)) }
	if want.ID != 0 && got.ID != want.ID {
		diff("ID", got.ID, want.ID)
	}
	if got.InfoHash != want.InfoHash {
		diff("InfoHash", got.InfoHash, want.InfoHash)
	}
	if got.InfoHashV2 != want.InfoHashV2 {
		diff("InfoHashV2", got.InfoHashV2, want.InfoHashV2)
	}
	if got.Name != want.Name {
		diff("Name", got.Name, want.Name)
	}
	if got.Size != want.Size {
		diff("Size", got.Size, want.Size)
	}
	if got.Category != want.Category {
		diff("Category", got.Category, want.Category)
	}
	if got.Seeders != want.Seeders {
		diff("Seeders", got.Seeders, want.Seeders)
	}
	if got.Leechers != want.Leechers {
		diff("Leechers", got.Leechers, want.Leechers)
	}
	if !got.UploadedAt.Equal(want.UploadedAt) {
		diff("UploadedAt", got.UploadedAt, want.UploadedAt)
	}
	if got.Description != want.Description {
		diff("Description", got.Description, want.Description)
	}
	if !slices.Equal(got.Files, want.Files) {
		diff("Files", got.Files, want.Files)
	}
	if !slices.Equal(got.Trackers, want.Trackers) {
		diff("Trackers", got.Trackers, want.Trackers)
	}
	if !slices.Equal(got.WebSeeds, want.WebSeeds) {
		diff("WebSeeds", got.WebSeeds, want.WebSeeds)
	}
	if got.External != want.External {
		diff("External", got.External, want.External)
	}
	if !sameRelease(got.Release, want.Release) {
		diff("Release", got.Release, want.Release)
	}
	if got.CreatedAt.IsZero() || got.UpdatedAt.IsZero() || got.UpdatedAt.Before(got.CreatedAt) {
		diff("CreatedAt, UpdatedAt", [2]time.Time{got.CreatedAt, got.UpdatedAt}, "both set, UpdatedAt not before CreatedAt")
	}
	if len(diffs) > 0 {
		t.Errorf("torrent %q differs:\n  %s", want.Name, strings.Join(diffs, "\n  "))
	}
}

// expectSummary compares a list entry with the torrent it stands for.
func expectSummary(t *testing.T, got domain.TorrentSummary, want domain.Torrent) {
	t.Helper()
	w := want.Summary()
	if got.ID != w.ID || got.InfoHash != w.InfoHash || got.InfoHashV2 != w.InfoHashV2 || got.Name != w.Name ||
		got.Size != w.Size || got.Category != w.Category || got.Seeders != w.Seeders || got.Leechers != w.Leechers ||
		!got.UploadedAt.Equal(w.UploadedAt) || !slices.Equal(got.Trackers, w.Trackers) ||
		!slices.Equal(got.WebSeeds, w.WebSeeds) || got.External != w.External || !sameRelease(got.Release, w.Release) ||
		got.FileCount != w.FileCount {
		t.Errorf("summary differs:\n  got  %+v\n  want %+v", got, w)
	}
}

// sameRelease compares two readings of a name, an empty list equal to none.
func sameRelease(a, b domain.Release) bool {
	return slices.Equal(a.Seasons, b.Seasons) && slices.Equal(a.Episodes, b.Episodes) &&
		a.Title == b.Title && a.Year == b.Year && a.AirDate == b.AirDate && a.Resolution == b.Resolution &&
		a.Source == b.Source && a.Codec == b.Codec && a.HDR == b.HDR && a.Audio == b.Audio &&
		a.Group == b.Group && a.CompleteSeason == b.CompleteSeason
}

func ids[T any](items []T, id func(T) int64) []int64 {
	out := make([]int64, len(items))
	for i, it := range items {
		out[i] = id(it)
	}
	return out
}

func summaryIDs(items []domain.TorrentSummary) []int64 {
	return ids(items, func(s domain.TorrentSummary) int64 { return s.ID })
}

func torrentIDs(items []domain.Torrent) []int64 {
	return ids(items, func(t domain.Torrent) int64 { return t.ID })
}

// words splits stored text the way the search contract does: lowercase runs of letters and digits.
func words(text string) []string {
	var out []string
	var b strings.Builder
	flush := func() {
		if b.Len() > 0 {
			out = append(out, b.String())
			b.Reset()
		}
	}
	for _, r := range text {
		if r != utf8.RuneError && (unicode.IsLetter(r) || unicode.IsDigit(r)) {
			b.WriteString(strings.ToLower(string(r)))
			continue
		}
		flush()
	}
	flush()
	return out
}

// The reference model of search, over the torrents a test stored: what the contract says, written
// as plainly as possible. Tests compare adapters with it.

func refMatchesTerms(tr domain.Torrent, terms []string) (inName, inPaths []bool, ok bool) {
	name := words(tr.Name)
	var paths []string
	for _, f := range tr.Files {
		paths = append(paths, words(f.Path)...)
	}
	has := func(tokens []string, term string, prefix bool) bool {
		return slices.ContainsFunc(tokens, func(w string) bool {
			return w == term || (prefix && strings.HasPrefix(w, term))
		})
	}
	inName, inPaths = make([]bool, len(terms)), make([]bool, len(terms))
	for i, term := range terms {
		last := i == len(terms)-1
		inName[i], inPaths[i] = has(name, term, last), has(paths, term, last)
		if !inName[i] && !inPaths[i] {
			return nil, nil, false
		}
	}
	return inName, inPaths, true
}

func refMatches(tr domain.Torrent, c domain.SearchCriteria) bool {
	if strings.TrimSpace(c.Text) != "" && len(c.Terms) == 0 {
		return false
	}
	if _, _, ok := refMatchesTerms(tr, c.Terms); !ok {
		return false
	}
	switch {
	case len(c.Categories) > 0 && !slices.Contains(c.Categories, tr.Category.Slug),
		c.MinSize != nil && tr.Size < *c.MinSize,
		c.MaxSize != nil && tr.Size > *c.MaxSize,
		c.MinSeeders != nil && tr.Seeders < *c.MinSeeders,
		!c.After.IsZero() && tr.UploadedAt.Before(c.After),
		!c.Before.IsZero() && !tr.UploadedAt.Before(c.Before),
		!c.MatchesRelease(tr.Release, tr.External):
		return false
	}
	return true
}

// refKey is a torrent's sort key for every sort but relevance, whose scores are the adapter's own.
func refKey(tr domain.Torrent, sort domain.SortField) (int64, string) {
	switch sort {
	case domain.SortSeeders:
		return tr.Seeders, ""
	case domain.SortLeechers:
		return tr.Leechers, ""
	case domain.SortSize:
		return tr.Size, ""
	case domain.SortName:
		return 0, strings.ToLower(tr.Name)
	default:
		return tr.UploadedAt.Unix(), ""
	}
}

func refCompare(a, b domain.Torrent, sort domain.SortField, order domain.SortOrder) int {
	ai, as := refKey(a, sort)
	bi, bs := refKey(b, sort)
	n := cmp.Or(cmp.Compare(ai, bi), strings.Compare(as, bs), cmp.Compare(a.ID, b.ID))
	if order == domain.Descending {
		return -n
	}
	return n
}

// refSearch returns every match of c in the order c asks for. For relevance it keeps id order:
// compare it with an adapter's answer as a set.
func refSearch(all []domain.Torrent, c domain.SearchCriteria) []domain.Torrent {
	var out []domain.Torrent
	for _, tr := range all {
		if refMatches(tr, c) {
			out = append(out, tr)
		}
	}
	if c.Sort != domain.SortRelevance {
		slices.SortFunc(out, func(a, b domain.Torrent) int { return refCompare(a, b, c.Sort, c.Order) })
	}
	return out
}
