package metainfo

import (
	"bytes"
	"crypto/sha1"
	"crypto/sha256"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/torrent-streamer/streamer/domain"
	"github.com/torrent-streamer/streamer/ports"
)

var pieces = bytes.Repeat([]byte{0xab}, 40) // two SHA-1 piece hashes

// torrent wraps an info dictionary into a .torrent file; extra top-level keys go before "info".
func torrent(info dict, top ...kv) (file, infoRaw []byte) {
	infoRaw = benc(info)
	return benc(append(dict(top), kv{"info", raw(infoRaw)})), infoRaw
}

func singleFileInfo() dict {
	return dict{
		{"length", 1234},
		{"name", "ubuntu-24.04-desktop-amd64.iso"},
		{"piece length", 262144},
		{"pieces", pieces},
	}
}

func multiFileInfo() dict {
	return dict{
		{"files", list{
			dict{{"length", 100}, {"path", []string{"Sintel", "sintel.mp4"}}},
			dict{{"length", 20}, {"path", []string{"subs", "en.srt"}}},
			dict{{"length", 3}, {"path", []string{"poster.jpg"}}},
		}},
		{"name", "Sintel"},
		{"piece length", 16384},
		{"pieces", pieces},
	}
}

// hybridInfo is a BEP 52 hybrid: v1 files (with a BEP 47 padding file) and a v2 file tree.
func hybridInfo() dict {
	root := func(b byte) []byte { return bytes.Repeat([]byte{b}, 32) }
	return dict{
		{"file tree", dict{
			{"a.bin", dict{{"", dict{{"length", 20000}, {"pieces root", root(1)}}}}},
			{"dir", dict{
				{"b.txt", dict{{"", dict{{"length", 5}, {"pieces root", root(2)}}}}},
			}},
		}},
		{"files", list{
			dict{{"length", 20000}, {"path", []string{"a.bin"}}},
			dict{{"attr", "p"}, {"length", 12768}, {"path", []string{".pad", "12768"}}},
			dict{{"length", 5}, {"path", []string{"dir", "b.txt"}}},
		}},
		{"meta version", 2},
		{"name", "hybrid"},
		{"piece length", 16384},
		{"pieces", bytes.Repeat([]byte{1}, 60)},
	}
}

func v2OnlyInfo() dict {
	info := hybridInfo()
	return slices.DeleteFunc(info, func(e kv) bool { return e.k == "pieces" || e.k == "files" })
}

func decodeOK(t *testing.T, file []byte) ports.Metainfo {
	t.Helper()
	m, err := NewDecoder().Decode(file)
	if err != nil {
		t.Fatalf("Decode: %v", err)
	}
	return m
}

func TestDecodeSingleFile(t *testing.T) {
	file, infoRaw := torrent(singleFileInfo(),
		kv{"announce", "udp://tracker.opentrackr.org:1337/announce"},
		kv{"comment", "Ubuntu CD releases.ubuntu.com"},
		kv{"creation date", 1714000000},
	)
	m := decodeOK(t, file)
	want := ports.Metainfo{
		InfoHash: sha1.Sum(infoRaw),
		Name:     "ubuntu-24.04-desktop-amd64.iso",
		Files:    []domain.File{{Path: "ubuntu-24.04-desktop-amd64.iso", Size: 1234}},
		Size:     1234,
		Trackers: []string{"udp://tracker.opentrackr.org:1337/announce"},
	}
	assertMetainfo(t, m, want)
}

func TestDecodeMultiFile(t *testing.T) {
	file, infoRaw := torrent(multiFileInfo())
	m := decodeOK(t, file)
	assertMetainfo(t, m, ports.Metainfo{
		InfoHash: sha1.Sum(infoRaw),
		Name:     "Sintel",
		Files: []domain.File{
			{Path: "Sintel/sintel.mp4", Size: 100},
			{Path: "subs/en.srt", Size: 20},
			{Path: "poster.jpg", Size: 3},
		},
		Size: 123,
	})
}

