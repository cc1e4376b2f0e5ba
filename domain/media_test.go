package domain_test

import (
	"testing"

	"github.com/torrent-streamer/streamer/domain"
)

func TestFileMediaTypeAndPlayable(t *testing.T) {
	for _, c := range []struct {
		path     string
		mime     string
		playable bool
	}{
		{"a/Movie.MP4", "video/mp4", true}, {"b.webm", "video/webm", true}, {"c.mkv", "video/x-matroska", false},
		{"d.mp3", "audio/mpeg", true}, {"e.flac", "audio/flac", true}, {"f.srt", "application/x-subrip", false},
		{"g", "application/octet-stream", false}, {"h.tar.gz", "application/octet-stream", false},
	} {
		f := domain.File{Path: c.path}
		if f.MediaType() != c.mime || f.Playable() != c.playable {
			t.Errorf("%s: %s %v, want %s %v", c.path, f.MediaType(), f.Playable(), c.mime, c.playable)
		}
	}
}

func TestMainFile(t *testing.T) {
	for _, c := range []struct {
		files []domain.File
		want  int
	}{
		{nil, -1},
		{[]domain.File{{Path: "a.txt", Size: 9}, {Path: "b.iso", Size: 99}}, -1},
		{[]domain.File{{Path: "big.mkv", Size: 900}, {Path: "small.mp4", Size: 10}}, 1}, // playable first
		{[]domain.File{{Path: "a.mkv", Size: 9}, {Path: "b.avi", Size: 99}}, 1},         // else the largest media
		{[]domain.File{{Path: "01.mp3", Size: 5}, {Path: "02.mp3", Size: 7}, {Path: "c.jpg", Size: 70}}, 1},
	} {
		if got := (domain.Torrent{Files: c.files}).MainFile(); got != c.want {
			t.Errorf("%v: MainFile %d, want %d", c.files, got, c.want)
		}
	}
}

func TestParseIMDbID(t *testing.T) {
	for in, want := range map[string]string{"tt0133093": "tt0133093", "0133093": "tt0133093", "133093": "tt0133093",
		"TT10872600": "tt10872600", " tt0111161 ": "tt0111161"} {
		if got, ok := domain.ParseIMDbID(in); !ok || got != want {
			t.Errorf("%q: %q %v, want %q", in, got, ok, want)
		}
	}
	for _, bad := range []string{"", "tt", "nm0000001", "tt-1", "tt0", "0", "1234567890123", "tt12a"} {
		if got, ok := domain.ParseIMDbID(bad); ok {
			t.Errorf("%q accepted as %q", bad, got)
		}
	}
}

func TestMagnetWebSeeds(t *testing.T) {
	m, err := domain.ParseMagnet("magnet:?xt=urn:btih:" + "c9e15763f722f23e98a29decdfae341b98d53056" +
		"&ws=https%3A%2F%2Fa.example%2F&ws=https%3A%2F%2Fa.example%2F&tr=https%3A%2F%2Fa.example%2F&ws=http%3A%2F%2Fb.example%2F")
	if err != nil {
		t.Fatal(err)
	}
	if len(m.WebSeeds) != 2 || m.WebSeeds[0] != "https://a.example/" || m.WebSeeds[1] != "http://b.example/" {
		t.Fatalf("web seeds %v (a tracker with the same URL must not hide a web seed)", m.WebSeeds)
	}
	again, err := domain.ParseMagnet(m.String())
	if err != nil || len(again.WebSeeds) != 2 || again.WebSeeds[1] != "http://b.example/" {
		t.Fatalf("round trip %v %v", again.WebSeeds, err)
	}
}
