package main

import (
	"crypto/sha1"
	"encoding/binary"
	"encoding/hex"
	"math"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/torrent-streamer/streamer/application/ingest"
	"github.com/torrent-streamer/streamer/domain"
)

// Corpus generates a deterministic catalog: torrent i depends only on the seed and i (its own PCG
// stream), so any torrent can be made again without the ones before it, and a run of N torrents is
// the first N of every larger run.
//
// The shape follows what public trackers hold: release-style names (title words drawn from a Zipf
// law, so a few words are in a large share of names and most are rare; years, resolutions, sources,
// codecs, release groups), all eight default categories in uneven shares, 1 to 40 files whose paths
// repeat the release name as their folder, sizes by kind of content, upload dates over 15 years with
// more of them recent, and heavy-tailed seeders (most torrents have few, a few have thousands).
//
// Its Shape decides how common the words are: the searches the benchmark times are built from the
// names, so each shape puts a different load on search.
type Corpus struct {
	seed  uint64
	shape Shape
	words []string
	// capitals are the words capitalized, as titles write them: made once, not at each draw (the
	// corpus stands for a source's decoding in the ingest's timed window, and should cost no more).
	capitals []string
	cdf      []float64 // cumulative weights over words
	guide    []int     // where in cdf each bucket of draws begins (see guided)
	// dates is how upload dates follow the torrents' order (see Dates).
	dates Dates
	// arrivals is how many torrents the corpus's 15 years hold when dates follow arrival: the
	// size of the catalog being built (torrents after it arrive after corpusEnd, as a catalog
	// that keeps growing gets them).
	arrivals int
}

// Dates is how a corpus's upload dates relate to the order its torrents arrive in.
type Dates string

const (
	// DatesArrival: a torrent arrives after the ones before it, as a crawler or an import stores
	// them, and its upload date is its arrival less a delay: most were uploaded hours or days before
	// they reached the catalog, and a tenth are older torrents found late (a date anywhere before
	// their arrival). So the indexes keyed by date take most new keys near their end, as a real
	// catalog's do.
	DatesArrival Dates = "arrival"
	// DatesRandom: every torrent's date is drawn over the 15 years whatever its place, as the corpus
	// did before (the databases kept from earlier sessions were built so).
	DatesRandom Dates = "random"
)

// defaultArrivals is the catalog size whose 15 years a corpus's arrival dates span unless told
// (WithArrivals): the benchmark's default size.
const defaultArrivals = 1_000_000

// Shape is how a corpus draws the words of its names.
type Shape string

const (
	// ShapeZipf draws title words from a Zipf law over 30,000 words: a few are in a large share of
	// the names, most are rare.
	ShapeZipf Shape = "zipf"
	// ShapeFlat draws them evenly from 100 common words: every word is in several percent of the
	// names, none is rare.
	ShapeFlat Shape = "flat"
	// ShapeTags is the Zipf corpus with tags in every name (a resolution, a video codec, a source),
	// so a few words are each in a third to a half of the names.
	ShapeTags Shape = "tags"
)

// Shapes are every shape, in the table's order.
var Shapes = []Shape{ShapeZipf, ShapeFlat, ShapeTags}

// flatWords is how many words the flat corpus draws from.
const flatWords = 100

// The corpus's span of upload dates: 15 years, ending before any clock that runs the benchmark.
var (
	corpusEnd   = time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	corpusStart = corpusEnd.AddDate(-15, 0, 0)
)

// NewCorpus returns the Zipf corpus of a seed.
func NewCorpus(seed uint64) *Corpus { return NewShapedCorpus(seed, ShapeZipf) }

// NewShapedCorpus returns the corpus of a seed and a shape.
func NewShapedCorpus(seed uint64, shape Shape) *Corpus {
	if shape == ShapeFlat {
		c := &Corpus{seed: seed, shape: shape, dates: DatesArrival, arrivals: defaultArrivals}
		for _, w := range vocabulary() {
			if !functionWords[w] && len(c.words) < flatWords {
				c.words = append(c.words, w)
			}
		}
		c.cdf = make([]float64, len(c.words))
		for i := range c.cdf {
			c.cdf[i] = float64(i+1) / float64(len(c.words))
		}
		return c.capitalized().guided()
	}
	c := &Corpus{seed: seed, shape: shape, words: vocabulary(), dates: DatesArrival, arrivals: defaultArrivals}
	// Zipf with s = 1.05 (rank shifted by one): the commonest word is in about a fifth of the names
	// and in a third of the torrents with their file names, the median word in a few dozen of a million.
	c.cdf = make([]float64, len(c.words))
	sum := 0.0
	for i := range c.words {
		sum += 1 / math.Pow(float64(i+2), 1.05)
		c.cdf[i] = sum
	}
	for i := range c.cdf {
		c.cdf[i] /= sum
	}
	return c.capitalized().guided()
}

