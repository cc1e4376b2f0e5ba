package metainfo

import (
	"bytes"
	"crypto/sha1"
	"crypto/sha256"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/anacrolix/torrent/metainfo"

	"github.com/torrent-streamer/streamer/domain"
	"github.com/torrent-streamer/streamer/ports"
)

// MaxTorrentFileSize is the largest .torrent file Decode reads: the ingest body limit. Real ones
// are well below it, even with thousands of files.
const MaxTorrentFileSize = 10 << 20

// maxFileEntries bounds the files list before the library allocates it. Hybrid torrents follow
// nearly every file with a padding file, so the list may hold twice MaxFiles entries.
const maxFileEntries = 2*domain.MaxFiles + 1

const field = "torrentFile"

// Decoder implements ports.MetainfoDecoder. It holds no state; one value serves every goroutine.
type Decoder struct{}

var _ ports.MetainfoDecoder = (*Decoder)(nil)

// NewDecoder returns a ready Decoder.
func NewDecoder() *Decoder { return &Decoder{} }

// Decode reads a whole .torrent file. The v1 info hash is the SHA-1 of the info dictionary's bytes
// as they are in the file (never of a re-encoding), and for v2 and hybrid torrents InfoHashV2 is
// their SHA-256. A v2-only torrent has a zero InfoHash. Every failure is a *domain.ValidationError
// on the field "torrentFile".
func (d *Decoder) Decode(raw []byte) (m ports.Metainfo, err error) {
	switch {
	case len(raw) == 0:
		return ports.Metainfo{}, invalid("is empty")
	case len(raw) > MaxTorrentFileSize:
		return ports.Metainfo{}, invalid(fmt.Sprintf("is larger than %d MiB", MaxTorrentFileSize>>20))
	}
	defer func() {
		// The library panics on some inputs it has not been hardened against; hostile input must
		// never take the service down.
		if r := recover(); r != nil {
			m, err = ports.Metainfo{}, invalid("could not be decoded")
		}
	}()
	return decode(raw)
}

func decode(raw []byte) (ports.Metainfo, error) {
	if raw[0] != 'd' {
		return ports.Metainfo{}, invalid("is not a .torrent file: it must be a bencoded dictionary")
	}
	top, end, err := entries(raw, 0)
	switch {
	case err != nil:
		return ports.Metainfo{}, invalid("is not valid bencode: " + err.Error())
	case end != len(raw):
		return ports.Metainfo{}, invalid(fmt.Sprintf("has %d bytes of trailing garbage after the torrent", len(raw)-end))
	}
	infoSpan, ok := top["info"]
	if !ok {
		return ports.Metainfo{}, invalid("has no info dictionary")
	}
	infoRaw := raw[infoSpan.start:infoSpan.end]
	infoKeys, _, err := entries(raw, infoSpan.start)
	if err != nil {
		return ports.Metainfo{}, invalid("has an info that is not a dictionary")
	}
	if err := checkFileCount(raw, infoKeys); err != nil {
		return ports.Metainfo{}, err
	}

	mi, err := metainfo.Load(bytes.NewReader(raw))
	if err != nil {
		return ports.Metainfo{}, invalid("could not be read: " + err.Error())
	}
	if !bytes.Equal(mi.InfoBytes, infoRaw) {
		// Cannot happen with the duplicate-key check; if the library ever disagrees about where
		// the info dictionary is, the identity is ambiguous.
		return ports.Metainfo{}, invalid("has an info dictionary that could not be located unambiguously")
	}
	info, err := mi.UnmarshalInfo()
	if err != nil {
		return ports.Metainfo{}, invalid("has an unreadable info dictionary: " + err.Error())
	}

	_, hasPieces := infoKeys["pieces"]
	switch {
	case info.MetaVersion != 0 && info.MetaVersion != 1 && info.MetaVersion != 2:
		return ports.Metainfo{}, invalid(fmt.Sprintf("has an unsupported meta version %d", info.MetaVersion))
	case !hasPieces && !info.HasV2():
		return ports.Metainfo{}, invalid("has neither pieces (BitTorrent v1) nor meta version 2 (v2)")
	case info.PieceLength <= 0:
		return ports.Metainfo{}, invalid("must have a positive piece length")
	case len(info.Pieces)%sha1.Size != 0:
		return ports.Metainfo{}, invalid("has pieces that are not a whole number of SHA-1 hashes")
	}

	var m ports.Metainfo
	if m.Name, err = torrentName(&info); err != nil {
		return ports.Metainfo{}, err
	}
	if hasPieces {
		m.InfoHash = sha1.Sum(infoRaw)
		m.Files, err = v1Files(&info, infoKeys, m.Name)
	} else {
		// v2 only: the file tree is the only list of files there is.
		m.Files, err = v2Files(&info, infoKeys)
	}
	if err != nil {
		return ports.Metainfo{}, err
	}
	if info.HasV2() {
		if _, ok := infoKeys["file tree"]; !ok {
			return ports.Metainfo{}, invalid("is a v2 torrent without a file tree")
		}
		if err := info.FileTree.Validate(); err != nil {
			return ports.Metainfo{}, invalid("has a malformed file tree: " + err.Error())
		}
		m.InfoHashV2 = sha256.Sum256(infoRaw)
	}
	for _, f := range m.Files {
		// Each size is at most 2^53, so the running sum cannot overflow before this check stops it.
		if m.Size += f.Size; m.Size > domain.MaxSize {
			return ports.Metainfo{}, invalid("has files adding up to more than 2^53 bytes")
		}
	}
	m.Trackers = trackers(mi)
	m.WebSeeds = webSeeds(mi)
	return m, nil
}

