package domain_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/torrent-streamer/streamer/domain"
)

const bbbMagnet = "magnet:?xt=urn:btih:dd8255ecdc7ca55fb0bbf81323d87062db1f6d1c&dn=Big+Buck+Bunny" +
	"&tr=udp%3A%2F%2Fexplodie.org%3A6969&tr=udp%3A%2F%2Ftracker.coppersurfer.tk%3A6969" +
	"&tr=udp%3A%2F%2Ftracker.empire-js.us%3A1337&tr=udp%3A%2F%2Ftracker.leechers-paradise.org%3A6969" +
	"&tr=udp%3A%2F%2Ftracker.opentrackr.org%3A1337&tr=wss%3A%2F%2Ftracker.btorrent.xyz" +
	"&tr=wss%3A%2F%2Ftracker.fastcast.nz&tr=wss%3A%2F%2Ftracker.openwebtorrent.com" +
	"&ws=https%3A%2F%2Fwebtorrent.io%2Ftorrents%2F" +
	"&xs=https%3A%2F%2Fwebtorrent.io%2Ftorrents%2Fbig-buck-bunny.torrent"

// Another v1 hash, for conflicts.
const otherHex = "08ada5a7a6183aae1e09d831df6748d566095a10"

func TestParseMagnetBigBuckBunny(t *testing.T) {
	m, err := domain.ParseMagnet(bbbMagnet)
	if err != nil {
		t.Fatal(err)
	}
	want := domain.Magnet{
		InfoHash: mustHash(t, bbbHex),
		Name:     "Big Buck Bunny",
		Trackers: []string{
			"udp://explodie.org:6969", "udp://tracker.coppersurfer.tk:6969", "udp://tracker.empire-js.us:1337",
			"udp://tracker.leechers-paradise.org:6969", "udp://tracker.opentrackr.org:1337",
			"wss://tracker.btorrent.xyz", "wss://tracker.fastcast.nz", "wss://tracker.openwebtorrent.com",
		},
	}
	assertMagnet(t, m, want)
}

func TestParseMagnetForms(t *testing.T) {
	v1, v2 := mustHash(t, bbbHex), mustHashV2(t, v2Hex)
	tests := []struct {
		name string
		in   string
		want domain.Magnet
	}{
		{"base32 btih", "magnet:?xt=urn:btih:" + bbbBase32, domain.Magnet{InfoHash: v1}},
		{"lowercase base32", "magnet:?xt=urn:btih:" + strings.ToLower(bbbBase32), domain.Magnet{InfoHash: v1}},
		{"uppercase hex", "magnet:?xt=urn:btih:" + strings.ToUpper(bbbHex), domain.Magnet{InfoHash: v1}},
		{"case-insensitive prefixes", "MAGNET:?xt=URN:BTIH:" + bbbHex, domain.Magnet{InfoHash: v1}},
		{"v2 only", "magnet:?xt=urn:btmh:1220" + v2Hex + "&dn=bittorrent-v2-test",
			domain.Magnet{InfoHashV2: v2, Name: "bittorrent-v2-test"}},
		{"uppercase btmh", "magnet:?xt=urn:BTMH:1220" + strings.ToUpper(v2Hex), domain.Magnet{InfoHashV2: v2}},
		{"hybrid", "magnet:?xt=urn:btih:" + bbbHex + "&xt=urn:btmh:1220" + v2Hex,
			domain.Magnet{InfoHash: v1, InfoHashV2: v2}},
		{"hybrid numbered", "magnet:?xt.1=urn:btih:" + bbbHex + "&xt.2=urn:btmh:1220" + v2Hex,
			domain.Magnet{InfoHash: v1, InfoHashV2: v2}},
		{"same btih twice", "magnet:?xt=urn:btih:" + bbbHex + "&xt.1=urn:btih:" + bbbBase32,
			domain.Magnet{InfoHash: v1}},
		{"other topics ignored", "magnet:?xt=urn:ed2k:31D6CFE0D16AE931B73C59D7E0C089C0&xt=urn:btih:" + bbbHex,
			domain.Magnet{InfoHash: v1}},
		{"dn xl tr", "magnet:?xt=urn:btih:" + bbbHex + "&dn=Tom+%26+Jerry%3A+100%25+%C3%A9dition&xl=734003200" +
			"&tr=udp://tracker.example:1337/announce&tr=http%3A%2F%2Fb.example%2Fannounce%3Fk%3D1%26x%3D2" +
			"&tr=udp://tracker.example:1337/announce&tr=&tr=+",
			domain.Magnet{InfoHash: v1, Name: "Tom & Jerry: 100% édition", Size: 734003200,
				Trackers: []string{"udp://tracker.example:1337/announce", "http://b.example/announce?k=1&x=2"}}},
		{"dn trimmed", "magnet:?xt=urn:btih:" + bbbHex + "&dn=%20+x+%20", domain.Magnet{InfoHash: v1, Name: "x"}},
		{"xl zero", "magnet:?xt=urn:btih:" + bbbHex + "&xl=0", domain.Magnet{InfoHash: v1}},
		{"unknown parameters", "magnet:?xt=urn:btih:" + bbbHex + "&x.pe=1.2.3.4:5&so=0-3&kt=a+b",
			domain.Magnet{InfoHash: v1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := domain.ParseMagnet(tt.in)
			if err != nil {
				t.Fatal(err)
			}
			assertMagnet(t, m, tt.want)
		})
	}
}