func TestDecodePrefersUTF8NameAndPaths(t *testing.T) {
	info := dict{
		{"files", list{
			dict{{"length", 7}, {"path", []string{"\xc9t\xe9.txt"}}, {"path.utf-8", []string{"Été.txt"}}},
			dict{{"length", 1}, {"path", []string{"legacy\xff.txt"}}},
		}},
		{"name", "\xc9t\xe9"}, // Latin-1
		{"name.utf-8", "Été"},
		{"piece length", 16384},
		{"pieces", pieces},
	}
	file, _ := torrent(info)
	m := decodeOK(t, file)
	if m.Name != "Été" {
		t.Errorf("Name = %q, want the name.utf-8", m.Name)
	}
	want := []domain.File{{Path: "Été.txt", Size: 7}, {Path: "legacy\uFFFD.txt", Size: 1}}
	if !slices.Equal(m.Files, want) {
		t.Errorf("Files = %+v, want %+v (path.utf-8 preferred, undecodable bytes replaced)", m.Files, want)
	}
}

// The info hash is the SHA-1 of the info dictionary as written. Here its keys are not in bencode's
// sorted order: a decoder that re-encodes the parsed dictionary would hash different bytes.
func TestDecodeHashesTheRawInfoBytes(t *testing.T) {
	unsorted := dict{
		{"pieces", pieces},
		{"name", "unsorted.bin"},
		{"piece length", 16384},
		{"length", 42},
		{"x-custom", dict{{"b", 1}, {"a", 2}}.sorted()},
	}
	file, infoRaw := torrent(unsorted)
	reencoded := benc(unsorted.sorted())
	if sha1.Sum(reencoded) == sha1.Sum(infoRaw) {
		t.Fatal("fixture is useless: the re-encoding has the same hash")
	}
	m := decodeOK(t, file)
	if m.InfoHash != sha1.Sum(infoRaw) {
		t.Errorf("InfoHash = %s, want SHA-1 of the raw info bytes %x (re-encoding gives %x)",
			m.InfoHash, sha1.Sum(infoRaw), sha1.Sum(reencoded))
	}
	if m.Name != "unsorted.bin" || m.Size != 42 {
		t.Errorf("got name %q size %d", m.Name, m.Size)
	}
}

func TestDecodeHybrid(t *testing.T) {
	file, infoRaw := torrent(hybridInfo(), kv{"announce", "http://tracker.example/announce"})
	m := decodeOK(t, file)
	assertMetainfo(t, m, ports.Metainfo{
		InfoHash:   sha1.Sum(infoRaw),
		InfoHashV2: sha256.Sum256(infoRaw),
		Name:       "hybrid",
		Files:      []domain.File{{Path: "a.bin", Size: 20000}, {Path: "dir/b.txt", Size: 5}},
		Size:       20005,
		Trackers:   []string{"http://tracker.example/announce"},
	})
}

func TestDecodeV2Only(t *testing.T) {
	file, infoRaw := torrent(v2OnlyInfo())
	m := decodeOK(t, file)
	assertMetainfo(t, m, ports.Metainfo{
		InfoHashV2: sha256.Sum256(infoRaw),
		Name:       "hybrid",
		Files:      []domain.File{{Path: "a.bin", Size: 20000}, {Path: "dir/b.txt", Size: 5}},
		Size:       20005,
	})
	if !m.InfoHash.IsZero() {
		t.Errorf("a v2-only torrent has no v1 identity, got InfoHash %s", m.InfoHash)
	}
}

func TestDecodeTrackers(t *testing.T) {
	file, _ := torrent(singleFileInfo(),
		kv{"announce", "udp://a.example:1337/announce"},
		kv{"announce-list", list{
			[]string{"udp://a.example:1337/announce", "udp://b.example:80"},
			[]string{"", " http://c.example/announce "},
			[]string{"udp://b.example:80", "http://c.example/announce", "wss://d.example"},
		}},
	)
	m := decodeOK(t, file)
	want := []string{"udp://a.example:1337/announce", "udp://b.example:80", "http://c.example/announce", "wss://d.example"}
	if !slices.Equal(m.Trackers, want) {
		t.Errorf("Trackers = %q, want %q", m.Trackers, want)
	}
}