// webSeeds lists the url-list (a string or a list of strings), in order, without duplicates.
func webSeeds(mi *metainfo.MetaInfo) []string {
	var out []string
	seen := make(map[string]bool)
	for _, u := range mi.UrlList {
		u = strings.TrimSpace(validUTF8(u))
		if u == "" || seen[u] {
			continue
		}
		seen[u] = true
		out = append(out, u)
	}
	return out
}

// checkFileCount refuses a torrent with too many files before the library allocates them.
func checkFileCount(raw []byte, infoKeys map[string]span) error {
	if files, ok := infoKeys["files"]; ok && raw[files.start] == 'l' &&
		countListItems(raw, files.start, maxFileEntries) > maxFileEntries {
		return tooManyFiles()
	}
	if tree, ok := infoKeys["file tree"]; ok && raw[tree.start] == 'd' &&
		countTreeFiles(raw, tree.start, domain.MaxFiles) > domain.MaxFiles {
		return tooManyFiles()
	}
	return nil
}

func tooManyFiles() error {
	return invalid(fmt.Sprintf("lists more than %d files", domain.MaxFiles))
}

// torrentName prefers name.utf-8. The name is the file's name (single file) or the directory's, so
// it must be one path element.
func torrentName(info *metainfo.Info) (string, error) {
	name := validUTF8(info.BestName())
	if name == "" {
		return "", invalid("has no name")
	}
	if err := checkPathElement(name); err != nil {
		return "", invalid("has a name that " + err.Error() + ": it must be a single file name")
	}
	return name, nil
}

func v1Files(info *metainfo.Info, infoKeys map[string]span, name string) ([]domain.File, error) {
	_, hasLength := infoKeys["length"]
	_, hasFiles := infoKeys["files"]
	switch {
	case hasLength && hasFiles:
		return nil, invalid("has both length (single file) and files (multiple files)")
	case hasLength:
		if err := checkSize(info.Length); err != nil {
			return nil, invalid("has a length that " + err.Error())
		}
		return []domain.File{{Path: name, Size: info.Length}}, nil
	case !hasFiles:
		return nil, invalid("has neither length (single file) nor files (multiple files)")
	}
	files := make([]domain.File, 0, len(info.Files))
	for i, f := range info.Files {
		if err := checkSize(f.Length); err != nil {
			return nil, invalid(fmt.Sprintf("has a file (%d) whose length %s", i, err))
		}
		if isPadding(f) {
			continue
		}
		path, err := joinPath(f.BestPath())
		if err != nil {
			return nil, invalid(fmt.Sprintf("has a file (%d) whose path %s", i, err))
		}
		files = append(files, domain.File{Path: path, Size: f.Length})
	}
	return checkFiles(files)
}

