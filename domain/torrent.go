package domain

import (
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode"
	"unicode/utf8"
)

// Limits on one torrent. They keep a row well inside D1's 2 MB and a response reasonable.
const (
	MaxNameLength        = 512
	MaxDescriptionLength = 20000
	MaxFiles             = 10000
	MaxFilePathLength    = 1024
	// MaxFilePathsTotal bounds the bytes of all paths together, so that any valid torrent fits in one
	// D1 row (2 MB) with its sizes, trackers and description.
	MaxFilePathsTotal = 512 << 10
	MaxTrackers       = 64
	MaxTrackerLength  = 512
	MaxWebSeeds       = 16
	MaxWebSeedLength  = 1024
	// MaxSize keeps sizes exact in JSON numbers (2^53).
	MaxSize = 1 << 53
	// MaxPeers bounds seeders and leechers; swarms are far smaller.
	MaxPeers = 1 << 40
	// MaxUploadedAtSkew is how far in the future an upload date may lie (clocks differ).
	MaxUploadedAtSkew = 24 * time.Hour
)

// File is one file of a torrent, its path relative to the torrent's root.
type File struct {
	Path string
	Size int64
}

// Torrent is a catalog entry: the identity (info hash), what it contains, and its swarm's last
// known health.
type Torrent struct {
	ID         int64
	InfoHash   InfoHash
	InfoHashV2 InfoHashV2
	Name       string
	Size       int64
	Category   CategoryRef
	Seeders    int64
	Leechers   int64
	UploadedAt time.Time
	// UploadedAtUnset is set by Normalize when no upload date was given: UploadedAt is then the
	// time of this ingest, which a store gives a torrent it does not hold yet; a stored torrent
	// keeps its date, so sending a torrent again without one (a seeders refresh, a second import
	// of a source without dates) neither moves it in the latest list nor counts as a change.
	UploadedAtUnset bool
	Description     string
	Files           []File
	Trackers        []string
	WebSeeds        []string // BEP 19 HTTP seeds (url-list, ws=)
	External        ExternalIDs
	Release         Release // derived from Name by Normalize
	CreatedAt       time.Time
	UpdatedAt       time.Time
}

// TorrentSummary is what lists show: enough to choose and to start a download.
type TorrentSummary struct {
	ID         int64
	InfoHash   InfoHash
	InfoHashV2 InfoHashV2
	Name       string
	Size       int64
	Category   CategoryRef
	Seeders    int64
	Leechers   int64
	UploadedAt time.Time
	Trackers   []string
	WebSeeds   []string
	External   ExternalIDs
	Release    Release
	FileCount  int
}

// Summary returns the list form of t.
func (t Torrent) Summary() TorrentSummary {
	return TorrentSummary{
		ID: t.ID, InfoHash: t.InfoHash, InfoHashV2: t.InfoHashV2, Name: t.Name, Size: t.Size,
		Category: t.Category, Seeders: t.Seeders, Leechers: t.Leechers, UploadedAt: t.UploadedAt,
		Trackers: t.Trackers, WebSeeds: t.WebSeeds, External: t.External, Release: t.Release,
		FileCount: len(t.Files),
	}
}

// Magnet builds the torrent's magnet URI.
func (s TorrentSummary) Magnet() Magnet {
	return Magnet{InfoHash: s.InfoHash, InfoHashV2: s.InfoHashV2, Name: s.Name, Size: s.Size,
		Trackers: s.Trackers, WebSeeds: s.WebSeeds}
}