func TestDecodeSkipsPaddingFiles(t *testing.T) {
	info := dict{
		{"files", list{
			dict{{"length", 10}, {"path", []string{"a"}}},
			dict{{"attr", "p"}, {"length", 16374}, {"path", []string{"_____padding_file_0"}}},
			dict{{"length", 5}, {"path", []string{"b"}}},
			dict{{"length", 16379}, {"path", []string{".pad", "16379"}}}, // no attr: older clients
			dict{{"attr", "x"}, {"length", 1}, {"path", []string{"run.sh"}}},
		}},
		{"name", "padded"},
		{"piece length", 16384},
		{"pieces", pieces},
	}
	file, _ := torrent(info)
	m := decodeOK(t, file)
	want := []domain.File{{Path: "a", Size: 10}, {Path: "b", Size: 5}, {Path: "run.sh", Size: 1}}
	if !slices.Equal(m.Files, want) || m.Size != 16 {
		t.Errorf("Files = %v, Size = %d; want %v, 16", m.Files, m.Size, want)
	}
}

func TestDecodeFileLimit(t *testing.T) {
	files := func(n int, padding bool) list {
		l := make(list, 0, 2*n)
		for i := range n {
			l = append(l, dict{{"length", 1}, {"path", []string{fmt.Sprintf("f%05d", i)}}})
			if padding {
				l = append(l, dict{{"attr", "p"}, {"length", 16383}, {"path", []string{".pad", "16383"}}})
			}
		}
		return l
	}
	info := func(l list) dict {
		return dict{{"files", l}, {"name", "many"}, {"piece length", 16384}, {"pieces", pieces}}
	}
	file, _ := torrent(info(files(domain.MaxFiles, true)))
	if m := decodeOK(t, file); len(m.Files) != domain.MaxFiles {
		t.Errorf("got %d files, want %d", len(m.Files), domain.MaxFiles)
	}
	file, _ = torrent(info(files(domain.MaxFiles+1, false)))
	assertInvalid(t, file, "more than 10000 files")

	tree := make(dict, 0, domain.MaxFiles+1)
	for i := range domain.MaxFiles + 1 {
		tree = append(tree, kv{fmt.Sprintf("f%05d", i), dict{{"", dict{{"length", 0}}}}})
	}
	v2 := slices.Clone(v2OnlyInfo())
	v2[0].v = dict{{"dir", tree}}
	file, _ = torrent(v2)
	assertInvalid(t, file, "more than 10000 files")
}

