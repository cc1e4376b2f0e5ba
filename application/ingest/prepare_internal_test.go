package ingest

import (
	"fmt"
	"io"
	"log/slog"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/torrent-streamer/streamer/domain"
	"github.com/torrent-streamer/streamer/ports"
)

type clockAt struct{ t time.Time }

func (c clockAt) Now() time.Time { return c.t }

// panickingDecoder stands for a bug in a decoder.
type panickingDecoder struct{}

func (panickingDecoder) Decode([]byte) (ports.Metainfo, error) { panic("decoder bug") }

// A batch checked on several goroutines gives what one goroutine gives: the same report, the same
// torrents in the same order, under the same indexes, whatever fails where.
func TestPrepareOnSeveralGoroutinesIsPrepareOnOne(t *testing.T) {
	s := &Service{clock: clockAt{time.Date(2025, 3, 1, 0, 0, 0, 0, time.UTC)}, log: slog.New(slog.NewTextHandler(io.Discard, nil))}
	items := make([]Item, MaxBulkBatch)
	for i := range items {
		items[i] = Item{
			InfoHash: fmt.Sprintf("%040x", i+1), Name: fmt.Sprintf("Show.Name.S%02dE%02d.1080p.WEB-DL.x264-GRP%d", i%9+1, i%20+1, i),
			Size: int64(i + 1), Category: "tv", Seeders: int64(i % 50), Trackers: []string{"udp://tracker.example.org:1337/announce"},
			Files: []domain.File{{Path: fmt.Sprintf("Show/e%d.mkv", i), Size: int64(i + 1)}},
		}
		switch {
		case i%7 == 0:
			items[i].Name = "" // fails on its name, with its hash known
		case i%11 == 0:
			items[i].InfoHash = "not a hash"
		case i%13 == 0:
			items[i].Files[0].Path = "../escape"
		case i%17 == 0:
			items[i].Magnet = "magnet:?xt=urn:btih:" + strings.Repeat("ab", 20)
		}
	}
	one, err := s.prepare(items, 1)
	if err != nil {
		t.Fatal(err)
	}
	for _, workers := range []int{2, 3, 8} {
		several, err := s.prepare(items, workers)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(several, one) {
			t.Fatalf("%d goroutines prepared another batch than one did", workers)
		}
	}
	if one.report.Failed == 0 || len(one.valid) == 0 || len(one.valid)+one.report.Failed != len(items) {
		t.Fatalf("failed %d, valid %d of %d", one.report.Failed, len(one.valid), len(items))
	}
}

// A checker's panic reaches the caller's goroutine, as it did when one goroutine checked the batch
// (an HTTP handler's recovery must still see it, not the process die).
func TestAPanicInACheckerReachesTheCaller(t *testing.T) {
	s := &Service{clock: clockAt{time.Now()}, decoder: panickingDecoder{}, log: slog.New(slog.NewTextHandler(io.Discard, nil))}
	items := make([]Item, 2*parallelFrom)
	for i := range items {
		items[i] = Item{InfoHash: fmt.Sprintf("%040x", i+1), Name: "x"}
	}
	items[len(items)-1].TorrentFile = "ZGQ=" // base64 of "dd": the decoder is called, and panics
	defer func() {
		if v := recover(); v != "decoder bug" {
			t.Fatalf("recovered %v", v)
		}
	}()
	s.prepare(items, 4)
	t.Fatal("no panic")
}