// Normalize checks t against the catalog's rules and fills what can be derived: the size from the
// files, the upload date from now (see UploadedAtUnset), duplicate trackers dropped. Every problem is reported at once.
func (t *Torrent) Normalize(now time.Time) error {
	var problems ValidationError
	if t.InfoHash.IsZero() {
		problems.Add("infoHash", "a v1 info hash is required (from infoHash, magnet or torrentFile)")
	}
	t.Name = strings.TrimSpace(t.Name)
	switch {
	case t.Name == "":
		problems.Add("name", "is required")
	case !utf8.ValidString(t.Name):
		problems.Add("name", "must be valid UTF-8")
	case utf8.RuneCountInString(t.Name) > MaxNameLength:
		problems.Add("name", fmt.Sprintf("must be at most %d characters", MaxNameLength))
	case strings.ContainsRune(t.Name, 0):
		problems.Add("name", "must not contain NUL characters")
	}
	if utf8.RuneCountInString(t.Description) > MaxDescriptionLength {
		problems.Add("description", fmt.Sprintf("must be at most %d characters", MaxDescriptionLength))
	} else if !utf8.ValidString(t.Description) {
		problems.Add("description", "must be valid UTF-8")
	}
	if t.Size < 0 || t.Size > MaxSize {
		problems.Add("size", "must be between 0 and 2^53 bytes")
	}
	if t.Seeders < 0 || t.Seeders > MaxPeers {
		problems.Add("seeders", "must be a non-negative count")
	}
	if t.Leechers < 0 || t.Leechers > MaxPeers {
		problems.Add("leechers", "must be a non-negative count")
	}
	t.normalizeFiles(&problems)
	t.normalizeTrackers(&problems)
	t.normalizeWebSeeds(&problems)
	t.External.normalize(&problems)
	t.Release = ParseRelease(t.Name)
	if t.Category.Slug == "" {
		t.Category = CategoryRef{Slug: DefaultCategorySlug, Name: "Other"}
	}
	if t.UploadedAt.IsZero() {
		t.UploadedAt, t.UploadedAtUnset = now, true
	} else if t.UploadedAt.After(now.Add(MaxUploadedAtSkew)) {
		problems.Add("uploadedAt", "must not be in the future")
	}
	t.UploadedAt = t.UploadedAt.UTC().Truncate(time.Second)
	return problems.Err()
}

// unsafePath says why a file path cannot be handed to a client that writes files, as BitTorrent
// clients refuse it: absolute (a leading / or \, or a drive letter), an empty segment ("a//b", a
// trailing /), or a ".." segment, with either slash as the separator (Windows clients split on \).
// "" when the path is safe.
func unsafePath(path string) string {
	if path[0] == '/' || path[0] == '\\' || (len(path) >= 2 && path[1] == ':' && unicode.IsLetter(rune(path[0]))) {
		return "must be relative (no leading slash, backslash or drive letter)"
	}
	// Read in place, without splitting (this runs for every file of every torrent ingested): only
	// the path's start and the places after its separators, each found by the fast search (a path
	// holds few separators and, in release names, many dots). An empty segment is told before a ".."
	// segment, wherever each is.
	if strings.HasSuffix(path, "/") {
		return "must not have empty segments"
	}
	dotDot := dotDotSegmentAt(path, 0)
	for i := strings.IndexByte(path, '/'); i >= 0; {
		if path[i+1] == '/' { // not the last byte: that is not a '/'
			return "must not have empty segments"
		}
		dotDot = dotDot || dotDotSegmentAt(path, i+1)
		k := strings.IndexByte(path[i+1:], '/')
		if k < 0 {
			break
		}
		i += 1 + k
	}
	for i := strings.IndexByte(path, '\\'); i >= 0 && !dotDot; {
		dotDot = dotDotSegmentAt(path, i+1)
		k := strings.IndexByte(path[i+1:], '\\')
		if k < 0 {
			break
		}
		i += 1 + k
	}
	if dotDot {
		return "must not have a .. segment"
	}
	return ""
}

// dotDotSegmentAt: path holds ".." at i, followed by a separator or the end.
func dotDotSegmentAt(path string, i int) bool {
	return strings.HasPrefix(path[i:], "..") && (i+2 == len(path) || isPathSeparator(path[i+2]))
}

// hasControl tells whether s holds a control character (unicode.IsControl), reading ASCII bytes
// without decoding them.
func hasControl(s string) bool {
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c >= utf8.RuneSelf:
			return strings.IndexFunc(s[i:], unicode.IsControl) >= 0
		case c < 0x20 || c == 0x7f:
			return true
		}
	}
	return false
}

// plainPath tells that a path (not empty) needs none of the checks that follow it in normalizeFiles:
// it is ASCII without control characters (which makes it valid UTF-8 too), and unsafePath finds
// nothing in it. False says only that those checks must look.
func plainPath(path string) bool { return printableASCII(path) && unsafePath(path) == "" }

// printableASCII: every byte of s is ASCII and no control character (0x20 to 0x7e). It reads eight
// bytes at a time: a torrent's paths are most of the bytes its check reads.
func printableASCII(s string) bool {
	i := 0
	for ; i+8 <= len(s); i += 8 {
		w := s[i : i+8]
		x := uint64(w[0]) | uint64(w[1])<<8 | uint64(w[2])<<16 | uint64(w[3])<<24 |
			uint64(w[4])<<32 | uint64(w[5])<<40 | uint64(w[6])<<48 | uint64(w[7])<<56
		if !printableASCIIWord(x) {
			return false
		}
	}
	for ; i < len(s); i++ {
		if s[i]-0x20 >= 0x7f-0x20 { // below 0x20 wraps around
			return false
		}
	}
	return true
}