func TestDecodeRejectsMalformedInput(t *testing.T) {
	withInfo := func(edit func(dict) dict) []byte {
		file, _ := torrent(edit(singleFileInfo()))
		return file
	}
	set := func(key string, v any) func(dict) dict {
		return func(d dict) dict {
			d = slices.Clone(d)
			for i := range d {
				if d[i].k == key {
					d[i].v = v
					return d
				}
			}
			return append(d, kv{key, v}).sorted()
		}
	}
	drop := func(key string) func(dict) dict {
		return func(d dict) dict {
			return slices.DeleteFunc(slices.Clone(d), func(e kv) bool { return e.k == key })
		}
	}
	multi := func(files ...dict) []byte {
		info := multiFileInfo()
		l := make(list, len(files))
		for i, f := range files {
			l[i] = f
		}
		info[0].v = l
		file, _ := torrent(info)
		return file
	}
	good, goodInfo := torrent(singleFileInfo())
	v2 := func(edit func(dict) dict) []byte {
		file, _ := torrent(edit(v2OnlyInfo()))
		return file
	}
	deep := strings.Repeat("l", 100) + strings.Repeat("e", 100)

	tests := []struct {
		name    string
		input   []byte
		message string // a part of the problem's message
	}{
		{"empty", nil, "is empty"},
		{"text", []byte("this is not a torrent"), "bencoded dictionary"},
		{"html", []byte("<html><body>404</body></html>"), "bencoded dictionary"},
		{"integer", []byte("i42e"), "bencoded dictionary"},
		{"list", []byte("l4:infoe"), "bencoded dictionary"},
		{"empty dict", []byte("de"), "no info dictionary"},
		{"truncated", good[:len(good)/2], "not valid bencode"},
		{"trailing garbage", append(slices.Clone(good), "GARBAGE"...), "trailing garbage"},
		{"two torrents", append(slices.Clone(good), good...), "trailing garbage"},
		{"info not a dict", benc(dict{{"info", "hello"}}), "info that is not a dictionary"},
		{"duplicate info", benc(dict{{"info", raw(goodInfo)}, {"info", raw(benc(multiFileInfo()))}}), "twice"},
		{"duplicate key in info", withInfo(func(d dict) dict { return append(d, kv{"length", 5}) }), "twice"},
		{"string length past the end", []byte("d4:info99:d4:name1:aee"), "longer than the input"},
		{"negative string length", []byte("d4:info-3:abce"), "not valid bencode"},
		{"leading zero integer", withInfo(set("length", raw("i012e"))), "leading zero"},
		{"negative zero", withInfo(set("length", raw("i-0e"))), "leading zero"},
		{"leading zero string", []byte("d04:infode"), "leading zero"},
		{"non-string key", []byte("di1ei2ee"), "not a string"},
		{"unknown type", []byte("d4:infox"), "unexpected byte"},
		{"deep nesting", benc(dict{{"info", raw(deep)}}), "nesting deeper"},
		{"huge integer", []byte("d1:xi" + strings.Repeat("9", 100) + "e4:infodee"), "integer too long"},
		{"wrong type", withInfo(set("name", 5)), "info dictionary"},
		{"no name", withInfo(drop("name")), "no name"},
		{"name dot dot", withInfo(set("name", "..")), `".."`},
		{"name with slash", withInfo(set("name", "a/b")), "slash"},
		{"negative length", withInfo(set("length", -1)), "negative"},
		{"absurd length", withInfo(set("length", int64(1)<<60)), "2^53"},
		{"no length nor files", withInfo(drop("length")), "neither length"},
		{"length and files", withInfo(set("files", list{dict{{"length", 1}, {"path", []string{"a"}}}})), "both length"},
		{"no pieces", withInfo(drop("pieces")), "neither pieces"},
		{"pieces not whole hashes", withInfo(set("pieces", "abc")), "whole number"},
		{"zero piece length", withInfo(set("piece length", 0)), "piece length"},
		{"meta version 3", withInfo(set("meta version", 3)), "meta version 3"},
		{"dot dot path", multi(dict{{"length", 1}, {"path", []string{"..", "etc", "passwd"}}}), `".."`},
		{"dot path", multi(dict{{"length", 1}, {"path", []string{"a", ".", "b"}}}), `"."`},
		{"empty path", multi(dict{{"length", 1}, {"path", []string{}}}), "is empty"},
		{"empty element", multi(dict{{"length", 1}, {"path", []string{"a", ""}}}), "is empty"},
		{"slash in element", multi(dict{{"length", 1}, {"path", []string{"a/../../b"}}}), "slash"},
		{"negative file length", multi(dict{{"length", -5}, {"path", []string{"a"}}}), "negative"},
		{"sum above 2^53", multi(
			dict{{"length", int64(domain.MaxSize)}, {"path", []string{"a"}}},
			dict{{"length", int64(domain.MaxSize)}, {"path", []string{"b"}}},
		), "2^53"},
		{"no files", multi(), "no files"},
		{"only padding", multi(dict{{"attr", "p"}, {"length", 1}, {"path", []string{".pad", "1"}}}), "no files"},
		{"v2 without file tree", v2(drop("file tree")), "without a file tree"},
		{"v2 bad pieces root", v2(set("file tree", dict{{"a", dict{{"", dict{{"length", 5}, {"pieces root", "short"}}}}}})), "pieces root"},
		{"v2 negative length", v2(set("file tree", dict{{"a", dict{{"", dict{{"length", -5}}}}}})), "negative"},
		{"v2 dot dot", v2(set("file tree", dict{{"..", dict{{"", dict{{"length", 0}}}}}})), `".."`},
		{"v2 empty tree", v2(set("file tree", dict{})), "empty file tree"},
		{"too large", append(slices.Clone(good), make([]byte, MaxTorrentFileSize)...), "larger than 10 MiB"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assertInvalid(t, tt.input, tt.message)
		})
	}
}

