package domain_test

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/torrent-streamer/streamer/domain"
)

var now = time.Date(2026, 11, 26, 17, 0, 0, 0, time.UTC)

// problemFields returns the fields a *domain.ValidationError names, nil for a nil error.
func problemFields(t *testing.T, err error) []string {
	t.Helper()
	if err == nil {
		return nil
	}
	var verr *domain.ValidationError
	if !errors.As(err, &verr) || !errors.Is(err, domain.ErrInvalid) {
		t.Fatalf("error %v is not a *domain.ValidationError", err)
	}
	fields := make([]string, len(verr.Problems))
	for i, p := range verr.Problems {
		fields[i] = p.Field
	}
	return fields
}

func validTorrent(t *testing.T) domain.Torrent {
	return domain.Torrent{
		InfoHash:   mustHash(t, bbbHex),
		Name:       "Big Buck Bunny",
		Size:       300,
		Category:   domain.CategoryRef{Slug: "movies", Name: "Movies"},
		Seeders:    10,
		Leechers:   2,
		UploadedAt: now.Add(-time.Hour),
		Files:      []domain.File{{Path: "Big Buck Bunny.mp4", Size: 276}, {Path: "poster.jpg", Size: 24}},
		Trackers:   []string{"udp://explodie.org:6969", "wss://tracker.btorrent.xyz"},
	}
}

func TestTorrentNormalizeAcceptsAValidTorrent(t *testing.T) {
	tor := validTorrent(t)
	if err := tor.Normalize(now); err != nil {
		t.Fatal(err)
	}
	if tor.Size != 300 || len(tor.Trackers) != 2 || tor.Category.Slug != "movies" || !tor.UploadedAt.Equal(now.Add(-time.Hour)) {
		t.Errorf("a valid torrent changed: %+v", tor)
	}
}

func TestTorrentNormalizeDerives(t *testing.T) {
	t.Run("size from files", func(t *testing.T) {
		tor := validTorrent(t)
		tor.Size = 0
		if err := tor.Normalize(now); err != nil || tor.Size != 300 {
			t.Errorf("Size = %d, %v; want 300", tor.Size, err)
		}
	})
	t.Run("size without files kept", func(t *testing.T) {
		tor := validTorrent(t)
		tor.Files, tor.Size = nil, 12345
		if err := tor.Normalize(now); err != nil || tor.Size != 12345 {
			t.Errorf("Size = %d, %v", tor.Size, err)
		}
	})
	t.Run("name and paths trimmed", func(t *testing.T) {
		tor := validTorrent(t)
		tor.Name, tor.Files[0].Path = "  Big Buck Bunny \n", " Big Buck Bunny.mp4 "
		if err := tor.Normalize(now); err != nil || tor.Name != "Big Buck Bunny" || tor.Files[0].Path != "Big Buck Bunny.mp4" {
			t.Errorf("Name %q, path %q, %v", tor.Name, tor.Files[0].Path, err)
		}
	})
	t.Run("trackers trimmed and deduplicated", func(t *testing.T) {
		tor := validTorrent(t)
		tor.Trackers = []string{" udp://a.example:1337 ", "udp://a.example:1337", "http://b.example/announce", "udp://a.example:1337"}
		if err := tor.Normalize(now); err != nil {
			t.Fatal(err)
		}
		if want := []string{"udp://a.example:1337", "http://b.example/announce"}; !slices.Equal(tor.Trackers, want) {
			t.Errorf("Trackers = %q, want %q", tor.Trackers, want)
		}
	})
	t.Run("zero uploadedAt is now", func(t *testing.T) {
		tor := validTorrent(t)
		tor.UploadedAt = time.Time{}
		nowLocal := now.Add(500 * time.Millisecond).In(time.FixedZone("CET", 3600))
		if err := tor.Normalize(nowLocal); err != nil || !tor.UploadedAt.Equal(now) || tor.UploadedAt.Location() != time.UTC {
			t.Errorf("UploadedAt = %v, %v; want %v (UTC, whole seconds)", tor.UploadedAt, err, now)
		}
	})
	t.Run("uploadedAt within the clock skew", func(t *testing.T) {
		tor := validTorrent(t)
		tor.UploadedAt = now.Add(domain.MaxUploadedAtSkew)
		if err := tor.Normalize(now); err != nil {
			t.Error(err)
		}
	})
	t.Run("category defaults to other", func(t *testing.T) {
		tor := validTorrent(t)
		tor.Category = domain.CategoryRef{}
		if err := tor.Normalize(now); err != nil || tor.Category != (domain.CategoryRef{Slug: "other", Name: "Other"}) {
			t.Errorf("Category = %+v, %v", tor.Category, err)
		}
	})
	t.Run("limits themselves accepted", func(t *testing.T) {
		tor := validTorrent(t)
		tor.Name = strings.Repeat("é", domain.MaxNameLength)
		tor.Description = strings.Repeat("d", domain.MaxDescriptionLength)
		tor.Files = []domain.File{{Path: strings.Repeat("p", domain.MaxFilePathLength), Size: domain.MaxSize}}
		tor.Size = domain.MaxSize
		tor.Seeders, tor.Leechers = domain.MaxPeers, 0
		tor.Trackers = make([]string, domain.MaxTrackers)
		for i := range tor.Trackers {
			tor.Trackers[i] = fmt.Sprintf("udp://t%d.example:1/%s", i, strings.Repeat("a", 100))
		}
		if err := tor.Normalize(now); err != nil {
			t.Error(err)
		}
	})
}

