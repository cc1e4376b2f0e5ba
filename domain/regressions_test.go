package domain_test

import (
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/torrent-streamer/streamer/domain"
)

const bbb = "dd8255ecdc7ca55fb0bbf81323d87062db1f6d1c"

func TestMagnetWithSeveralTopicsIsReadTheSameEveryTime(t *testing.T) {
	zero := strings.Repeat("0", 40)
	for _, raw := range []string{
		"magnet:?xt=urn:btih:" + zero + "&xt.1=urn:btih:" + bbb,
		"magnet:?xt=urn:btih:" + bbb + "&xt=urn:btih:" + zero,
	} {
		for range 50 {
			if _, err := domain.ParseMagnet(raw); err == nil {
				t.Fatalf("%s: an all-zero btih must be refused", raw)
			}
		}
	}
	raw := "magnet:?xt.2=urn:btih:" + bbb + "&xt.1=urn:btmh:1220" + strings.Repeat("ab", 32)
	for range 50 {
		m, err := domain.ParseMagnet(raw)
		if err != nil || m.InfoHash.String() != bbb || m.InfoHashV2.IsZero() {
			t.Fatalf("got %+v, %v", m, err)
		}
	}
}

func TestTheLongestMagnetTheServiceBuildsParses(t *testing.T) {
	h, _ := domain.ParseInfoHash(bbb)
	tor := domain.Torrent{InfoHash: h, Name: strings.Repeat("é", domain.MaxNameLength)}
	for i := range domain.MaxTrackers {
		tr := "udp://tracker" + strings.Repeat("x", 480) + string(rune('a'+i%26)) + string(rune('a'+i/26)) + ".example:6969"
		tor.Trackers = append(tor.Trackers, tr)
	}
	if err := tor.Normalize(time.Now()); err != nil {
		t.Fatal(err)
	}
	m, err := domain.ParseMagnet(tor.Summary().Magnet().String())
	if err != nil || len(m.Trackers) != domain.MaxTrackers {
		t.Fatalf("got %d trackers, %v", len(m.Trackers), err)
	}
}

func TestCategoryNamesMustBeCleanText(t *testing.T) {
	for _, name := range []string{"Movies\xff", "Movies\x01", "Mo\u0000vies"} {
		if _, err := domain.NewCategoryRef(name); err == nil {
			t.Errorf("%q accepted", name)
		}
	}
}

func TestTrackerWithoutHostIsRefused(t *testing.T) {
	for _, tr := range []string{"http://:80/announce", "udp://:6969"} {
		if err := domain.CheckTracker(tr); err == nil {
			t.Errorf("%q accepted", tr)
		}
	}
}

func TestNegativeFileSizeIsOneProblemAndTheRestAreStillChecked(t *testing.T) {
	h, _ := domain.ParseInfoHash(bbb)
	tor := domain.Torrent{InfoHash: h, Name: "x", Files: []domain.File{{Path: "a", Size: -1}, {Path: "", Size: 1}}}
	err := tor.Normalize(time.Now())
	v, ok := err.(*domain.ValidationError)
	if !ok {
		t.Fatalf("err = %v", err)
	}
	var fields []string
	for _, p := range v.Problems {
		fields = append(fields, p.Field)
	}
	if strings.Join(fields, ",") != "files[0].size,files[1].path" {
		t.Fatalf("problems on %v", fields)
	}
}

func TestNormalizeDoesNotRewriteTheCallersTrackers(t *testing.T) {
	h, _ := domain.ParseInfoHash(bbb)
	given := []string{" udp://a.example:1 ", "udp://a.example:1", "udp://b.example:1"}
	tor := domain.Torrent{InfoHash: h, Name: "x", Trackers: given}
	if err := tor.Normalize(time.Now()); err != nil {
		t.Fatal(err)
	}
	if given[1] != "udp://a.example:1" || given[2] != "udp://b.example:1" {
		t.Fatalf("caller's slice changed: %q", given)
	}
	if len(tor.Trackers) != 2 {
		t.Fatalf("trackers = %q", tor.Trackers)
	}
}

func TestAllFilePathsTogetherAreBoundedSoATorrentFitsOneD1Row(t *testing.T) {
	h, _ := domain.ParseInfoHash(bbb)
	long := strings.Repeat("p", domain.MaxFilePathLength)
	tor := domain.Torrent{InfoHash: h, Name: "x"}
	for range domain.MaxFilePathsTotal/domain.MaxFilePathLength + 1 {
		tor.Files = append(tor.Files, domain.File{Path: long, Size: 1})
	}
	if err := tor.Normalize(time.Now()); err == nil || !strings.Contains(err.Error(), "512 KiB") {
		t.Fatalf("err = %v", err)
	}
	tor.Files = []domain.File{{Path: "a\tb", Size: 1}}
	if err := tor.Normalize(time.Now()); err == nil {
		t.Fatal("a control character in a path was accepted")
	}
}

func TestNewAccountRules(t *testing.T) {
	id := strings.Repeat("ab", 32)
	u := domain.User{ID: "u1", Email: "a@example.com"}
	if err := domain.CheckNewAccount(u, domain.Session{ID: id, UserID: "u1"}); err != nil {
		t.Fatal(err)
	}
	for name, s := range map[string]domain.Session{
		"another user's session": {ID: id, UserID: "u2"},
		"a raw token as id":      {ID: "dGhpcyBpcyBhIHRva2Vu", UserID: "u1"},
		"upper-case hex":         {ID: strings.ToUpper(id), UserID: "u1"},
	} {
		if err := domain.CheckNewAccount(u, s); err == nil {
			t.Errorf("%s accepted", name)
		}
	}
	if err := domain.CheckNewAccount(domain.User{}, domain.Session{ID: id}); err == nil || len(err.(*domain.ValidationError).Problems) != 2 {
		t.Errorf("missing id and email: %v", err)
	}
}

// reAbsolute's expression takes any \s beside its dash (" - 05", "\t-\t05"), but its hints were
// " - ", " – " and " ~ ", so a name with a tab or a newline beside the dash had no episode and kept
// "- 05" in its title. Found by TestHintsPassEveryAlternative; fails before spacedDash.
func TestATabBesideAnAbsoluteEpisodesDashReadsAsASpace(t *testing.T) {
	for _, c := range []struct{ tab, space string }{
		{"[SubsPlease] Frieren -\t05 (1080p) [ABCD1234].mkv", "[SubsPlease] Frieren - 05 (1080p) [ABCD1234].mkv"},
		{"Frieren\t-\t05\t[1080p]", "Frieren - 05 [1080p]"},
		{"[Erai-raws] Show\t~\t01-12 [720p]", "[Erai-raws] Show ~ 01-12 [720p]"},
		{"[Grp] Show\r\n–\n07 [720p]", "[Grp] Show – 07 [720p]"},
	} {
		tab, space := domain.ParseRelease(c.tab), domain.ParseRelease(c.space)
		if !reflect.DeepEqual(tab, space) {
			t.Errorf("%q parses as %+v,\n%q as %+v", c.tab, tab, c.space, space)
		}
	}
}
