package main

import (
	"crypto/sha1"
	"encoding/binary"
	"encoding/hex"
	"fmt"
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
		return c.capitalized()
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
	return c.capitalized()
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
func (c *Corpus) Item(i int) ingest.Item {
	g := &gen{c: c, r: rand.New(rand.NewPCG(c.seed, uint64(i)))}
	cat := g.category()
	rel := cat.make(g)
	return ingest.Item{
		InfoHash:    c.infoHash(i),
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

// Batch returns torrents [from, from+n).
func (c *Corpus) Batch(from, n int) []ingest.Item {
	out := make([]ingest.Item, n)
	for k := range out {
		out[k] = c.Item(from + k)
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

func (c *Corpus) wordRank(r *rand.Rand) int {
	i, _ := slices.BinarySearch(c.cdf, r.Float64())
	return min(i, len(c.words)-1)
}

// gen draws one torrent.
type gen struct {
	c *Corpus
	r *rand.Rand
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

// title is 1 to 5 capitalised words.
func (g *gen) title() []string {
	n := []int{1, 2, 2, 3, 3, 3, 4, 4, 5}[g.r.IntN(9)]
	words := make([]string, n)
	for i := range words {
		rank := g.c.wordRank(g.r)
		for n == 1 && rank < 20 && g.c.shape != ShapeFlat {
			rank = g.c.wordRank(g.r) // a one-word title is a word that says something, not "The"
		}
		words[i] = g.c.capitals[rank]
	}
	return words
}

// pad writes n (not negative) with at least width digits, as %0<width>d does.
func pad(n, width int) string {
	s := strconv.Itoa(n)
	if len(s) >= width {
		return s
	}
	return strings.Repeat("0", width-len(s)) + s
}

func capitalize(w string) string {
	if w == "" || w[0] < 'a' || w[0] > 'z' {
		return w
	}
	return string(w[0]-'a'+'A') + w[1:]
}

// join writes a release name the way groups do: dotted scene style or spaced.
func (g *gen) join(dotted bool, parts ...string) string {
	if dotted {
		return strings.Join(parts, ".")
	}
	return strings.Join(parts, " ")
}

// year is weighted to recent years, as catalogs are.
func (g *gen) year() string {
	return strconv.Itoa(2024 - int(math.Floor(math.Pow(g.r.Float64(), 2)*60)))
}

// logSize is a size in bytes, log-uniform between lo and hi.
func (g *gen) logSize(lo, hi float64) int64 {
	return int64(math.Exp(math.Log(lo) + g.r.Float64()*(math.Log(hi)-math.Log(lo))))
}

// split cuts total into n file sizes; the first takes the most.
func (g *gen) split(total int64, n int) []int64 {
	sizes := make([]int64, n)
	if n == 1 {
		sizes[0] = total
		return sizes
	}
	weights := make([]float64, n)
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
	animeGroups  = []string{"SubsPlease", "Erai-raws", "HorribleSubs", "Judas", "EMBER", "ASW", "Commie", "GJM"}
	gameGroups   = []string{"CODEX", "PLAZA", "SKIDROW", "RELOADED", "FitGirl Repack", "DODI Repack", "GOG", "TENOKE"}
	musicFormats = []string{"FLAC", "MP3 320", "MP3 V0", "FLAC 24bit", "AAC 256", "OGG"}
	bookFormats  = []string{"EPUB", "PDF", "MOBI", "AZW3", "CBZ"}
	softwareOS   = []string{"x64", "x86", "macOS", "Linux", "Win", "ARM64"}
	softwareTags = []string{"Multilingual", "Portable", "Pre-Activated", "Retail", "Final", "Repack", "Incl Keygen"}
	otherExts    = []string{"jpg", "png", "pdf", "zip", "txt", "mp4", "psd", "ttf", "svg", "wav"}
	trackerList  = []string{
		"udp://tracker.opentrackr.org:1337/announce", "udp://open.stealth.si:80/announce",
		"udp://tracker.torrent.eu.org:451/announce", "udp://exodus.desync.com:6969/announce",
		"https://tracker.tamersunion.org:443/announce", "udp://tracker.moeking.me:6969/announce",
		"http://tracker.openbittorrent.com:80/announce", "udp://explodie.org:6969/announce",
		"wss://tracker.openwebtorrent.com", "udp://tracker.dler.org:6969/announce",
	}
)

func (g *gen) movie() release {
	parts := append(g.title(), g.year(), g.pick(resolutions), g.pick(sources))
	if g.chance(0.5) {
		parts = append(parts, g.pick(audioCodecs))
	}
	parts = append(parts, g.pick(videoCodecs)+"-"+g.pick(groups))
	name := g.join(g.chance(0.6), parts...)
	size := g.logSize(700<<20, 60<<30)
	ext := g.pick([]string{"mkv", "mkv", "mp4", "avi"})
	files := []string{name + "." + ext}
	if g.chance(0.5) {
		files = append(files, "Sample/sample-"+strings.ToLower(g.pick(groups))+"."+ext)
	}
	if g.chance(0.4) {
		files = append(files, name+".nfo")
	}
	if g.chance(0.3) {
		files = append(files, "Subs/English.srt", "Subs/Spanish.srt")
	}
	return g.release(name, files, size, g.chance(0.2))
}

func (g *gen) tv() release {
	dotted := g.chance(0.7)
	show := g.title()
	season := g.between(1, 12)
	res, src, codec, grp := g.pick(resolutions), g.pick(sources), g.pick(videoCodecs), g.pick(groups)
	if g.chance(0.55) {
		ep := fmt.Sprintf("S%02dE%02d", season, g.between(1, 24))
		name := g.join(dotted, append(show, ep, res, src)...) + "." + codec + "-" + grp
		files := []string{name + ".mkv"}
		if g.chance(0.3) {
			files = append(files, name+".nfo")
		}
		return g.release(name, files, g.logSize(150<<20, 5<<30), false)
	}
	name := g.join(dotted, append(show, fmt.Sprintf("S%02d", season), res, src)...) + "." + codec + "-" + grp
	if g.chance(0.2) {
		name = g.join(false, show...) + fmt.Sprintf(" Season %d Complete %s %s", season, res, src)
	}
	episodes := g.between(6, 24)
	files := make([]string, episodes)
	for e := range files {
		files[e] = g.join(true, append(show, "S"+pad(season, 2)+"E"+pad(e+1, 2), res)...) + ".mkv"
	}
	return g.release(name, files, g.logSize(1<<30, 80<<30), true)
}

func (g *gen) music() release {
	words := g.title()
	artist := strings.Join(words[:min(len(words), 1+g.r.IntN(2))], " ")
	if g.chance(0.15) {
		artist = "The " + artist
	}
	album := strings.Join(g.title(), " ")
	year, format := g.year(), g.pick(musicFormats)
	name := fmt.Sprintf("%s - %s (%s) [%s]", artist, album, year, format)
	ext := "flac"
	if !strings.HasPrefix(format, "FLAC") {
		ext = "mp3"
	}
	tracks := g.between(6, 20)
	files := make([]string, 0, tracks+1)
	for t := range tracks {
		files = append(files, pad(t+1, 2)+" - "+strings.Join(g.title(), " ")+"."+ext)
	}
	if g.chance(0.6) {
		files = append(files, "cover.jpg")
	}
	return g.release(name, files, g.logSize(40<<20, 2<<30), true)
}

func (g *gen) game() release {
	title := strings.Join(g.title(), " ")
	version := fmt.Sprintf("v%d.%d.%d", g.between(1, 3), g.between(0, 20), g.between(0, 99))
	grp := g.pick(gameGroups)
	name := fmt.Sprintf("%s %s-%s", title, version, grp)
	if strings.HasSuffix(grp, "Repack") {
		name = fmt.Sprintf("%s %s [%s]", title, version, grp)
	}
	n := g.between(3, 40)
	files := []string{"setup.exe"}
	for k := 1; k < n; k++ {
		switch k % 4 {
		case 0:
			files = append(files, "setup-"+strconv.Itoa(k)+".bin")
		case 1:
			files = append(files, "Data/"+strings.ToLower(g.c.Word(g.r))+".pak")
		case 2:
			files = append(files, "Redist/"+g.pick([]string{"vcredist", "dxsetup", "dotnet"})+"_"+strconv.Itoa(k)+".exe")
		default:
			files = append(files, "MD5/"+strconv.Itoa(k)+".md5")
		}
	}
	return g.release(name, files, g.logSize(500<<20, 120<<30), true)
}

func (g *gen) software() release {
	product := strings.Join(g.title()[:1], " ") + " " + g.pick([]string{"Studio", "Pro", "Suite", "Office", "Editor", "Server", "Toolkit", "Manager"})
	version := fmt.Sprintf("%d.%d", g.between(1, 2024), g.between(0, 12))
	name := fmt.Sprintf("%s %s %s %s", product, version, g.pick(softwareOS), g.pick(softwareTags))
	files := []string{strings.ReplaceAll(product, " ", "_") + "_" + version + "_setup.exe"}
	for range g.between(0, 5) {
		files = append(files, g.pick([]string{"Readme.txt", "Crack/patch.exe", "License.rtf", "Docs/Manual.pdf", "checksums.sha256"}))
	}
	return g.release(name, dedupe(files), g.logSize(5<<20, 20<<30), true)
}

func (g *gen) anime() release {
	grp := g.pick(animeGroups)
	title := strings.Join(g.title(), " ")
	res := g.pick([]string{"1080p", "720p", "1080p", "480p"})
	if g.chance(0.6) {
		name := fmt.Sprintf("[%s] %s - %02d (%s) [%08X].mkv", grp, title, g.between(1, 26), res, g.r.Uint32())
		return g.release(name, []string{name}, g.logSize(200<<20, 3<<30), false)
	}
	name := fmt.Sprintf("[%s] %s (%s) [Batch]", grp, title, res)
	n := g.between(12, 26)
	files := make([]string, n)
	for e := range files {
		files[e] = "[" + grp + "] " + title + " - " + pad(e+1, 2) + " (" + res + ").mkv"
	}
	return g.release(name, files, g.logSize(2<<30, 40<<30), true)
}

func (g *gen) book() release {
	author := g.c.capitalWord(g.r) + " " + g.c.capitalWord(g.r)
	title := strings.Join(g.title(), " ")
	format := g.pick(bookFormats)
	name := fmt.Sprintf("%s - %s (%s) %s", author, title, g.year(), format)
	files := []string{fmt.Sprintf("%s - %s.%s", author, title, strings.ToLower(format))}
	for range g.between(0, 3) {
		files = append(files, fmt.Sprintf("%s - %s.%s", author, title, strings.ToLower(g.pick(bookFormats))))
	}
	return g.release(name, dedupe(files), g.logSize(500<<10, 200<<20), len(files) > 1)
}

func (g *gen) other() release {
	name := strings.Join(g.title(), " ") + " " + g.pick([]string{"Collection", "Pack", "Bundle", "Archive", "Course", "Tutorial", "Wallpapers", "Fonts"})
	n := g.between(1, 40)
	files := make([]string, n)
	for k := range files {
		files[k] = g.c.capitalWord(g.r) + " " + pad(k+1, 3) + "." + g.pick(otherExts)
	}
	return g.release(name, files, g.logSize(1<<20, 30<<30), n > 1)
}

// release spreads size over the paths; in a folder release the paths sit under the name, as a
// client shows them.
func (g *gen) release(name string, paths []string, size int64, folder bool) release {
	if g.c.shape == ShapeTags {
		name += " " + g.pick(tagResolutions) + " " + g.pick(tagCodecs) + " " + g.pick(tagSources)
	}
	sizes := g.split(size, len(paths))
	files := make([]domain.File, len(paths))
	for k, p := range paths {
		if folder || len(paths) > 1 {
			p = name + "/" + p
		}
		files[k] = domain.File{Path: p, Size: max(sizes[k], 1)}
	}
	desc := ""
	if g.chance(0.3) {
		desc = "Uploaded by " + g.c.capitalWord(g.r) + ". " + strings.Join(g.title(), " ") + "."
	}
	return release{name: name, files: files, desc: desc}
}

func dedupe(in []string) []string {
	seen := make(map[string]bool, len(in))
	out := in[:0]
	for _, s := range in {
		if !seen[s] {
			seen[s] = true
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
	return g.c.arrivalDate(i)
}

// arrivalDate is torrent i's upload date under DatesArrival, from a stream of its own (so the
// date can be made without the rest of the torrent: see redate).
func (c *Corpus) arrivalDate(i int) time.Time {
	span := corpusEnd.Sub(corpusStart).Seconds()
	arrival := math.Sqrt((float64(i)+0.5)/float64(c.arrivals)) * span
	r := rand.New(rand.NewPCG(c.seed^0xda7e5, uint64(i)))
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
