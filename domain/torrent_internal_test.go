package domain

import (
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"
	"unsafe"
)

// unsafePathBySplitting is unsafePath as it was written first, splitting the path into its
// segments: the scan in place must answer the same for every path.
func unsafePathBySplitting(path string) string {
	if path[0] == '/' || path[0] == '\\' || (len(path) >= 2 && path[1] == ':' && unicode.IsLetter(rune(path[0]))) {
		return "must be relative (no leading slash, backslash or drive letter)"
	}
	for _, segment := range strings.Split(path, "/") {
		if segment == "" {
			return "must not have empty segments"
		}
	}
	for _, segment := range strings.FieldsFunc(path, func(r rune) bool { return r == '/' || r == '\\' }) {
		if segment == ".." {
			return "must not have a .. segment"
		}
	}
	return ""
}

func TestUnsafePathAnswersAsSplittingDid(t *testing.T) {
	paths := []string{"a", "a/b", "..", "../a", "a/..", "a/../b", "a\\..\\b", "...", "a/.../b", "..a", "a..", "a/b/",
		"a//b", "C:/x", "é:/x", ".", "./a", "a/.", "a\\\\b", "\\a", "/a", "a/\\..", "..\\", "x/..\\y"}
	paths = append(paths, randomRuneStrings(rand.New(rand.NewPCG(3, 4)), "/\\.a:é", 200_000, 9)...)
	for _, p := range paths {
		if got, want := unsafePath(p), unsafePathBySplitting(p); got != want {
			t.Fatalf("unsafePath(%q) = %q, splitting said %q", p, got, want)
		}
	}
}

// A path plainPath passes is one the checks after it find nothing in: valid UTF-8, no control
// character, nothing unsafePath reports. Checked on short random paths of the bytes those checks
// look at, and on paths of the corpus's shape.
func TestAPlainPathIsOneTheChecksPass(t *testing.T) {
	paths := []string{"a", "Show/Season 1/e01.mkv", "a..b/c", "a/...", "x:", "C:/x", "a\\b", "a\x7f", "é/a"}
	paths = append(paths, randomRuneStrings(rand.New(rand.NewPCG(5, 6)), "/\\.a:é\t\x7f\u0085 ", 300_000, 9)...)
	plain := 0
	for _, p := range paths {
		if !plainPath(p) {
			continue
		}
		plain++
		if !utf8.ValidString(p) || hasControl(p) || unsafePath(p) != "" {
			t.Fatalf("plainPath(%q) passes it, but the checks find %v %v %q", p, utf8.ValidString(p), hasControl(p), unsafePath(p))
		}
	}
	if plain < 1000 {
		t.Fatalf("only %d random paths plain: the test no longer sees what it should", plain)
	}
}

// printableASCII reads every byte, whatever its place among the eight it reads at a time.
func TestPrintableASCIIReadsEveryByte(t *testing.T) {
	for n := 1; n <= 19; n++ {
		for at := range n {
			for c := range 256 {
				b := []byte(strings.Repeat("a", n))
				b[at] = byte(c)
				if got, want := printableASCII(string(b)), c >= 0x20 && c < 0x7f; got != want {
					t.Fatalf("printableASCII(%q) = %v, want %v", b, got, want)
				}
			}
		}
	}
	r := rand.New(rand.NewPCG(7, 8))
	for range 100_000 {
		b := make([]byte, r.IntN(24))
		for i := range b {
			b[i] = byte(0x1e + r.IntN(0x64)) // around both ends: 0x1e to 0x81
		}
		want := true
		for _, c := range b {
			want = want && c >= 0x20 && c < 0x7f
		}
		if got := printableASCII(string(b)); got != want {
			t.Fatalf("printableASCII(%q) = %v, want %v", b, got, want)
		}
	}
}