func (c *Corpus) capitalized() *Corpus {
	c.capitals = make([]string, len(c.words))
	for i, w := range c.words {
		c.capitals[i] = capitalize(w)
	}
	return c
}

// WithDates returns the corpus with its dates drawn by the law d, over a catalog of arrivals
// torrents (for DatesArrival: the first arrivals torrents span the 15 years).
func (c *Corpus) WithDates(d Dates, arrivals int) *Corpus {
	out := *c
	out.dates, out.arrivals = d, max(arrivals, 1)
	return &out
}

// category is one of the eight default categories, with its share of the corpus and how its
// releases look.
type category struct {
	slug  string
	share float64
	make  func(g *gen) release
}

type release struct {
	name  string
	files []domain.File
	desc  string
}

var categories = []category{
	{"movies", 0.25, (*gen).movie},
	{"tv", 0.20, (*gen).tv},
	{"music", 0.14, (*gen).music},
	{"games", 0.08, (*gen).game},
	{"software", 0.08, (*gen).software},
	{"anime", 0.09, (*gen).anime},
	{"books", 0.08, (*gen).book},
	{"other", 0.08, (*gen).other},
}

// Item returns torrent i as an ingest item.
func (c *Corpus) Item(i int) ingest.Item { return newGen(c).item(i) }

// Batch returns torrents [from, from+n), made by one generator whose buffers each torrent uses
// again: the corpus is made while the ingest is timed, on the cores the service uses.
func (c *Corpus) Batch(from, n int) []ingest.Item {
	g := newGen(c)
	out := make([]ingest.Item, n)
	for k := range out {
		out[k] = g.item(from + k)
	}
	return out
}

func (c *Corpus) infoHash(i int) string {
	var b [16]byte
	binary.LittleEndian.PutUint64(b[:8], c.seed)
	binary.LittleEndian.PutUint64(b[8:], uint64(i))
	sum := sha1.Sum(b[:])
	return hex.EncodeToString(sum[:])
}

// Word draws a title word by its Zipf weight with r: the benchmark's queries use it so their words
// are as common as in the names.
func (c *Corpus) Word(r *rand.Rand) string { return c.words[c.wordRank(r)] }

// capitalWord is Word capitalized.
func (c *Corpus) capitalWord(r *rand.Rand) string { return c.capitals[c.wordRank(r)] }

// wordRank is the first rank whose cumulative weight reaches a uniform draw (the last rank if
// none does): a binary search of the weights between the two ranks its guide table gives for the
// draw's bucket, the same rank as a search of them all in a few steps instead of fifteen.
func (c *Corpus) wordRank(r *rand.Rand) int { return c.rankOf(r.Float64()) }

// rankOf is the rank of the draw u, in [0, 1).
func (c *Corpus) rankOf(u float64) int {
	k := int(u * guideBuckets) // exact: guideBuckets is a power of two
	lo, hi := c.guide[k], c.guide[k+1]
	// The first rank in [lo, hi) whose weight reaches u, else hi: a float search of its own, since
	// slices.BinarySearch's NaN checks were a tenth of the corpus's making.
	for lo < hi {
		mid := int(uint(lo+hi) >> 1)
		if c.cdf[mid] < u {
			lo = mid + 1
		} else {
			hi = mid
		}
	}
	return lo
}

// guideBuckets is how many equal parts of [0, 1) the guide table cuts the draws into.
const guideBuckets = 4096

// guided fills the guide table: guide[k] is the first rank whose cumulative weight reaches
// k/guideBuckets (len(cdf) when none does), so a draw u of bucket k = floor(u*guideBuckets) has its
// rank between guide[k] and guide[k+1]: cdf[guide[k]-1] < k/guideBuckets <= u, and
// cdf[guide[k+1]] >= (k+1)/guideBuckets > u.
func (c *Corpus) guided() *Corpus {
	c.guide = make([]int, guideBuckets+2)
	for k := range c.guide {
		c.guide[k], _ = slices.BinarySearch(c.cdf, float64(k)/guideBuckets)
		c.guide[k] = min(c.guide[k], len(c.cdf)-1)
	}
	return c
}