func v2Files(info *metainfo.Info, infoKeys map[string]span) ([]domain.File, error) {
	if _, ok := infoKeys["file tree"]; !ok {
		return nil, invalid("is a v2 torrent without a file tree")
	}
	if err := info.FileTree.Validate(); err != nil {
		// Checked before walking: the library panics on a malformed pieces root.
		return nil, invalid("has a malformed file tree: " + err.Error())
	}
	var files []domain.File
	var walk func(path []string, ft *metainfo.FileTree) error
	walk = func(path []string, ft *metainfo.FileTree) error {
		if !ft.IsDir() {
			if len(path) == 0 {
				return invalid("has an empty file tree")
			}
			if err := checkSize(ft.File.Length); err != nil {
				return invalid("has a file whose length " + err.Error())
			}
			joined, err := joinPath(path)
			if err != nil {
				return invalid("has a file whose path " + err.Error())
			}
			files = append(files, domain.File{Path: joined, Size: ft.File.Length})
			return nil
		}
		keys := make([]string, 0, len(ft.Dir))
		for k := range ft.Dir {
			if k != metainfo.FileTreePropertiesKey {
				keys = append(keys, k)
			}
		}
		slices.Sort(keys) // the order of the file: bencode dicts are sorted
		for _, k := range keys {
			sub := ft.Dir[k]
			if err := walk(append(path[:len(path):len(path)], k), &sub); err != nil {
				return err
			}
		}
		return nil
	}
	if err := walk(nil, &info.FileTree); err != nil {
		return nil, err
	}
	return checkFiles(files)
}

func checkFiles(files []domain.File) ([]domain.File, error) {
	switch {
	case len(files) == 0:
		return nil, invalid("lists no files")
	case len(files) > domain.MaxFiles:
		return nil, tooManyFiles()
	}
	return files, nil
}

// isPadding tells BEP 47 padding files, which exist only to align pieces: the "p" attribute, or the
// conventional .pad directory of clients that predate the attribute.
func isPadding(f metainfo.FileInfo) bool {
	return strings.Contains(f.Attr, "p") ||
		(len(f.Path) > 0 && f.Path[0] == ".pad") || (len(f.PathUtf8) > 0 && f.PathUtf8[0] == ".pad")
}

func checkSize(n int64) error {
	switch {
	case n < 0:
		return errors.New("is negative")
	case n > domain.MaxSize:
		return errors.New("is more than 2^53 bytes")
	}
	return nil
}

// joinPath joins a file's path elements with "/", refusing anything that could climb out of the
// torrent's directory or change the path's shape once joined.
func joinPath(elements []string) (string, error) {
	if len(elements) == 0 {
		return "", errors.New("is empty")
	}
	clean := make([]string, len(elements))
	for i, e := range elements {
		e = validUTF8(e)
		if err := checkPathElement(e); err != nil {
			return "", fmt.Errorf("has an element that %w", err)
		}
		clean[i] = e
	}
	path := strings.Join(clean, "/")
	if len(path) > domain.MaxFilePathLength {
		return "", fmt.Errorf("is longer than %d bytes", domain.MaxFilePathLength)
	}
	return path, nil
}

func checkPathElement(e string) error {
	switch {
	case e == "":
		return errors.New("is empty")
	case e == "." || e == "..":
		return fmt.Errorf("is %q", e)
	case strings.ContainsAny(e, "/\x00"):
		return errors.New("contains a slash or NUL")
	}
	return nil
}

// validUTF8 keeps names readable: old torrents carry names in legacy code pages, and a catalog entry
// with a few replacement characters is better than a refused torrent. The identity is the hash.
func validUTF8(s string) string { return strings.ToValidUTF8(s, "\uFFFD") }

// trackers flattens announce and the announce-list tiers, in order, without duplicates or blanks.
func trackers(mi *metainfo.MetaInfo) []string {
	var out []string
	seen := make(map[string]bool)
	add := func(u string) {
		u = strings.TrimSpace(u)
		if u == "" || seen[u] {
			return
		}
		seen[u] = true
		out = append(out, u)
	}
	add(mi.Announce)
	for _, tier := range mi.AnnounceList {
		for _, u := range tier {
			add(u)
		}
	}
	return out
}

func invalid(message string) *domain.ValidationError {
	return domain.Invalid(field, message)
}