func TestHasControlIsIndexFuncIsControl(t *testing.T) {
	for _, s := range []string{"", "abc", "a\tb", "a\x7fb", "é\u0085", "é", "ab\u009f", "\x00", "日本\n", "a\u200bb"} {
		if got, want := hasControl(s), strings.IndexFunc(s, unicode.IsControl) >= 0; got != want {
			t.Errorf("hasControl(%q) = %v, want %v", s, got, want)
		}
	}
	for c := rune(0); c < 0x3000; c++ {
		s := "a" + string(c) + "b"
		if got, want := hasControl(s), unicode.IsControl(c); got != want {
			t.Fatalf("hasControl(%q) = %v, want %v", s, got, want)
		}
	}
}

// A remembered verdict is the check's own, kept or refused, and what is remembered is bounded.
func TestTrackerVerdictsAreTheChecksAndBounded(t *testing.T) {
	urls := []string{"udp://tracker.example:1337/announce", "ftp://tracker.example/x", "http://", "wss://t.example",
		"udp://[::1", "HTTP://T.EXAMPLE/A", " udp://x.example", strings.Repeat("u", MaxTrackerLength+1)}
	for range 3 {
		for _, u := range urls {
			got, want := CheckTracker(u), checkTracker(u)
			if (got == nil) != (want == nil) || got != nil && got.Error() != want.Error() {
				t.Fatalf("CheckTracker(%q) = %v, the check says %v", u, got, want)
			}
		}
	}
	var v urlVerdicts
	for i := range maxRememberedURLs + 100 {
		v.check("udp://t"+strconv.Itoa(i)+".example:1", checkTracker)
	}
	if n := v.n.Load(); n != maxRememberedURLs {
		t.Fatalf("%d verdicts remembered, at most %d", n, maxRememberedURLs)
	}
	if err := v.check("ftp://late.example", checkTracker); err == nil {
		t.Fatal("a URL past the bound was not checked")
	}
}

// What the verdicts keep is bounded by maxRememberedURLs URLs of at most MaxTrackerLength bytes
// ("at most 2 MiB"): a URL longer than a tracker may be (refused by its length at once) is not
// kept, and a URL that is a slice of a larger string (a magnet's tr without escapes is a slice of
// the magnet, up to 128 KiB; a tracker list's entry may be a slice of a request) is kept as a copy,
// not as the slice that holds the larger string alive. Regression test: before, 4,096 magnets of
// 128 KiB each with a tracker of their own kept 512 MiB for the process's life, and 4,096 refused
// 100 KiB URLs 400 MiB.
func TestTrackerVerdictsKeepNoLargerString(t *testing.T) {
	var v urlVerdicts
	long := "udp://" + strings.Repeat("x", 100<<10) + ".example:1"
	if v.check(long, checkTracker) == nil {
		t.Fatal("a 100 KiB tracker URL was kept")
	}
	if _, kept := v.known.Load(long); kept || v.n.Load() != 0 {
		t.Errorf("a 100 KiB URL is remembered (%d remembered)", v.n.Load())
	}
	magnet := "magnet:?xt=urn:btih:" + strings.Repeat("a", 40) + "&tr=udp://t.example:1337/announce&dn=" + strings.Repeat("n", 128<<10)
	from := strings.Index(magnet, "udp://")
	tracker := magnet[from : from+len("udp://t.example:1337/announce")]
	if err := v.check(tracker, checkTracker); err != nil {
		t.Fatal(err)
	}
	v.known.Range(func(k, _ any) bool {
		key := k.(string)
		start, end := uintptr(unsafe.Pointer(unsafe.StringData(magnet))), uintptr(unsafe.Pointer(unsafe.StringData(magnet)))+uintptr(len(magnet))
		if p := uintptr(unsafe.Pointer(unsafe.StringData(key))); p >= start && p < end {
			t.Errorf("the remembered %q is a slice of the %d-byte magnet, which it keeps alive", key, len(magnet))
		}
		return true
	})
}