func TestTorrentNormalizeRejects(t *testing.T) {
	tests := []struct {
		name   string
		edit   func(*domain.Torrent)
		fields []string
	}{
		{"missing hash", func(t *domain.Torrent) { t.InfoHash = domain.InfoHash{} }, []string{"infoHash"}},
		{"empty name", func(t *domain.Torrent) { t.Name = "" }, []string{"name"}},
		{"blank name", func(t *domain.Torrent) { t.Name = " \t\n" }, []string{"name"}},
		{"long name", func(t *domain.Torrent) { t.Name = strings.Repeat("é", domain.MaxNameLength+1) }, []string{"name"}},
		{"name not UTF-8", func(t *domain.Torrent) { t.Name = "a\xff" }, []string{"name"}},
		{"name with NUL", func(t *domain.Torrent) { t.Name = "a\x00b" }, []string{"name"}},
		{"long description", func(t *domain.Torrent) { t.Description = strings.Repeat("d", domain.MaxDescriptionLength+1) }, []string{"description"}},
		{"description not UTF-8", func(t *domain.Torrent) { t.Description = "\xff" }, []string{"description"}},
		{"size is not the files' sum", func(t *domain.Torrent) { t.Size = 301 }, []string{"size"}},
		{"negative size", func(t *domain.Torrent) { t.Files, t.Size = nil, -1 }, []string{"size"}},
		{"size above 2^53", func(t *domain.Torrent) { t.Files, t.Size = nil, domain.MaxSize+1 }, []string{"size"}},
		{"negative seeders", func(t *domain.Torrent) { t.Seeders = -1 }, []string{"seeders"}},
		{"too many leechers", func(t *domain.Torrent) { t.Leechers = domain.MaxPeers + 1 }, []string{"leechers"}},
		{"empty path", func(t *domain.Torrent) { t.Files[1].Path = "  " }, []string{"files[1].path"}},
		{"long path", func(t *domain.Torrent) { t.Files[0].Path = strings.Repeat("p", domain.MaxFilePathLength+1) }, []string{"files[0].path"}},
		{"path with NUL", func(t *domain.Torrent) { t.Files[0].Path = "a\x00" }, []string{"files[0].path"}},
		{"too many files", func(t *domain.Torrent) { t.Files, t.Size = make([]domain.File, domain.MaxFiles+1), 0 }, []string{"files"}},
		{"files above 2^53", func(t *domain.Torrent) {
			t.Files, t.Size = []domain.File{{Path: "a", Size: domain.MaxSize}, {Path: "b", Size: 1}}, 0
		}, []string{"files"}},
		{"tracker not a URL", func(t *domain.Torrent) { t.Trackers[1] = "not a tracker" }, []string{"trackers[1]"}},
		{"tracker scheme", func(t *domain.Torrent) { t.Trackers[0] = "ftp://tracker.example/announce" }, []string{"trackers[0]"}},
		{"tracker relative", func(t *domain.Torrent) { t.Trackers[0] = "/announce" }, []string{"trackers[0]"}},
		{"tracker blank", func(t *domain.Torrent) { t.Trackers[0] = " " }, []string{"trackers[0]"}},
		{"tracker too long", func(t *domain.Torrent) {
			t.Trackers[0] = "http://a.example/" + strings.Repeat("a", domain.MaxTrackerLength)
		}, []string{"trackers[0]"}},
		{"too many trackers", func(t *domain.Torrent) { t.Trackers = make([]string, domain.MaxTrackers+1) }, []string{"trackers"}},
		{"future uploadedAt", func(t *domain.Torrent) { t.UploadedAt = now.Add(domain.MaxUploadedAtSkew + time.Second) }, []string{"uploadedAt"}},
		{"every problem at once", func(t *domain.Torrent) {
			t.InfoHash, t.Name, t.Size, t.Seeders, t.Trackers = domain.InfoHash{}, "", 1, -1, []string{"gopher://x"}
		}, []string{"infoHash", "name", "seeders", "size", "trackers[0]"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tor := validTorrent(t)
			tt.edit(&tor)
			fields := problemFields(t, tor.Normalize(now))
			slices.Sort(fields)
			if !slices.Equal(fields, tt.fields) {
				t.Errorf("problems on %q, want %q", fields, tt.fields)
			}
		})
	}
}

