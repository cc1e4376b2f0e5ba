package ndjson

import (
	"bufio"
	"bytes"
	"context"
	stdjson "encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/segmentio/encoding/json"

	"github.com/torrent-streamer/streamer/domain"
	"github.com/torrent-streamer/streamer/ports"
)

// MaxLine bounds one line: a torrent with the most files and trackers the catalog keeps fits.
const MaxLine = 4 << 20

// item is one line: the fields of POST /api/ingest's items.
type item struct {
	InfoHash    string     `json:"infoHash"`
	Magnet      string     `json:"magnet,omitempty"`
	Name        string     `json:"name"`
	Size        int64      `json:"size"`
	Category    string     `json:"category,omitempty"`
	Seeders     int64      `json:"seeders"`
	Leechers    int64      `json:"leechers"`
	UploadedAt  string     `json:"uploadedAt,omitempty"`
	Description string     `json:"description,omitempty"`
	Files       []fileItem `json:"files,omitempty"`
	Trackers    []string   `json:"trackers,omitempty"`
	WebSeeds    []string   `json:"webSeeds,omitempty"`
	IMDbID      string     `json:"imdbId,omitempty"`
	TMDbID      int64      `json:"tmdbId,omitempty"`
	TVDbID      int64      `json:"tvdbId,omitempty"`
}

type fileItem struct {
	Path string `json:"path"`
	Size int64  `json:"size"`
}

// Writer writes torrents one a line.
type Writer struct {
	w   *bufio.Writer
	enc *stdjson.Encoder
}

// NewWriter returns a writer to w; call Flush at the end.
func NewWriter(w io.Writer) *Writer {
	bw := bufio.NewWriterSize(w, 256<<10)
	enc := stdjson.NewEncoder(bw)
	enc.SetEscapeHTML(false)
	return &Writer{w: bw, enc: enc}
}

// Write writes one torrent as an ingest item. A torrent with a v2 hash also gets its magnet, which
// carries that hash back in. Its category goes by slug: a display name need not slugify back to it
// (a category "tv" named "Television" would come back as "television").
func (w *Writer) Write(t domain.Torrent) error {
	it := item{
		InfoHash: t.InfoHash.String(), Name: t.Name, Size: t.Size, Category: t.Category.Slug,
		Seeders: t.Seeders, Leechers: t.Leechers, Description: t.Description, Trackers: t.Trackers,
		WebSeeds: t.WebSeeds, IMDbID: t.External.IMDb, TMDbID: t.External.TMDb, TVDbID: t.External.TVDb,
	}
	if !t.UploadedAt.IsZero() {
		it.UploadedAt = t.UploadedAt.UTC().Format(time.RFC3339)
	}
	if !t.InfoHashV2.IsZero() {
		it.Magnet = t.Summary().Magnet().String()
	}
	for _, f := range t.Files {
		it.Files = append(it.Files, fileItem(f))
	}
	return w.enc.Encode(it)
}

// Flush writes what is buffered.
func (w *Writer) Flush() error { return w.w.Flush() }

// Source is ports.ImportSource over an NDJSON file: torrents only, keyed by line number.
type Source struct {
	path string
	name string
}

var _ ports.ImportSource = (*Source)(nil)

// Open checks the file is there and readable.
func Open(path string) (*Source, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, err
	}
	info, err := os.Stat(abs)
	if err != nil {
		return nil, err
	}
	if info.IsDir() {
		return nil, fmt.Errorf("%s is a directory, not an NDJSON file", path)
	}
	return &Source{path: abs, name: fmt.Sprintf("ndjson:%s#%d", abs, info.Size())}, nil
}

// Name implements ports.ImportSource.
func (s *Source) Name() string { return s.name }

// Kinds implements ports.ImportSource.
func (s *Source) Kinds() []ports.ImportKind { return []ports.ImportKind{ports.ImportTorrents} }