// gen draws torrents: each its own PCG stream, seeded again for it.
type gen struct {
	c    *Corpus
	r    *rand.Rand // over pcg
	pcg  rand.PCG
	date *rand.Rand // over datePCG: a torrent's arrival date (arrivalDate)
	// datePCG is date's source.
	datePCG rand.PCG
	// What one torrent uses, and the next uses again: the words of a title or the parts of a name,
	// a name being written, the paths of its files back to back (paths) and where each ends (ends),
	// and split's weights and sizes.
	words   []string
	text    []byte
	paths   []byte
	ends    []int
	weights []float64
	sizes   []int64
}

func newGen(c *Corpus) *gen {
	g := &gen{c: c}
	g.r, g.date = rand.New(&g.pcg), rand.New(&g.datePCG)
	return g
}

// item makes torrent i.
func (g *gen) item(i int) ingest.Item {
	g.pcg.Seed(g.c.seed, uint64(i))
	g.paths, g.ends = g.paths[:0], g.ends[:0]
	cat := g.category()
	rel := cat.make(g)
	return ingest.Item{
		InfoHash:    g.c.infoHash(i),
		Name:        rel.name,
		Category:    cat.slug,
		Seeders:     g.peers(1.1, 20000),
		Leechers:    g.peers(1.4, 5000),
		UploadedAt:  g.uploadedAt(i),
		Description: rel.desc,
		Files:       rel.files,
		Trackers:    g.trackers(),
	}
}

func (g *gen) pick(list []string) string { return list[g.r.IntN(len(list))] }

func (g *gen) chance(p float64) bool { return g.r.Float64() < p }

func (g *gen) between(lo, hi int) int { return lo + g.r.IntN(hi-lo+1) }

func (g *gen) category() category {
	x := g.r.Float64()
	for _, c := range categories {
		if x < c.share {
			return c
		}
		x -= c.share
	}
	return categories[len(categories)-1]
}

// titleLengths are a title's word counts, drawn evenly.
var titleLengths = [...]int{1, 2, 2, 3, 3, 3, 4, 4, 5}

// titleInto appends a title's 1 to 5 capitalised words to dst.
func (g *gen) titleInto(dst []string) []string {
	n := titleLengths[g.r.IntN(len(titleLengths))]
	for range n {
		dst = append(dst, g.c.capitals[g.titleRank(n)])
	}
	return dst
}

// appendTitle appends a title's words to b, sep between them: the words titleInto draws.
func (g *gen) appendTitle(b []byte, sep string) []byte {
	n := titleLengths[g.r.IntN(len(titleLengths))]
	for k := range n {
		if k > 0 {
			b = append(b, sep...)
		}
		b = append(b, g.c.capitals[g.titleRank(n)]...)
	}
	return b
}

// titleText is a title written with sep between its words.
func (g *gen) titleText(sep string) string {
	g.text = g.appendTitle(g.text[:0], sep)
	return string(g.text)
}

// titleRank draws a word of a title of n words.
func (g *gen) titleRank(n int) int {
	rank := g.c.wordRank(g.r)
	for n == 1 && rank < 20 && g.c.shape != ShapeFlat {
		rank = g.c.wordRank(g.r) // a one-word title is a word that says something, not "The"
	}
	return rank
}

// pad writes n (not negative) with at least width digits, as %0<width>d does.
func pad(n, width int) string { return string(appendPad(nil, n, width)) }

// appendPad appends n (not negative) with at least width digits.
func appendPad(b []byte, n, width int) []byte {
	for digits := len(strconv.Itoa(n)); digits < width; digits++ {
		b = append(b, '0')
	}
	return strconv.AppendInt(b, int64(n), 10)
}

// appendUpperHex appends x as %08X does.
func appendUpperHex(b []byte, x uint32) []byte {
	const digits = "0123456789ABCDEF"
	for shift := 28; shift >= 0; shift -= 4 {
		b = append(b, digits[x>>uint(shift)&0xf])
	}
	return b
}