func TestTorrentSummaryMagnet(t *testing.T) {
	tor := validTorrent(t)
	tor.InfoHashV2 = mustHashV2(t, v2Hex)
	m := tor.Summary().Magnet()
	if m.InfoHash != tor.InfoHash || m.InfoHashV2 != tor.InfoHashV2 || m.Name != tor.Name || m.Size != tor.Size ||
		!slices.Equal(m.Trackers, tor.Trackers) {
		t.Errorf("Magnet() = %+v", m)
	}
}

func TestParseTorrentRef(t *testing.T) {
	h := mustHash(t, bbbHex)
	tests := []struct {
		in   string
		want domain.TorrentRef
		text string
	}{
		{"1", domain.TorrentRef{ID: 1}, "1"},
		{"42", domain.TorrentRef{ID: 42}, "42"},
		{"007", domain.TorrentRef{ID: 7}, "7"},
		{"9223372036854775807", domain.TorrentRef{ID: 1<<63 - 1}, "9223372036854775807"},
		{bbbHex, domain.TorrentRef{InfoHash: h}, bbbHex},
		{strings.ToUpper(bbbHex), domain.TorrentRef{InfoHash: h}, bbbHex},
		{bbbBase32, domain.TorrentRef{InfoHash: h}, bbbHex},
		{strings.ToLower(bbbBase32), domain.TorrentRef{InfoHash: h}, bbbHex},
	}
	for _, tt := range tests {
		got, err := domain.ParseTorrentRef(tt.in)
		if err != nil || got != tt.want || got.String() != tt.text {
			t.Errorf("ParseTorrentRef(%q) = %+v (%q), %v; want %+v (%q)", tt.in, got, got.String(), err, tt.want, tt.text)
		}
	}
	for _, in := range []string{
		"", "0", "00", "-1", "+1", " 1", "1 ", "1.5", "1e3", "0x10", "abc",
		"9223372036854775808", // overflows int64
		bbbHex[:39], bbbHex + "0", strings.Repeat("z", 40), strings.Repeat("1", 32),
	} {
		got, err := domain.ParseTorrentRef(in)
		if fields := problemFields(t, err); !slices.Equal(fields, []string{"id"}) {
			t.Errorf("ParseTorrentRef(%q) = %+v, problems on %q; want one on id", in, got, fields)
		}
	}
}

// Paths are handed to clients that write files: ones that would escape the download directory or
// name nothing are refused, as BitTorrent clients refuse them. Before, "../../etc/passwd" was stored.
func TestUnsafeFilePathsAreRefused(t *testing.T) {
	for _, path := range []string{
		"../../etc/passwd", "a/../../b", "..", "a/..", `..\..\windows\system32`, `a\..\b`,
		"/etc/passwd", `\\server\share`, `\x`, "C:/Windows", `c:\x`,
		"a//b", "a/", "a/b/",
		"a\x00b", "a\nb", "a\u0085b",
	} {
		tor := domain.Torrent{InfoHash: mustHash(t, "dd8255ecdc7ca55fb0bbf81323d87062db1f6d1c"), Name: "x", Files: []domain.File{{Path: path, Size: 1}}}
		err := tor.Normalize(time.Now())
		var v *domain.ValidationError
		if !errors.As(err, &v) || v.Problems[0].Field != "files[0].path" {
			t.Errorf("path %q: %v; want a problem on files[0].path", path, err)
		}
	}
	for _, path := range []string{"a/b/c.mkv", "a..b/c", "...", ".hidden/x", `back\slash "quoted"`, "日本語/ファイル.txt", "a/./b"} {
		tor := domain.Torrent{InfoHash: mustHash(t, "dd8255ecdc7ca55fb0bbf81323d87062db1f6d1c"), Name: "x", Files: []domain.File{{Path: path, Size: 1}}}
		if err := tor.Normalize(time.Now()); err != nil {
			t.Errorf("path %q refused: %v", path, err)
		}
	}
}