// printableASCIIWord: each of the eight bytes of x lies in 0x20 to 0x7e. With no byte's top bit
// set, subtracting 0x20 from every byte sets a byte's top bit where some byte is below 0x20, and
// subtracting 0x01 from x^0x7f7f... where some byte is 0x7f (the bit hacks "hasless" and "haszero":
// a borrow can mark a wrong byte, never a word that has none).
func printableASCIIWord(x uint64) bool {
	const ones, highs = 0x0101010101010101, 0x8080808080808080
	if x&highs != 0 {
		return false
	}
	below := (x - 0x20*ones) &^ x & highs
	y := x ^ 0x7f*ones
	del := (y - ones) &^ y & highs
	return below|del == 0
}

func isPathSeparator(c byte) bool { return c == '/' || c == '\\' }

func (t *Torrent) normalizeFiles(problems *ValidationError) {
	if len(t.Files) > MaxFiles {
		problems.Add("files", fmt.Sprintf("must list at most %d files", MaxFiles))
		return
	}
	var sum int64
	pathBytes := 0
	for i, f := range t.Files {
		field := func() string { return "files[" + strconv.Itoa(i) + "]" } // only a problem names it
		path := strings.TrimSpace(f.Path)
		switch {
		case path == "":
			problems.Add(field()+".path", "is required")
		case len(path) > MaxFilePathLength:
			problems.Add(field()+".path", fmt.Sprintf("must be at most %d bytes", MaxFilePathLength))
		case plainPath(path):
			// Nothing to report, told in one pass (most paths).
		case !utf8.ValidString(path) || hasControl(path):
			problems.Add(field()+".path", "must be valid UTF-8 without control characters")
		default:
			if msg := unsafePath(path); msg != "" {
				problems.Add(field()+".path", msg)
			}
		}
		if pathBytes += len(path); pathBytes > MaxFilePathsTotal {
			problems.Add("files", "paths add up to more than 512 KiB")
			return
		}
		t.Files[i].Path = path
		if f.Size < 0 || f.Size > MaxSize {
			problems.Add(field()+".size", "must be between 0 and 2^53 bytes")
			continue
		}
		if sum += f.Size; sum > MaxSize {
			problems.Add("files", "sizes add up to more than 2^53 bytes")
			return
		}
	}
	if len(t.Files) == 0 {
		return
	}
	switch {
	case t.Size == 0:
		t.Size = sum
	case t.Size != sum:
		problems.Add("size", fmt.Sprintf("must equal the sum of the files' sizes (%d)", sum))
	}
}

func (t *Torrent) normalizeTrackers(problems *ValidationError) {
	t.Trackers = normalizeURLList(problems, "trackers", "trackers", t.Trackers, MaxTrackers, CheckTracker)
}

func (t *Torrent) normalizeWebSeeds(problems *ValidationError) {
	t.WebSeeds = normalizeURLList(problems, "webSeeds", "URLs", t.WebSeeds, MaxWebSeeds, CheckWebSeed)
	if len(t.WebSeeds) == 0 {
		t.WebSeeds = nil
	}
}

// normalizeURLList trims each URL of a list, reports the ones check refuses under field[i] and drops
// them and repeats; a list longer than max is refused whole (and kept as it was).
func normalizeURLList(problems *ValidationError, field, noun string, urls []string, max int, check func(string) error) []string {
	if len(urls) > max {
		problems.Add(field, fmt.Sprintf("must list at most %d %s", max, noun))
		return urls
	}
	seen := make(map[string]bool, len(urls))
	kept := make([]string, 0, len(urls))
	for i, u := range urls {
		u = strings.TrimSpace(u)
		if err := check(u); err != nil {
			problems.Add(field+"["+strconv.Itoa(i)+"]", err.Error())
			continue
		}
		if seen[u] {
			continue
		}
		seen[u] = true
		kept = append(kept, u)
	}
	return kept
}