// One decoder serves concurrent ingests.
func TestDecodeConcurrently(t *testing.T) {
	d := NewDecoder()
	file, infoRaw := torrent(hybridInfo())
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for range 50 {
				m, err := d.Decode(file)
				if err != nil || m.InfoHash != sha1.Sum(infoRaw) {
					t.Errorf("Decode = %v, %v", m.InfoHash, err)
					return
				}
			}
		})
	}
	wg.Wait()
}

func assertInvalid(t *testing.T, input []byte, message string) {
	t.Helper()
	m, err := NewDecoder().Decode(input)
	var verr *domain.ValidationError
	if !errors.As(err, &verr) || !errors.Is(err, domain.ErrInvalid) {
		t.Fatalf("Decode = %+v, %v; want a *domain.ValidationError", m, err)
	}
	if len(verr.Problems) != 1 || verr.Problems[0].Field != "torrentFile" {
		t.Fatalf("problems = %+v, want one on torrentFile", verr.Problems)
	}
	if !strings.Contains(verr.Problems[0].Message, message) {
		t.Errorf("message = %q, want it to mention %q", verr.Problems[0].Message, message)
	}
}

func assertMetainfo(t *testing.T, got, want ports.Metainfo) {
	t.Helper()
	if got.InfoHash != want.InfoHash {
		t.Errorf("InfoHash = %s, want %s", got.InfoHash, want.InfoHash)
	}
	if got.InfoHashV2 != want.InfoHashV2 {
		t.Errorf("InfoHashV2 = %s, want %s", got.InfoHashV2, want.InfoHashV2)
	}
	if got.Name != want.Name {
		t.Errorf("Name = %q, want %q", got.Name, want.Name)
	}
	if !slices.Equal(got.Files, want.Files) {
		t.Errorf("Files = %v, want %v", got.Files, want.Files)
	}
	if got.Size != want.Size {
		t.Errorf("Size = %d, want %d", got.Size, want.Size)
	}
	if !slices.Equal(got.Trackers, want.Trackers) {
		t.Errorf("Trackers = %q, want %q", got.Trackers, want.Trackers)
	}
}

// BEP 19: url-list is a string or a list of strings; both are read, in order, without duplicates.
func TestDecodeWebSeeds(t *testing.T) {
	one, _ := torrent(singleFileInfo(), kv{"url-list", "https://seed.example.org/ubuntu.iso"})
	if got := decodeOK(t, one).WebSeeds; !slices.Equal(got, []string{"https://seed.example.org/ubuntu.iso"}) {
		t.Errorf("a string url-list gives %v", got)
	}
	many, _ := torrent(multiFileInfo(), kv{"url-list", []string{"https://a.example/", " ", "http://b.example/", "https://a.example/"}})
	if got := decodeOK(t, many).WebSeeds; !slices.Equal(got, []string{"https://a.example/", "http://b.example/"}) {
		t.Errorf("a list url-list gives %v", got)
	}
	none, _ := torrent(multiFileInfo())
	if got := decodeOK(t, none).WebSeeds; got != nil {
		t.Errorf("no url-list gives %v", got)
	}
}
