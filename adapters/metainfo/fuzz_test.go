package metainfo

import (
	"crypto/sha1"
	"crypto/sha256"
	"errors"
	"strings"
	"testing"

	"github.com/torrent-streamer/streamer/domain"
	"github.com/torrent-streamer/streamer/ports"
)

func FuzzDecode(f *testing.F) {
	for _, info := range []dict{singleFileInfo(), multiFileInfo(), hybridInfo(), v2OnlyInfo()} {
		file, _ := torrent(info, kv{"announce", "udp://a.example:1/announce"},
			kv{"announce-list", list{[]string{"udp://a.example:1/announce", "http://b.example/a"}}})
		f.Add(file)
	}
	unsorted, _ := torrent(dict{{"pieces", pieces}, {"name", "x"}, {"piece length", 1}, {"length", 1}})
	f.Add(unsorted)
	for _, s := range []string{"", "de", "d4:infodee", "i-0e", "d4:info-1:e", "d4:infod6:lengthi-1eee",
		"d4:infod5:filesld6:lengthi1e4:pathl2:..eeee", strings.Repeat("l", 70), "d4:info9999999999:"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, input []byte) {
		if len(input) > MaxTorrentFileSize {
			return
		}
		m, err := decodeOrPanic(t, input)
		if err != nil {
			var verr *domain.ValidationError
			if !errors.As(err, &verr) || verr.Problems[0].Field != "torrentFile" {
				t.Fatalf("error %v is not a ValidationError on torrentFile", err)
			}
			return
		}
		infoRaw, ok := locateInfo(input)
		if !ok {
			t.Fatalf("decoded %q but the info dictionary cannot be located", input)
		}
		if !m.InfoHash.IsZero() && m.InfoHash != sha1.Sum(infoRaw) {
			t.Fatalf("InfoHash %s is not the SHA-1 of the raw info bytes %q", m.InfoHash, infoRaw)
		}
		if !m.InfoHashV2.IsZero() && m.InfoHashV2 != sha256.Sum256(infoRaw) {
			t.Fatalf("InfoHashV2 %s is not the SHA-256 of the raw info bytes", m.InfoHashV2)
		}
		if m.InfoHash.IsZero() && m.InfoHashV2.IsZero() {
			t.Fatal("decoded a torrent with no identity")
		}
		var sum int64
		for _, file := range m.Files {
			sum += file.Size
			for _, e := range strings.Split(file.Path, "/") {
				if e == "" || e == "." || e == ".." {
					t.Fatalf("unsafe path %q", file.Path)
				}
			}
		}
		if len(m.Files) == 0 || len(m.Files) > domain.MaxFiles || m.Size != sum || m.Size > domain.MaxSize {
			t.Fatalf("%d files adding up to %d, size %d", len(m.Files), sum, m.Size)
		}
	})
}

// decodeOrPanic calls decode without Decode's recover, so the fuzzer sees the library's panics
// (Decode turns them into errors), and checks that Decode agrees.
func decodeOrPanic(t *testing.T, input []byte) (m ports.Metainfo, err error) {
	t.Helper()
	public, publicErr := NewDecoder().Decode(input)
	if len(input) == 0 {
		return public, publicErr
	}
	m, err = decode(input)
	if (err == nil) != (publicErr == nil) || (err == nil && public.InfoHash != m.InfoHash) {
		t.Fatalf("decode and Decode disagree: %v / %v", err, publicErr)
	}
	return public, publicErr
}