// CheckWebSeed tells whether raw is a web seed the catalog keeps: an http or https URL with a host,
// at most MaxWebSeedLength bytes.
func CheckWebSeed(raw string) error {
	if raw == "" || len(raw) > MaxWebSeedLength {
		return fmt.Errorf("must be a URL of 1 to %d bytes", MaxWebSeedLength)
	}
	u, err := url.Parse(raw)
	if err != nil || u.Hostname() == "" {
		return errors.New("must be an absolute http or https URL")
	}
	switch strings.ToLower(u.Scheme) {
	case "http", "https":
		return nil
	}
	return errors.New("must use http or https")
}

// CheckTracker tells whether raw is a tracker URL the catalog keeps: http, https, udp, ws or wss
// with a host, at most MaxTrackerLength bytes.
func CheckTracker(raw string) error { return trackerVerdicts.check(raw, checkTracker) }

// trackerVerdicts remembers CheckTracker's answers: catalogs name the same few hundred trackers in
// most of their torrents, and parsing the URL again was most of a torrent's tracker checks.
var trackerVerdicts urlVerdicts

// maxRememberedURLs bounds what urlVerdicts keeps (at most 2 MiB of URLs): past it, a URL it does
// not know is checked each time.
const maxRememberedURLs = 4096

// urlVerdicts is a check's answers by URL, safe for concurrent use.
type urlVerdicts struct {
	known sync.Map // URL → its check's error (nil: kept)
	n     atomic.Int64
}

func (v *urlVerdicts) check(raw string, check func(string) error) error {
	if err, ok := v.known.Load(raw); ok {
		if err == nil {
			return nil
		}
		return err.(error)
	}
	err := check(raw)
	// Only a URL short enough to be kept (a longer one is refused by its length, at once), and a
	// copy of it: raw may be part of a much larger string (a magnet's tr without escapes is a
	// slice of the magnet, up to 128 KiB), which the map would keep alive for the process's life.
	if len(raw) <= MaxTrackerLength && v.n.Load() < maxRememberedURLs {
		if _, loaded := v.known.LoadOrStore(strings.Clone(raw), err); !loaded {
			v.n.Add(1)
		}
	}
	return err
}

func checkTracker(raw string) error {
	if raw == "" || len(raw) > MaxTrackerLength {
		return fmt.Errorf("must be a URL of 1 to %d bytes", MaxTrackerLength)
	}
	u, err := url.Parse(raw)
	if err != nil || u.Hostname() == "" {
		return errors.New("must be an absolute tracker URL")
	}
	switch strings.ToLower(u.Scheme) {
	case "http", "https", "udp", "ws", "wss":
		return nil
	}
	return errors.New("must use http, https, udp, ws or wss")
}

// TorrentRef names a torrent by its id or by its v1 info hash, as the details route accepts.
type TorrentRef struct {
	ID       int64
	InfoHash InfoHash
}

// ParseTorrentRef reads a positive decimal id, or a v1 info hash (40 hex or 32 base32).
func ParseTorrentRef(s string) (TorrentRef, error) {
	if len(s) > 0 && len(s) <= 19 && isDigits(s) {
		id, err := strconv.ParseInt(s, 10, 64)
		if err == nil && id > 0 {
			return TorrentRef{ID: id}, nil
		}
	}
	if LooksLikeInfoHash(s) {
		if h, err := ParseInfoHash(s); err == nil {
			return TorrentRef{InfoHash: h}, nil
		}
	}
	return TorrentRef{}, Invalid("id", "must be a positive torrent id or a v1 info hash (40 hex or 32 base32 characters)")
}

// String is the ref's canonical text: the id, or the lowercase hex hash.
func (r TorrentRef) String() string {
	if r.ID > 0 {
		return strconv.FormatInt(r.ID, 10)
	}
	return r.InfoHash.String()
}

func isDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// UpsertOutcome says what storing one torrent did. A blocked torrent (its info hash was taken
// down) is not stored: Blocked is set and ID is 0.
type UpsertOutcome struct {
	InfoHash InfoHash
	ID       int64
	Created  bool
	Blocked  bool
	// Unchanged: the torrent was stored already exactly so, and nothing was written (its revision
	// and updated time did not move).
	Unchanged bool
}

// BlockedHash is an info hash on the takedown blocklist, and since when.
type BlockedHash struct {
	InfoHash  InfoHash
	BlockedAt time.Time
}

// TakedownOutcome says what taking one info hash down did: Removed when the catalog held a torrent
// with it (ID is then that torrent's), and the hash is on the blocklist either way.
type TakedownOutcome struct {
	InfoHash InfoHash
	ID       int64
	Removed  bool
}