func TestParseMagnetRejects(t *testing.T) {
	xt := "xt=urn:btih:" + bbbHex
	for name, in := range map[string]string{
		"empty":                       "",
		"http URL":                    "https://example.com/?" + xt,
		"no question mark":            "magnet:" + xt,
		"no xt":                       "magnet:?dn=Big+Buck+Bunny&tr=udp%3A%2F%2Fexplodie.org%3A6969",
		"only other topics":           "magnet:?xt=urn:ed2k:31D6CFE0D16AE931B73C59D7E0C089C0",
		"two different btih":          "magnet:?" + xt + "&xt=urn:btih:" + otherHex,
		"two different btih numbered": "magnet:?xt.1=urn:btih:" + bbbHex + "&xt.2=urn:btih:" + otherHex,
		"two different btmh":          "magnet:?xt=urn:btmh:1220" + v2Hex + "&xt=urn:btmh:1220" + strings.Repeat("ab", 32),
		"short btih":                  "magnet:?xt=urn:btih:" + bbbHex[:39],
		"btih not hex":                "magnet:?xt=urn:btih:" + strings.Repeat("x", 40),
		"btmh not sha256":             "magnet:?xt=urn:btmh:1114" + v2Hex,
		"negative xl":                 "magnet:?" + xt + "&xl=-1",
		"xl not a number":             "magnet:?" + xt + "&xl=1GB",
		"xl fraction":                 "magnet:?" + xt + "&xl=1.5",
		"xl overflow":                 "magnet:?" + xt + "&xl=99999999999999999999",
		"bad escape":                  "magnet:?" + xt + "&dn=%zz",
		"semicolon":                   "magnet:?" + xt + ";dn=x",
		"too long":                    "magnet:?" + xt + "&dn=" + strings.Repeat("a", domain.MaxMagnetLength),
	} {
		if m, err := domain.ParseMagnet(in); err == nil {
			t.Errorf("%s: ParseMagnet(%.80q) = %+v, want an error", name, in, m)
		}
	}
}

func TestMagnetStringRoundTrips(t *testing.T) {
	tests := []domain.Magnet{
		{InfoHash: mustHash(t, bbbHex)},
		{InfoHashV2: mustHashV2(t, v2Hex), Name: "v2 only"},
		{
			InfoHash:   mustHash(t, seqHex),
			InfoHashV2: mustHashV2(t, v2Hex),
			Name:       "Tom & Jerry: 100% Édition + more = 日本語 #1 ?x=y",
			Size:       1 << 40,
			Trackers: []string{
				"udp://tracker.opentrackr.org:1337/announce",
				"http://t.example/announce?passkey=a&b=c d",
				"wss://tracker.btorrent.xyz",
			},
		},
	}
	for _, m := range tests {
		s := m.String()
		back, err := domain.ParseMagnet(s)
		if err != nil {
			t.Errorf("ParseMagnet(%q): %v", s, err)
			continue
		}
		assertMagnet(t, back, m)
	}
	if got, want := tests[0].String(), "magnet:?xt=urn:btih:"+bbbHex; got != want {
		t.Errorf("String() = %q, want %q", got, want)
	}
	if got, want := tests[1].String(), "magnet:?xt=urn:btmh:1220"+v2Hex+"&dn=v2+only"; got != want {
		t.Errorf("String() = %q, want %q", got, want)
	}
}

func FuzzParseMagnet(f *testing.F) {
	for _, s := range []string{
		bbbMagnet,
		"magnet:?xt=urn:btih:" + bbbBase32,
		"magnet:?xt.1=urn:btih:" + bbbHex + "&xt.2=urn:btmh:1220" + v2Hex + "&dn=a+%26+b&xl=5&tr=udp://x:1",
		"MAGNET:?XT=urn:btih:" + bbbHex,
		"magnet:?xt=urn:btih:" + bbbHex + "&dn=%20%C3%A9%FF&tr=%20udp://a:1&tr=udp://a:1",
		"magnet:?xt=urn:btih:" + bbbHex + "&xl=-1",
		"magnet:?dn=x",
		"magnet:?xt=urn:btih:" + bbbHex + "&dn=%zz",
		"",
		"magnet:?",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		m, err := domain.ParseMagnet(s)
		if err != nil {
			return
		}
		if m.InfoHash.IsZero() && m.InfoHashV2.IsZero() {
			t.Fatalf("ParseMagnet(%q) succeeded without a hash", s)
		}
		built := m.String()
		if len(built) > domain.MaxMagnetLength {
			// String escapes more than a magnet needs, so a long accepted magnet can come back
			// longer than ParseMagnet accepts (see the report on MaxMagnetLength).
			return
		}
		back, err := domain.ParseMagnet(built)
		if err != nil {
			t.Fatalf("ParseMagnet(%q) = %+v, but its String %q does not parse: %v", s, m, built, err)
		}
		if back.InfoHash != m.InfoHash || back.InfoHashV2 != m.InfoHashV2 || back.Name != m.Name ||
			back.Size != m.Size || !slices.Equal(back.Trackers, m.Trackers) {
			t.Fatalf("%q parsed to %+v, its String %q to %+v", s, m, built, back)
		}
	})
}

func assertMagnet(t *testing.T, got, want domain.Magnet) {
	t.Helper()
	if got.InfoHash != want.InfoHash || got.InfoHashV2 != want.InfoHashV2 {
		t.Errorf("hashes = %s / %s, want %s / %s", got.InfoHash, got.InfoHashV2, want.InfoHash, want.InfoHashV2)
	}
	if got.Name != want.Name {
		t.Errorf("Name = %q, want %q", got.Name, want.Name)
	}
	if got.Size != want.Size {
		t.Errorf("Size = %d, want %d", got.Size, want.Size)
	}
	if !slices.Equal(got.Trackers, want.Trackers) {
		t.Errorf("Trackers = %q, want %q", got.Trackers, want.Trackers)
	}
}