// Estimate counts the lines: a file is read at disk speed.
func (s *Source) Estimate(ctx context.Context, kind ports.ImportKind) (int64, error) {
	f, err := os.Open(s.path)
	if err != nil {
		return -1, err
	}
	defer f.Close()
	var n int64
	buf := make([]byte, 256<<10)
	for {
		k, err := f.Read(buf)
		for _, b := range buf[:k] {
			if b == '\n' {
				n++
			}
		}
		if err == io.EOF {
			return n, nil
		}
		if err != nil {
			return -1, err
		}
	}
}

// maxNesting is encoding/json's bound on how deep a value nests (it refuses one deeper).
const maxNesting = 10_000

// mayNestTooDeep says whether line has more than maxNesting '[' and '{' (then it may nest deeper).
func mayNestTooDeep(line []byte) bool {
	return len(line) > maxNesting && bytes.Count(line, []byte{'['})+bytes.Count(line, []byte{'{'}) > maxNesting
}

// lineKey is a line's key: its number, zero-padded so keys order as lines do (as %012d writes it).
func lineKey(n int64) string {
	if n < 0 {
		return fmt.Sprintf("%012d", n)
	}
	var b [20]byte
	digits := strconv.AppendInt(b[:0], n, 10)
	if len(digits) >= 12 {
		return string(digits)
	}
	return strings.Repeat("0", 12-len(digits)) + string(digits)
}

// Read implements ports.ImportSource. Lines up to after are skipped unparsed.
func (s *Source) Read(ctx context.Context, kind ports.ImportKind, after string, each func(ports.SourceRecord) error) error {
	if kind != ports.ImportTorrents {
		return nil
	}
	f, err := os.Open(s.path)
	if err != nil {
		return err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64<<10), MaxLine)
	var n int64
	for sc.Scan() {
		n++
		key := lineKey(n)
		if key <= after {
			continue
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		line := bytes.TrimSpace(sc.Bytes()) // decoded below, before the scanner reuses its buffer
		if len(line) == 0 {
			continue
		}
		if err := each(recordOf(key, line)); err != nil {
			return err
		}
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("line %d: %w", n+1, err)
	}
	return nil
}

// recordOf decodes a line with segmentio's encoding/json, which decodes what the standard library
// does, as the standard library does (TestLinesDecodeAsEncodingJSONDoes), in about a third of its
// time. A line it refuses is read again by the standard library, whose word is final and whose
// message the report gives (the other one quotes the rest of the line).
//
// A line that may nest deeper than the standard library's bound (10,000) goes to it alone:
// segmentio's parser recurses without a bound, so one line of 4 MiB of '[' overflowed the stack
// (a fatal error, not a panic: the import died after taking 1 GB), and a line nested past 10,000
// was taken where the standard library refuses it. A line holds at most as many levels as it
// has '[' and '{', which are counted far quicker than it is decoded.
func recordOf(key string, line []byte) ports.SourceRecord {
	var it item
	if mayNestTooDeep(line) || json.Unmarshal(line, &it) != nil {
		it = item{}
		if err := stdjson.Unmarshal(line, &it); err != nil {
			return ports.SourceRecord{Key: key, Problem: "not a JSON object in ingest's shape: " + err.Error()}
		}
	}
	t := &ports.SourceTorrent{
		InfoHash: it.InfoHash, Magnet: it.Magnet, Name: it.Name, Size: it.Size, Category: it.Category, Seeders: it.Seeders,
		Leechers: it.Leechers, Description: it.Description, Trackers: it.Trackers, WebSeeds: it.WebSeeds,
		External: domain.ExternalIDs{IMDb: it.IMDbID, TMDb: it.TMDbID, TVDb: it.TVDbID},
	}
	if it.UploadedAt != "" {
		at, err := time.Parse(time.RFC3339, it.UploadedAt)
		if err != nil {
			return ports.SourceRecord{Key: key, Problem: "uploadedAt: must be an RFC 3339 time"}
		}
		t.UploadedAt = at
	}
	if len(it.Files) > 0 {
		t.Files = make([]domain.File, len(it.Files))
		for i, f := range it.Files {
			t.Files[i] = domain.File(f)
		}
	}
	return ports.SourceRecord{Key: key, Torrent: t}
}

// Close implements ports.ImportSource.
func (s *Source) Close() error { return nil }
