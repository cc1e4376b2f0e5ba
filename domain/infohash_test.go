package domain_test

import (
	"encoding/hex"
	"strings"
	"testing"

	"github.com/torrent-streamer/streamer/domain"
)

// Big Buck Bunny's v1 info hash in its two magnet forms (base32 computed from the 20 bytes).
const (
	bbbHex    = "dd8255ecdc7ca55fb0bbf81323d87062db1f6d1c"
	bbbBase32 = "3WBFL3G4PSSV7MF37AJSHWDQMLNR63I4"
	// The bytes 0x00..0x13, in both forms.
	seqHex    = "000102030405060708090a0b0c0d0e0f10111213"
	seqBase32 = "AAAQEAYEAUDAOCAJBIFQYDIOB4IBCEQT"
	// A v2 info hash (libtorrent's v2 test torrent).
	v2Hex = "caf1e1c30e81cb361b9ee167c4aa64228a7fa4fa9f6105232b28ad099f3a302e"
)

func mustHash(t testing.TB, hexDigits string) domain.InfoHash {
	t.Helper()
	var h domain.InfoHash
	if n, err := hex.Decode(h[:], []byte(hexDigits)); err != nil || n != len(h) {
		t.Fatalf("bad fixture %q", hexDigits)
	}
	return h
}

func mustHashV2(t testing.TB, hexDigits string) domain.InfoHashV2 {
	t.Helper()
	var h domain.InfoHashV2
	if n, err := hex.Decode(h[:], []byte(hexDigits)); err != nil || n != len(h) {
		t.Fatalf("bad fixture %q", hexDigits)
	}
	return h
}

func TestParseInfoHashAcceptsHexAndBase32InEitherCase(t *testing.T) {
	tests := []struct{ in, want string }{
		{bbbHex, bbbHex},
		{strings.ToUpper(bbbHex), bbbHex},
		{"DD8255ecdc7ca55fb0bbf81323d87062DB1F6D1C", bbbHex},
		{bbbBase32, bbbHex},
		{strings.ToLower(bbbBase32), bbbHex},
		{"3wbfl3g4PSSV7MF37AJSHWDQMLNR63I4", bbbHex},
		{seqHex, seqHex},
		{seqBase32, seqHex},
	}
	for _, tt := range tests {
		got, err := domain.ParseInfoHash(tt.in)
		if err != nil {
			t.Errorf("ParseInfoHash(%q): %v", tt.in, err)
			continue
		}
		if got != mustHash(t, tt.want) {
			t.Errorf("ParseInfoHash(%q) = %s, want %s", tt.in, got, tt.want)
		}
		if got.String() != tt.want {
			t.Errorf("String() = %q, want lowercase hex %q", got.String(), tt.want)
		}
	}
}

func TestParseInfoHashRejects(t *testing.T) {
	for _, in := range []string{
		"",
		bbbHex[:39],
		bbbHex + "0",
		bbbBase32[:31],
		bbbBase32 + "A",
		"zz8255ecdc7ca55fb0bbf81323d87062db1f6d1c", // not hex
		"dd8255ecdc7ca55fb0bbf81323d87062db1f6d1 ", // trailing space
		"0x8255ecdc7ca55fb0bbf81323d87062db1f6d1c", // 0x prefix
		"18BFL3G4PSSV7MF37AJSHWDQMLNR63I4",         // 1 and 8 are not base32
		"3WBFL3G4PSSV7MF37AJSHWDQMLNR6===",         // padding: fewer than 20 bytes
		"3WBFL3G4PSSV7MF37AJSHWDQMLNR63\r\n",       // the decoder skips newlines: 30 characters left
		"3WBFL3G4PSSV7MF37AJSHWDQMLNR63ſ",          // ſ upper-cases to S: 31 characters
		v2Hex,                                      // a v2 hash is not a v1 hash
		"urn:btih:" + bbbHex,
		strings.Repeat("é", 20),
	} {
		if h, err := domain.ParseInfoHash(in); err == nil {
			t.Errorf("ParseInfoHash(%q) = %s, want an error", in, h)
		}
	}
}

func TestInfoHashTextAndZero(t *testing.T) {
	var zero domain.InfoHash
	if !zero.IsZero() || zero.String() != strings.Repeat("0", 40) {
		t.Errorf("zero hash: IsZero %v, String %q", zero.IsZero(), zero.String())
	}
	h := mustHash(t, bbbHex)
	if h.IsZero() {
		t.Error("a real hash reports IsZero")
	}
	text, err := h.MarshalText()
	if err != nil || string(text) != bbbHex {
		t.Errorf("MarshalText = %q, %v", text, err)
	}
	var back domain.InfoHash
	if err := back.UnmarshalText([]byte(bbbBase32)); err != nil || back != h {
		t.Errorf("UnmarshalText(base32) = %s, %v", back, err)
	}
	if err := back.UnmarshalText([]byte("nope")); err == nil {
		t.Error("UnmarshalText accepted garbage")
	}
}

func TestParseInfoHashV2(t *testing.T) {
	want := mustHashV2(t, v2Hex)
	for _, in := range []string{v2Hex, strings.ToUpper(v2Hex), "1220" + v2Hex, "1220" + strings.ToUpper(v2Hex)} {
		got, err := domain.ParseInfoHashV2(in)
		if err != nil || got != want {
			t.Errorf("ParseInfoHashV2(%q) = %s, %v; want %s", in, got, err, v2Hex)
		}
	}
	if want.String() != v2Hex || want.Multihash() != "1220"+v2Hex {
		t.Errorf("String %q, Multihash %q", want.String(), want.Multihash())
	}
	for _, in := range []string{
		"", v2Hex[:63], "1220" + v2Hex[:63], "1220" + v2Hex + "0",
		"1114" + v2Hex, // another multihash function
		"12" + v2Hex + "20",
		bbbHex,
		strings.Replace(v2Hex, "c", "g", 1),
	} {
		if h, err := domain.ParseInfoHashV2(in); err == nil {
			t.Errorf("ParseInfoHashV2(%q) = %s, want an error", in, h)
		}
	}
	var back domain.InfoHashV2
	if err := back.UnmarshalText([]byte("1220" + v2Hex)); err != nil || back != want {
		t.Errorf("UnmarshalText = %s, %v", back, err)
	}
	if text, _ := want.MarshalText(); string(text) != v2Hex {
		t.Errorf("MarshalText = %q", text)
	}
}

func FuzzParseInfoHash(f *testing.F) {
	for _, s := range []string{bbbHex, strings.ToUpper(bbbHex), bbbBase32, strings.ToLower(bbbBase32),
		seqBase32, v2Hex, "1220" + v2Hex, "", "zz", strings.Repeat("=", 32), strings.Repeat("ſ", 16)} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if h, err := domain.ParseInfoHash(s); err == nil {
			text := h.String()
			if len(text) != 40 || strings.ToLower(text) != text {
				t.Fatalf("String() = %q, want 40 lowercase hex", text)
			}
			if len(s) == 40 && !strings.EqualFold(s, text) {
				t.Fatalf("hex %q parsed to %q", s, text)
			}
			again, err := domain.ParseInfoHash(text)
			if err != nil || again != h {
				t.Fatalf("%q -> %q -> %s, %v", s, text, again, err)
			}
		}
		if h, err := domain.ParseInfoHashV2(s); err == nil {
			for _, text := range []string{h.String(), h.Multihash()} {
				again, err := domain.ParseInfoHashV2(text)
				if err != nil || again != h {
					t.Fatalf("v2 %q -> %q -> %s, %v", s, text, again, err)
				}
			}
		}
	})
}