// appendLower appends s in lower case (ASCII, as every word and tag of the corpus is).
func appendLower(b []byte, s string) []byte {
	for i := range len(s) {
		c := s[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		b = append(b, c)
	}
	return b
}

// appendJoined appends parts with sep between them, as strings.Join writes them.
func appendJoined(b []byte, parts []string, sep string) []byte {
	for k, p := range parts {
		if k > 0 {
			b = append(b, sep...)
		}
		b = append(b, p...)
	}
	return b
}

func capitalize(w string) string {
	if w == "" || w[0] < 'a' || w[0] > 'z' {
		return w
	}
	return string(w[0]-'a'+'A') + w[1:]
}

// separator is how a release name joins its parts: dotted scene style or spaced.
func separator(dotted bool) string {
	if dotted {
		return "."
	}
	return " "
}

// years are the upload years a name may carry, most recent first (year's draws index it).
var years = func() []string {
	out := make([]string, 60)
	for k := range out {
		out[k] = strconv.Itoa(2024 - k)
	}
	return out
}()

// year is weighted to recent years, as catalogs are.
func (g *gen) year() string {
	return years[int(math.Floor(math.Pow(g.r.Float64(), 2)*60))]
}

// logSize is a size in bytes, log-uniform between lo and hi.
func (g *gen) logSize(lo, hi float64) int64 {
	return int64(math.Exp(math.Log(lo) + g.r.Float64()*(math.Log(hi)-math.Log(lo))))
}

// split cuts total into n file sizes; the first takes the most. The sizes are the generator's
// own, good until its next split.
func (g *gen) split(total int64, n int) []int64 {
	g.sizes = slices.Grow(g.sizes[:0], n)[:n]
	sizes := g.sizes
	if n == 1 {
		sizes[0] = total
		return sizes
	}
	g.weights = slices.Grow(g.weights[:0], n)[:n]
	weights := g.weights
	sum := 0.0
	for i := range weights {
		weights[i] = 0.2 + g.r.Float64()
		sum += weights[i]
	}
	rest := total
	for i := 1; i < n; i++ {
		sizes[i] = int64(float64(total) * weights[i] / sum)
		rest -= sizes[i]
	}
	sizes[0] = rest
	return sizes
}

// addPath adds the path its parts spell to the torrent's files (release writes them).
func (g *gen) addPath(parts ...string) {
	for _, p := range parts {
		g.paths = append(g.paths, p...)
	}
	g.endPath()
}

// endPath ends the path written into g.paths since the last one.
func (g *gen) endPath() { g.ends = append(g.ends, len(g.paths)) }

// The tags of the tags corpus, each in a share of the names its repeats give.
var (
	tagResolutions = []string{"1080p", "1080p", "720p", "2160p"}
	tagCodecs      = []string{"x264", "x264", "x265", "HEVC"}
	tagSources     = []string{"WEB", "WEB", "BluRay"}
)

var (
	resolutions = []string{"1080p", "1080p", "1080p", "720p", "720p", "2160p", "480p"}
	sources     = []string{"BluRay", "WEB-DL", "WEBRip", "HDTV", "BDRip", "DVDRip", "REMUX", "WEB"}
	videoCodecs = []string{"x264", "x264", "x265", "HEVC", "H.264", "XviD", "AV1"}
	audioCodecs = []string{"AAC", "DTS", "DDP5.1", "AC3", "TrueHD", "FLAC", "AAC2.0"}
	groups      = []string{"SPARKS", "RARBG", "YIFY", "FGT", "NTb", "GECKOS", "ETRG", "EVO", "ION10",
		"TGx", "PSA", "MeGusta", "CMRG", "KiNGS", "AMIABLE", "DRONES", "LOL", "DIMENSION", "SiGMA", "NOGRP"}
	animeGroups    = []string{"SubsPlease", "Erai-raws", "HorribleSubs", "Judas", "EMBER", "ASW", "Commie", "GJM"}
	gameGroups     = []string{"CODEX", "PLAZA", "SKIDROW", "RELOADED", "FitGirl Repack", "DODI Repack", "GOG", "TENOKE"}
	musicFormats   = []string{"FLAC", "MP3 320", "MP3 V0", "FLAC 24bit", "AAC 256", "OGG"}
	bookFormats    = []string{"EPUB", "PDF", "MOBI", "AZW3", "CBZ"}
	softwareOS     = []string{"x64", "x86", "macOS", "Linux", "Win", "ARM64"}
	softwareTags   = []string{"Multilingual", "Portable", "Pre-Activated", "Retail", "Final", "Repack", "Incl Keygen"}
	otherExts      = []string{"jpg", "png", "pdf", "zip", "txt", "mp4", "psd", "ttf", "svg", "wav"}
	movieExts      = []string{"mkv", "mkv", "mp4", "avi"}
	redists        = []string{"vcredist", "dxsetup", "dotnet"}
	softwareKinds  = []string{"Studio", "Pro", "Suite", "Office", "Editor", "Server", "Toolkit", "Manager"}
	softwareExtras = []string{"Readme.txt", "Crack/patch.exe", "License.rtf", "Docs/Manual.pdf", "checksums.sha256"}
	animeRes       = []string{"1080p", "720p", "1080p", "480p"}
	otherKinds     = []string{"Collection", "Pack", "Bundle", "Archive", "Course", "Tutorial", "Wallpapers", "Fonts"}
	trackerList    = []string{
		"udp://tracker.opentrackr.org:1337/announce", "udp://open.stealth.si:80/announce",
		"udp://tracker.torrent.eu.org:451/announce", "udp://exodus.desync.com:6969/announce",
		"https://tracker.tamersunion.org:443/announce", "udp://tracker.moeking.me:6969/announce",
		"http://tracker.openbittorrent.com:80/announce", "udp://explodie.org:6969/announce",
		"wss://tracker.openwebtorrent.com", "udp://tracker.dler.org:6969/announce",
	}
)

func (g *gen) movie() release {
	parts := append(g.titleInto(g.words[:0]), g.year(), g.pick(resolutions), g.pick(sources))
	if g.chance(0.5) {
		parts = append(parts, g.pick(audioCodecs))
	}
	g.words = parts
	codec, grp := g.pick(videoCodecs), g.pick(groups)
	sep := separator(g.chance(0.6))
	b := appendJoined(g.text[:0], parts, sep)
	b = append(append(append(append(b, sep...), codec...), '-'), grp...)
	g.text = b
	name := string(b)
	size := g.logSize(700<<20, 60<<30)
	ext := g.pick(movieExts)
	g.addPath(name, ".", ext)
	if g.chance(0.5) {
		g.paths = append(g.paths, "Sample/sample-"...)
		g.paths = appendLower(g.paths, g.pick(groups))
		g.addPath(".", ext)
	}
	if g.chance(0.4) {
		g.addPath(name, ".nfo")
	}
	if g.chance(0.3) {
		g.addPath("Subs/English.srt")
		g.addPath("Subs/Spanish.srt")
	}
	return g.release(name, size, g.chance(0.2))
}

func (g *gen) tv() release {
	sep := separator(g.chance(0.7))
	show := g.titleInto(g.words[:0])
	g.words = show
	season := g.between(1, 12)
	res, src, codec, grp := g.pick(resolutions), g.pick(sources), g.pick(videoCodecs), g.pick(groups)
	b := appendJoined(g.text[:0], show, sep)
	b = append(append(b, sep...), 'S')
	b = appendPad(b, season, 2)
	if g.chance(0.55) {
		b = appendPad(append(b, 'E'), g.between(1, 24), 2)
		b = append(append(append(append(b, sep...), res...), sep...), src...)
		b = append(append(append(append(b, '.'), codec...), '-'), grp...)
		g.text = b
		name := string(b)
		g.addPath(name, ".mkv")
		if g.chance(0.3) {
			g.addPath(name, ".nfo")
		}
		return g.release(name, g.logSize(150<<20, 5<<30), false)
	}
	b = append(append(append(append(b, sep...), res...), sep...), src...)
	b = append(append(append(append(b, '.'), codec...), '-'), grp...)
	if g.chance(0.2) {
		b = appendJoined(b[:0], show, " ")
		b = strconv.AppendInt(append(b, " Season "...), int64(season), 10)
		b = append(append(append(append(b, " Complete "...), res...), ' '), src...)
	}
	g.text = b
	name := string(b)
	episodes := g.between(6, 24)
	for e := range episodes {
		g.paths = appendJoined(g.paths, show, ".")
		g.paths = appendPad(append(g.paths, ".S"...), season, 2)
		g.paths = appendPad(append(g.paths, 'E'), e+1, 2)
		g.addPath(".", res, ".mkv")
	}
	return g.release(name, g.logSize(1<<30, 80<<30), true)
}

func (g *gen) music() release {
	words := g.titleInto(g.words[:0])
	g.words = words
	b := g.text[:0]
	artist := words[:min(len(words), 1+g.r.IntN(2))]
	if g.chance(0.15) {
		b = append(b, "The "...)
	}
	b = append(appendJoined(b, artist, " "), " - "...)
	b = g.appendTitle(b, " ") // the album
	year, format := g.year(), g.pick(musicFormats)
	b = append(append(append(append(append(b, " ("...), year...), ") ["...), format...), ']')
	g.text = b
	name := string(b)
	ext := "flac"
	if !strings.HasPrefix(format, "FLAC") {
		ext = "mp3"
	}
	tracks := g.between(6, 20)
	for t := range tracks {
		g.paths = append(appendPad(g.paths, t+1, 2), " - "...)
		g.paths = g.appendTitle(g.paths, " ")
		g.addPath(".", ext)
	}
	if g.chance(0.6) {
		g.addPath("cover.jpg")
	}
	return g.release(name, g.logSize(40<<20, 2<<30), true)
}

func (g *gen) game() release {
	b := append(g.appendTitle(g.text[:0], " "), " v"...)
	b = append(strconv.AppendInt(b, int64(g.between(1, 3)), 10), '.')
	b = append(strconv.AppendInt(b, int64(g.between(0, 20)), 10), '.')
	b = strconv.AppendInt(b, int64(g.between(0, 99)), 10)
	grp := g.pick(gameGroups)
	if strings.HasSuffix(grp, "Repack") {
		b = append(append(append(b, " ["...), grp...), ']')
	} else {
		b = append(append(b, '-'), grp...)
	}
	g.text = b
	name := string(b)
	n := g.between(3, 40)
	g.addPath("setup.exe")
	for k := 1; k < n; k++ {
		switch k % 4 {
		case 0:
			g.paths = strconv.AppendInt(append(g.paths, "setup-"...), int64(k), 10)
			g.addPath(".bin")
		case 1:
			g.paths = appendLower(append(g.paths, "Data/"...), g.c.Word(g.r))
			g.addPath(".pak")
		case 2:
			g.paths = append(append(append(g.paths, "Redist/"...), g.pick(redists)...), '_')
			g.paths = strconv.AppendInt(g.paths, int64(k), 10)
			g.addPath(".exe")
		default:
			g.paths = strconv.AppendInt(append(g.paths, "MD5/"...), int64(k), 10)
			g.addPath(".md5")
		}
	}
	return g.release(name, g.logSize(500<<20, 120<<30), true)
}

func (g *gen) software() release {
	first := g.titleInto(g.words[:0])[0]
	product := first + " " + g.pick(softwareKinds)
	version := strconv.Itoa(g.between(1, 2024)) + "." + strconv.Itoa(g.between(0, 12))
	name := product + " " + version + " " + g.pick(softwareOS) + " " + g.pick(softwareTags)
	files := append(g.words[:0], strings.ReplaceAll(product, " ", "_")+"_"+version+"_setup.exe")
	for range g.between(0, 5) {
		files = append(files, g.pick(softwareExtras))
	}
	g.words = files
	for _, f := range dedupe(files) {
		g.addPath(f)
	}
	return g.release(name, g.logSize(5<<20, 20<<30), true)
}

func (g *gen) anime() release {
	grp := g.pick(animeGroups)
	title := g.titleText(" ")
	res := g.pick(animeRes)
	b := append(append(append(append(g.text[:0], '['), grp...), "] "...), title...)
	if g.chance(0.6) {
		b = appendPad(append(b, " - "...), g.between(1, 26), 2)
		b = append(append(append(b, " ("...), res...), ") ["...)
		b = append(appendUpperHex(b, g.r.Uint32()), "].mkv"...)
		g.text = b
		name := string(b)
		g.addPath(name)
		return g.release(name, g.logSize(200<<20, 3<<30), false)
	}
	b = append(append(append(b, " ("...), res...), ") [Batch]"...)
	g.text = b
	name := string(b)
	n := g.between(12, 26)
	for e := range n {
		g.paths = append(append(append(append(append(g.paths, '['), grp...), "] "...), title...), " - "...)
		g.paths = appendPad(g.paths, e+1, 2)
		g.addPath(" (", res, ").mkv")
	}
	return g.release(name, g.logSize(2<<30, 40<<30), true)
}

func (g *gen) book() release {
	author := g.c.capitalWord(g.r) + " " + g.c.capitalWord(g.r)
	title := g.titleText(" ")
	format := g.pick(bookFormats)
	name := author + " - " + title + " (" + g.year() + ") " + format
	stem := author + " - " + title + "."
	files := append(g.words[:0], stem+strings.ToLower(format))
	for range g.between(0, 3) {
		files = append(files, stem+strings.ToLower(g.pick(bookFormats)))
	}
	g.words = files
	folder := len(files) > 1
	for _, f := range dedupe(files) {
		g.addPath(f)
	}
	return g.release(name, g.logSize(500<<10, 200<<20), folder)
}

func (g *gen) other() release {
	b := append(g.appendTitle(g.text[:0], " "), ' ')
	b = append(b, g.pick(otherKinds)...)
	g.text = b
	name := string(b)
	n := g.between(1, 40)
	for k := range n {
		g.paths = append(append(g.paths, g.c.capitalWord(g.r)...), ' ')
		g.paths = append(appendPad(g.paths, k+1, 3), '.')
		g.addPath(g.pick(otherExts))
	}
	return g.release(name, g.logSize(1<<20, 30<<30), n > 1)
}

// release spreads size over the paths the category added (addPath); in a folder release the
// paths sit under the name, as a client shows them. The paths are written into one string, which
// each file's path is a part of.
func (g *gen) release(name string, size int64, folder bool) release {
	if g.c.shape == ShapeTags {
		name += " " + g.pick(tagResolutions) + " " + g.pick(tagCodecs) + " " + g.pick(tagSources)
	}
	n := len(g.ends)
	sizes := g.split(size, n)
	under := folder || n > 1
	var all strings.Builder
	all.Grow(len(g.paths) + n*(len(name)+1))
	from := 0
	for k, end := range g.ends {
		if under {
			all.WriteString(name)
			all.WriteByte('/')
		}
		all.Write(g.paths[from:end])
		from, g.ends[k] = end, all.Len()
	}
	paths := all.String()
	files := make([]domain.File, n)
	from = 0
	for k, end := range g.ends {
		files[k] = domain.File{Path: paths[from:end], Size: max(sizes[k], 1)}
		from = end
	}
	desc := ""
	if g.chance(0.3) {
		b := append(append(g.text[:0], "Uploaded by "...), g.c.capitalWord(g.r)...)
		b = append(g.appendTitle(append(b, ". "...), " "), '.')
		g.text = b
		desc = string(b)
	}
	return release{name: name, files: files, desc: desc}
}

// dedupe drops the repeats of in, in place, keeping each string's first place.
func dedupe(in []string) []string {
	out := in[:0]
	for _, s := range in {
		if !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	return out
}

// peers is Pareto-distributed (shape alpha), minus one so many torrents are dead, capped at limit.
func (g *gen) peers(alpha float64, limit int64) int64 {
	u := 1 - g.r.Float64() // (0, 1]
	return min(int64(math.Pow(u, -1/alpha))-1, limit)
}

// uploadedAt is over the corpus's 15 years, denser towards the end (catalogs grow): drawn at
// random (DatesRandom), or torrent i's arrival less a delay (DatesArrival). Arrivals follow the
// same law as the random dates, so a date filter keeps about as many torrents under either (the
// torrents found late put a twelfth fewer in the last two years); and both take the same draw
// from the torrent's stream, so the corpora differ in their dates alone.
func (g *gen) uploadedAt(i int) time.Time {
	span := corpusEnd.Sub(corpusStart).Seconds()
	u := g.r.Float64()
	if g.c.dates == DatesRandom {
		return corpusStart.Add(time.Duration(math.Sqrt(u)*span) * time.Second)
	}
	return g.c.arrivalDateFrom(g.date, &g.datePCG, i)
}

// arrivalDate is torrent i's upload date under DatesArrival, from a stream of its own (so the
// date can be made without the rest of the torrent: see redate).
func (c *Corpus) arrivalDate(i int) time.Time {
	var pcg rand.PCG
	return c.arrivalDateFrom(rand.New(&pcg), &pcg, i)
}

// arrivalDateFrom is arrivalDate drawn with r, whose source is pcg.
func (c *Corpus) arrivalDateFrom(r *rand.Rand, pcg *rand.PCG, i int) time.Time {
	span := corpusEnd.Sub(corpusStart).Seconds()
	arrival := math.Sqrt((float64(i)+0.5)/float64(c.arrivals)) * span
	pcg.Seed(c.seed^0xda7e5, uint64(i))
	var delay float64
	if r.Float64() < arrivalLateShare {
		delay = r.Float64() * arrival // an older torrent found late
	} else {
		delay = r.ExpFloat64() * arrivalDelayMean.Seconds()
	}
	at := corpusStart.Add(time.Duration(max(arrival-delay, 0)) * time.Second)
	// Torrents after the catalog's size arrive after corpusEnd (ingest more into a kept database),
	// up to a year after, which is still before any clock that runs the benchmark.
	if last := corpusEnd.AddDate(1, 0, 0); at.After(last) {
		return last
	}
	return at
}

// Under DatesArrival, the share of torrents that reach the catalog long after their upload (any
// time before), and the mean delay of the others.
const (
	arrivalLateShare = 0.1
	arrivalDelayMean = 24 * time.Hour
)

func (g *gen) trackers() []string {
	n := g.between(1, 4)
	start := g.r.IntN(len(trackerList))
	out := make([]string, n)
	for k := range out {
		out[k] = trackerList[(start+k)%len(trackerList)]
	}
	return out
}

// commonWords are real title words, commonest first: the head of the Zipf law.
var commonWords = strings.Fields(`the of and a in to love night man world life story king dark last
my day time house girl war blood home black city dead little lost secret star fire one new old black
red white blue green gold silver moon sun sky sea river mountain road street dream heart soul
shadow light death ghost angel devil god queen prince princess lady lord knight dragon wolf tiger
lion eagle bird horse dog cat snake spider monster zombie vampire witch wizard magic power hunter
killer soldier hero legend empire kingdom island forest garden winter summer spring autumn storm
rain snow ice stone iron steel glass paper wild free lonely happy sad crazy perfect beautiful deadly
silent hidden broken fallen rising final first second third great big small young long short high
deep cold hot fast slow hard soft sweet bitter true wrong good bad evil holy dark bright midnight
morning evening tomorrow yesterday forever never always again together alone inside outside beyond
under above between against without return revenge rise fall escape journey quest mission project
code game play run fight chase hunt kill save stay wait live die love kiss touch call speak whisper
scream song music dance party wedding school college office hospital prison station hotel island
planet space galaxy universe future past history memory mind brain body eye hand face voice name
family father mother brother sister son daughter friend enemy stranger lover wife husband child
children baby boy boys girls women men people team club gang crew army police detective doctor
lawyer teacher student captain president agent spy thief pirate cowboy ninja samurai robot machine
computer internet network signal battle attack invasion rebellion revolution crisis disaster
survival evolution origin genesis legacy chronicles adventures tales diaries files secrets lies
truth rules games wars stories dreams memories shadows lights voices hearts souls wings eyes hands
golden crystal diamond ruby pearl iron velvet neon electric atomic cosmic quantum digital virtual
paradise heaven hell inferno limbo purgatory eden atlantis babylon rome paris london tokyo berlin
moscow york texas california vegas chicago boston hollywood america africa asia europe`)

// vocabulary is the common words, then made-up words (syllables from a fixed stream) for the long
// tail: 30,000 in all, distinct.
func vocabulary() []string {
	seen := make(map[string]bool)
	var words []string
	for _, w := range commonWords {
		if !seen[w] {
			seen[w] = true
			words = append(words, w)
		}
	}
	onsets := strings.Fields("b br c ch cl d dr f fl g gr h j k kr l m n p pr qu r s sh sk st t th tr v w z")
	vowels := strings.Fields("a e i o u ae ai ea ee ie oa oo ou y")
	codas := strings.Fields("- - - - n r s l m th st nd rk x ck ng")
	r := rand.New(rand.NewPCG(0x5eed, 0x70c4))
	for len(words) < 30000 {
		var b strings.Builder
		for range 2 + r.IntN(2) {
			b.WriteString(onsets[r.IntN(len(onsets))])
			b.WriteString(vowels[r.IntN(len(vowels))])
			if c := codas[r.IntN(len(codas))]; c != "-" {
				b.WriteString(c)
			}
		}
		if w := b.String(); !seen[w] && len(w) >= 4 {
			seen[w] = true
			words = append(words, w)
		}
	}
	return words
}
