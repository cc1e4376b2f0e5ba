package contract

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"

	"github.com/torrent-streamer/streamer/domain"
	"github.com/torrent-streamer/streamer/ports"
)

// ImportSourceHarness makes the sources RunImportSource tests.
type ImportSourceHarness struct {
	Name string
	// New returns a source holding torrents (and nothing else of their kind), in this order.
	New func(t *testing.T, torrents []ports.SourceTorrent) ports.ImportSource
}

// SourceTorrents are the torrents RunImportSource gives a source: files, trackers and a category
// each; the third has no files and the fifth no trackers.
func SourceTorrents(n int) []ports.SourceTorrent {
	out := make([]ports.SourceTorrent, n)
	for i := range out {
		t := ports.SourceTorrent{InfoHash: fmt.Sprintf("%040x", 0xc0ffee00+i), Name: fmt.Sprintf("Source torrent %02d", i), Category: "movies"}
		if i != 2 {
			t.Files = []domain.File{{Path: fmt.Sprintf("t%02d/a.mkv", i), Size: 100}, {Path: fmt.Sprintf("t%02d/b.srt", i), Size: 5}}
		}
		for _, f := range t.Files {
			t.Size += f.Size
		}
		if t.Size == 0 {
			t.Size = 42
		}
		if i != 4 {
			t.Trackers = []string{"udp://tracker.example.org:1337/announce", fmt.Sprintf("https://t%d.example.net/announce", i)}
		}
		out[i] = t
	}
	return out
}

// RunImportSource runs the ports.ImportSource contract against h: records stream in key order,
// a read after a key gives exactly the records after it, and a callback's error or a cancelled
// context stops the read.
func RunImportSource(t *testing.T, h ImportSourceHarness) {
	t.Run(h.Name, func(t *testing.T) {
		ctx := context.Background()
		want := SourceTorrents(25)
		src := h.New(t, want)
		t.Cleanup(func() { src.Close() })
		if name := src.Name(); name == "" || name != src.Name() {
			t.Errorf("Name() = %q, want a stable name", name)
		}
		if !slices.Contains(src.Kinds(), ports.ImportTorrents) {
			t.Fatalf("Kinds() = %v, want torrents", src.Kinds())
		}
		if n, err := src.Estimate(ctx, ports.ImportTorrents); err != nil || n < -1 {
			t.Errorf("Estimate = %d, %v", n, err)
		}
		read := func(after string) ([]string, []ports.SourceTorrent) {
			t.Helper()
			var keys []string
			var got []ports.SourceTorrent
			err := src.Read(ctx, ports.ImportTorrents, after, func(r ports.SourceRecord) error {
				if r.Torrent == nil {
					return fmt.Errorf("record %q has no torrent (problem %q)", r.Key, r.Problem)
				}
				keys, got = append(keys, r.Key), append(got, *r.Torrent)
				return nil
			})
			if err != nil {
				t.Fatalf("Read(after %q): %v", after, err)
			}
			return keys, got
		}
		keys, got := read("")
		if len(got) != len(want) {
			t.Fatalf("read %d torrents, want %d", len(got), len(want))
		}
		for i, g := range got {
			w := want[i]
			if g.InfoHash != w.InfoHash || g.Name != w.Name || g.Size != w.Size || g.Category != w.Category ||
				!slices.Equal(g.Files, w.Files) || !slices.Equal(g.Trackers, w.Trackers) {
				t.Errorf("torrent %d = %+v\nwant %+v", i, g, w)
			}
			if keys[i] == "" || slices.Contains(keys[:i], keys[i]) {
				t.Errorf("key %d %q is empty or not unique", i, keys[i])
			}
		}
		for _, i := range []int{0, 9, 23, 24} {
			after, _ := read(keys[i])
			if !slices.Equal(after, keys[i+1:]) {
				t.Errorf("Read after %q gave %v, want %v", keys[i], after, keys[i+1:])
			}
		}

		stop := errors.New("stop here")
		seen := 0
		err := src.Read(ctx, ports.ImportTorrents, "", func(ports.SourceRecord) error {
			if seen++; seen == 3 {
				return stop
			}
			return nil
		})
		if !errors.Is(err, stop) || seen != 3 {
			t.Errorf("a callback's error: Read = %v after %d records, want it at the third", err, seen)
		}
		cancelled, cancel := context.WithCancel(ctx)
		cancel()
		seen = 0
		err = src.Read(cancelled, ports.ImportTorrents, "", func(ports.SourceRecord) error { seen++; return nil })
		if err == nil || seen == len(want) {
			t.Errorf("a cancelled read: %v after %d records, want an error before the end", err, seen)
		}
		// The source still reads after those.
		if keys2, _ := read(""); !slices.Equal(keys2, keys) {
			t.Errorf("a read after the stopped ones: %v, want %v", keys2, keys)
		}
	})
}
