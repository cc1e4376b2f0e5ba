package domain

import (
	"iter"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"
)

// ReleaseParserVersion changes whenever ParseRelease would answer differently for some name, so
// stores can tell which rows were parsed by an older parser and derive them again. 2: "DoVi" reads
// as DV, and an absolute episode's dash may have a tab or a newline beside it.
const ReleaseParserVersion = 2

// Bounds on what a release name can claim, so that a hostile name never grows a long list.
const (
	maxReleaseRange = 400 // the widest episode or season range kept (S01E001-E400)
	minReleaseYear  = 1890
	maxReleaseYear  = 2039 // a later number is a title ("Cyberpunk 2077", "Blade Runner 2049")
)

// Release is what a release name says about its content, in the terms the *arr apps search by and
// people filter by. Zero values mean "the name does not say". Seasons and Episodes are ascending;
// episodes without a season are absolute numbers (anime).
type Release struct {
	Title          string
	Year           int
	Seasons        []int
	Episodes       []int
	AirDate        string // daily shows: YYYY-MM-DD
	Resolution     string // 360p, 480p, 540p, 576p, 720p, 1080p, 2160p, 4320p
	Source         string // CAM, TS, DVD, HDTV, HDRip, WEBRip, WEB-DL, BluRay, Remux
	Codec          string // H.264, H.265, AV1, XviD, DivX, VP9, MPEG-2
	HDR            string // DV, HDR10+, HDR10, HDR, HLG; several joined by a space ("DV HDR10")
	Audio          string // codec, Atmos, channels: "TrueHD Atmos 7.1", "DD+ 5.1", "FLAC"
	Group          string
	CompleteSeason bool
}

// IsZero tells whether the name said nothing but, perhaps, a title.
func (r Release) IsZero() bool {
	return r.Year == 0 && len(r.Seasons) == 0 && len(r.Episodes) == 0 && r.AirDate == "" &&
		r.Resolution == "" && r.Source == "" && r.Codec == "" && r.HDR == "" && r.Audio == "" &&
		r.Group == "" && !r.CompleteSeason
}

// HasSeason tells whether the release covers season n: n lies between its first and last season
// (a store keeps a span, so a list with gaps is taken as its span everywhere). A daily show's
// episode named by its air date alone is in the season of its air year, as TheTVDB numbers the
// seasons of daily shows and as Sonarr asks for one (season=2024).
func (r Release) HasSeason(n int) bool {
	if len(r.Seasons) == 0 && r.AirDate != "" {
		return strings.HasPrefix(r.AirDate, strconv.Itoa(n)+"-")
	}
	return inSpan(r.Seasons, n)
}

// HasEpisode tells whether the release holds episode n (of its season, or absolute), as a span.
func (r Release) HasEpisode(n int) bool { return inSpan(r.Episodes, n) }

func inSpan(list []int, n int) bool {
	return len(list) > 0 && list[0] <= n && n <= list[len(list)-1]
}

// The patterns. Each names a token of a release name; where a token starts, the title ends.
var (
	reExtension     = regexp.MustCompile(`(?i)\.(?:mkv|mp4|m4v|avi|wmv|mov|webm|mpg|flac|mp3|m4a|m4b|ogg|opus|wav|epub|mobi|azw3|pdf|cbr|cbz|iso|img|zip|rar|7z|exe|msi|dmg|deb|rpm|apk|appimage|srt|torrent)$`)
	reLeadingTag    = regexp.MustCompile(`^\s*[\[【]([^\]】]{1,80})[\]】][\s_.\-]*`)
	reTrailingGroup = plain(`(?:[^\s\-]-|\s-\s?)((?i:[A-Za-z]+-raws)|[A-Za-z0-9][A-Za-z0-9_@&]*(?:\.[A-Za-z]{2,4})?)\s*(?:\[[^\[\]]*\]|\([^()]*\))?\s*$`).at(where(beforeDash, groupCanStart)).writtenOut(trailingGroupAt)

	reSxxEyy      = screened(`(?i)\bS(\d{1,3})[ ._]?[ ._-]?E(\d{1,4})((?:(?:[ ._]?-[ ._]?|[ ._]?&[ ._]?)?E\d{1,4}|-\d{1,4}\b)*)`, sThenDigit).at(where(wordStart("s#"), digitsThen(3, " ._-e")))
	reEpisodeMore = regexp.MustCompile(`(?i)(-?)\s*E?(\d{1,4})`)
	reNxNN        = screened(`(?i)\b(\d{1,2})x(\d{2,3})(?:-(\d{2,3}))?\b`, digitXDigit).at(wordStart("#x", "##x"))
	reSeasonRange = screened(`(?i)\bS(\d{1,2})(?:-S?|\s?(?:-|to|~)\s?S)(\d{1,2})\b`, sThenDigit).at(where(wordStart("s#"), digitsThen(2, "-t~ \t\n\f\r")))
	reSeasonWord  = hinted(`(?i)\bSeasons?[ ._]?(\d{1,2})(?:\s?(?:-|to|~)\s?(\d{1,2}))?\b`, "season").at(wordStart("season"))
	reSeasonOrd   = hinted(`(?i)\b(\d{1,2})(?:st|nd|rd|th)[ ._]Season\b`, "season").at(wordStart(followedBy([]string{"#", "##"}, "st", "nd", "rd", "th")...))
	reSeasonOnly  = screened(`(?i)\bS(\d{1,2})\b`, sThenDigit).at(wordStart("s#|", "s##|"))
	reEpisodeOnly = screened(`(?i)\b(?:E|EP\.?|Episode)[ ._]?(\d{1,4})(?:\s?-\s?(?:E|EP)?(\d{1,4}))?\b`, eThenDigit).at(wordStart("e#", "e ", "e.", "e_", "ep#", "ep ", "ep.", "ep_", "episode"))
	reAbsolute    = screened(`\s[-–~]\s(\d{1,4})(?:\s?[-~]\s?(\d{1,4}))?(?:v\d)?(?:\s+(?:END|FINAL|Final))?(?:\s|$|[\[(])`, spacedDash).at(where(spaceBefore("-~"), spacedDashThenDigit))
	reAbsBatch    = hinted(`[\[(](\d{1,4})\s?[-~]\s?(\d{1,4})[\])]`, "[", "(").at(where(byteIn("[("), bracketedRangeAt))
	reDaily       = screened(`\b((?:19|20)\d{2})[.\-_ ](\d{2})[.\-_ ](\d{2})\b`, dailyDate).at(where(wordStart("19", "20"), dateAt))
	reComplete    = hinted(`(?i)\b(?:complete|full[ ._]season)\b`, "complete", "full").at(wordStart("complete", "full"))
	reCompleteSer = hinted(`(?i)\bcomplete[ ._](?:series|seasons?)\b`, "complete").at(wordStart(followedBy([]string{"complete"}, " s", ".s", "_s")...))

	reResolution = screened(`(?i)\b(?:(?:BD|HD)?(360|480|540|576|720|1080|2160|4320)[pi]|(?:\d{3,4}x(360|480|540|576|720|1080|2160))p?|(4K|UHD))\b`, resolutionLike).at(wordStart("bd#", "hd#", "360", "480", "540", "576", "720", "1080", "2160", "4320", "###x", "####x", "4k", "uhd"))

	reRemux  = hinted(`(?i)\b(?:BD)?REMUX\b`, "remux").at(wordStart("bdremux", "remux"))
	reBluRay = hinted(`(?i)\b(?:Blu-?Ray(?:[ .-]?Rip)?|BDRip|BRRip|BR-?Rip|BD25|BD50|BDMV|BD(?:\d{3,4}p)?)\b`, "blu", "bd", "br").at(wordStart("blur", "blu-r", "bd", "brrip", "br-r"))
	reWebDL  = hinted(`(?i)\b(?:WEB-?DL(?:Mux)?|WEB)\b`, "web").at(wordStart("webdl", "web-dl", "web|"))
	reWebRip = hinted(`(?i)\bWEB-?Rip\b`, "web").at(wordStart("webrip", "web-rip"))
	reHDTV   = hinted(`(?i)\b(?:HDTV(?:Rip)?|PDTV|SDTV|TVRip|DSR|DTH)\b`, "tv", "dsr", "dth").at(wordStart("hdtv", "pdtv", "sdtv", "tvrip", "dsr", "dth"))
	reDVD    = hinted(`(?i)\b(?:DVD-?Rip|DVD[59R]?|DvDScr|DVD-?Scr)\b|\bDvd-Rip\b`, "dvd").at(wordStart("dvd"))
	reHDRip  = hinted(`(?i)\bHD-?Rip\b`, "rip").at(wordStart("hd"))
	reCam    = hinted(`\bCAM\b|(?i)\b(?:HDCAM|Cam-?Rip)\b`, "cam").at(wordStart("cam", "hdcam"))
	reTS     = hinted(`\b(?:TS|HDTS)\b|(?i)\b(?:TELESYNC|HD-TS)\b`, "ts", "telesync").at(wordStart("ts", "hd", "telesync"))

	reH264  = hinted(`(?i)\b(?:[xh]\.?264|AVC)\b`, "264", "avc").at(wordStart("x264", "x.264", "h264", "h.264", "avc"))
	reH265  = hinted(`(?i)\b(?:[xh]\.?265|HEVC)\b`, "265", "hevc").at(wordStart("x265", "x.265", "h265", "h.265", "hevc"))
	reAV1   = hinted(`(?i)\bAV1\b`, "av1").at(wordStart("av1"))
	reXviD  = hinted(`(?i)\bXviD\b`, "xvid").at(wordStart("xvid"))
	reDivX  = hinted(`(?i)\bDivX\b`, "divx").at(wordStart("divx"))
	reVP9   = hinted(`(?i)\bVP9\b`, "vp9").at(wordStart("vp9"))
	reMPEG2 = hinted(`(?i)\bMPEG-?2\b`, "mpeg").at(wordStart("mpeg"))

	reDV     = hinted(`(?i)\b(?:DV|DoVi|Dolby[ .]?Vision)\b`, "dv", "dovi", "dolby").at(wordStart("dv|", "dovi|", "dolby"))
	reHDR10P = hinted(`(?i)\bHDR10(?:\+|Plus\b|P\b)`, "hdr").at(wordStart("hdr10"))
	reHDR10  = hinted(`(?i)\bHDR10\b`, "hdr").at(wordStart("hdr10"))
	reHDR    = hinted(`(?i)\bHDR\b`, "hdr").at(wordStart("hdr"))
	reHLG    = hinted(`\bHLG\b`, "hlg").at(wordStart("hlg"))

	reAudio = hinted(`(?i)\b(DTS-?HD[ .-]?MA|DTS-?HD|DTS[-:]?X|DTS|TrueHD|DDP|DD\+|E-?AC-?3|DD|AC-?3|Dolby[ .]Digital|AAC|FLAC|ALAC|MP3|OPUS|LPCM|PCM)(?:[ .]?([1-9])[ .]?([01])(?:ch)?)?(?:\b|[^A-Za-z0-9])`, "dts", "truehd", "dd", "ac", "flac", "mp3", "opus", "pcm", "dolby").at(wordStart(
		"dts", "truehd", "dd", "eac", "e-ac", "ac3", "ac-3", "dolby", "aac", "flac", "alac", "mp3", "opus", "lpcm", "pcm",
	))
	reAtmos = hinted(`(?i)\bAtmos\b`, "atmos").at(wordStart("atmos"))

	// Words that end a title without saying anything this type keeps.
	reMarker = hinted(`(?i)\b(?:PROPER|REPACK|RERIP|iNTERNAL|EXTENDED|UNRATED|UNCUT|REMASTERED|DIRECTORS?[ .]CUT|THEATRICAL|LIMITED|DOCU|READNFO|MULTi|DUAL[ .-]AUDIO|DUBBED|SUBBED|HC|3D|10bit|8bit|NF|AMZN|DSNP|HMAX|ATVP|HULU)\b`, "proper", "repack", "rerip", "internal", "extended", "unrated", "uncut", "remastered", "cut", "theatrical", "limited", "docu", "readnfo", "multi", "dual", "dubbed", "subbed", "hc", "3d", "bit", "nf", "amzn", "dsnp", "hmax", "atvp", "hulu").at(wordStart(
		"proper", "repack", "rerip", "internal", "extended", "unrated", "uncut", "remastered", "director",
		"theatrical", "limited", "docu", "readnfo", "multi", "dual", "dubbed", "subbed", "hc", "3d", "10bit",
		"8bit", "nf", "amzn", "dsnp", "hmax", "atvp", "hulu",
	))
)

var groupNotWords = map[string]bool{
	"dl": true, "rip": true, "web": true, "x264": true, "x265": true, "h264": true, "h265": true,
	"hevc": true, "avc": true, "aac": true, "ac3": true, "dts": true, "mp3": true, "flac": true,
	"hdtv": true, "bluray": true, "webrip": true, "webdl": true, "xvid": true, "sub": true, "subs": true,
	"eng": true, "ita": true, "hindi": true, "dvdrip": true, "remux": true, "hdr": true, "end": true,
	"1080p": true, "720p": true, "2160p": true, "480p": true, "final": true,
}

// ParseRelease reads a release name ("Show.Name.S01E02.1080p.WEB-DL.DDP5.1.H.264-GROUP") into
// what it says. It never fails: a name that says nothing gives a Release with its title only.
func ParseRelease(name string) Release {
	var r Release
	if !utf8.ValidString(name) {
		name = strings.ToValidUTF8(name, " ")
	}
	if len(name) > MaxNameLength*4 {
		name = name[:MaxNameLength*4]
	}
	s := strings.TrimSpace(name)
	if i := strings.LastIndexByte(s, '.'); i >= 0 && len(s)-i <= 10 {
		s = trimExtension(s)
	}

	// A leading [Group] (anime) or [site tag]: the group, unless it looks like a web address.
	start := 0
	for range 2 {
		if !opensWithBracket(s[start:]) {
			break
		}
		m := reLeadingTag.FindStringSubmatchIndex(s[start:])
		if m == nil {
			break
		}
		tag := strings.TrimSpace(s[start+m[2] : start+m[3]])
		lower := strings.ToLower(tag)
		if strings.Contains(lower, ".") || strings.Contains(lower, "www") || holdsResolution(tag) {
			start += m[1]
			continue
		}
		if r.Group == "" {
			r.Group = tag
		}
		start += m[1]
		break
	}
	body := s[start:]
	if strings.HasSuffix(body, "]") {
		body = strings.TrimSpace(trimTrailingCRC(body))
	}
	// Underscores separate words as dots and spaces do.
	body = strings.ReplaceAll(body, "_", " ")

	cut := len(body) // where the title ends
	mark := func(i int) {
		if i > 0 && i < cut {
			cut = i
		}
	}
	// Spans that are a token already (the year must not come from them); most names fit the buffer
	// on the stack.
	var takenBuf [256]bool
	taken := takenBuf[:0]
	if len(body) <= len(takenBuf) {
		taken = takenBuf[:len(body)]
	} else {
		taken = make([]bool, len(body))
	}
	take := func(from, to int) {
		for i := from; i < to && i < len(taken); i++ {
			taken[i] = true
		}
	}

	t := newText(body)
	r.parseEpisodes(t, mark, take)
	r.parseTechnical(t, mark, take)
	r.parseYear(t, mark, taken)
	if from, _, ok := reMarker.FindStringIndex(t); ok {
		mark(from)
	}
	if r.Group == "" && (r.Resolution != "" || r.Source != "" || r.Codec != "" || r.Audio != "" ||
		len(r.Seasons) > 0 || len(r.Episodes) > 0) {
		if m := reTrailingGroup.FindStringSubmatchIndex(t); m != nil {
			group := body[m[2]:m[3]]
			if !groupNotWords[strings.ToLower(group)] && !isDigits(group) && !holdsResolution(group) {
				r.Group = group
				// The group ends the title too, when nothing else did.
				mark(m[2] - 1)
			}
		}
	}
	r.Title = cleanTitle(body[:cut])
	if r.Title == "" {
		r.Title = cleanTitle(body)
	}
	if r.Title == "" {
		r.Title = cleanTitle(strings.Trim(s, "[]【】 "))
	}
	if r.Title == "" {
		r.Title = s
	}
	return r
}

// holdsResolution is reResolution.re.MatchString(s), run only when s holds a digit or "uhd" in any
// case: every alternative of the expression holds one or the other, and the expression scanning a
// word without either (a release group) cost a tenth of a name's parse.
func holdsResolution(s string) bool {
	return (strings.ContainsAny(s, digits) || containsUHD(s)) && reResolution.re.MatchString(s)
}

// containsUHD: s holds "uhd" in any ASCII case (u, h and d have no other case under (?i)).
func containsUHD(s string) bool {
	for i := 0; i+3 <= len(s); i++ {
		if lowerASCII(s[i]) == 'u' && lowerASCII(s[i+1]) == 'h' && lowerASCII(s[i+2]) == 'd' {
			return true
		}
	}
	return false
}

// parseEpisodes finds seasons, episodes and air dates; it tells whether the name is an episode or
// season of a show.
func (r *Release) parseEpisodes(t *text, mark func(int), take func(int, int)) bool {
	s := t.s
	if m := reDaily.FindStringSubmatchIndex(t); m != nil && m[0] > 0 {
		y, _ := strconv.Atoi(s[m[2]:m[3]])
		mo, _ := strconv.Atoi(s[m[4]:m[5]])
		d, _ := strconv.Atoi(s[m[6]:m[7]])
		if mo >= 1 && mo <= 12 && d >= 1 && d <= 31 {
			r.AirDate = s[m[2]:m[3]] + "-" + s[m[4]:m[5]] + "-" + s[m[6]:m[7]]
			r.Year = y
			mark(m[0])
			take(m[0], m[1])
		}
	}
	found := false
	if m := reSxxEyy.FindStringSubmatchIndex(t); m != nil {
		season, _ := strconv.Atoi(s[m[2]:m[3]])
		first, _ := strconv.Atoi(s[m[4]:m[5]])
		r.Seasons = []int{season}
		r.Episodes = []int{first}
		r.addMoreEpisodes(first, s[m[6]:m[7]])
		mark(m[0])
		take(m[0], m[1])
		found = true
	} else if m := reNxNN.FindStringSubmatchIndex(t); m != nil {
		season, _ := strconv.Atoi(s[m[2]:m[3]])
		first, _ := strconv.Atoi(s[m[4]:m[5]])
		r.Seasons = []int{season}
		r.Episodes = []int{first}
		if m[6] >= 0 {
			last, _ := strconv.Atoi(s[m[6]:m[7]])
			r.Episodes = episodeRange(first, last)
		}
		mark(m[0])
		take(m[0], m[1])
		found = true
	}
	if !found {
		if m := reSeasonRange.FindStringSubmatchIndex(t); m != nil {
			a, _ := strconv.Atoi(s[m[2]:m[3]])
			b, _ := strconv.Atoi(s[m[4]:m[5]])
			r.Seasons = episodeRange(a, b)
			mark(m[0])
			take(m[0], m[1])
		} else if m := reSeasonOnly.FindStringSubmatchIndex(t); m != nil {
			n, _ := strconv.Atoi(s[m[2]:m[3]])
			r.Seasons = []int{n}
			mark(m[0])
			take(m[0], m[1])
		}
		if m := reSeasonWord.FindStringSubmatchIndex(t); m != nil {
			a, _ := strconv.Atoi(s[m[2]:m[3]])
			seasons := []int{a}
			if m[4] >= 0 {
				b, _ := strconv.Atoi(s[m[4]:m[5]])
				seasons = episodeRange(a, b)
			}
			if len(r.Seasons) <= 1 && len(seasons) >= len(r.Seasons) {
				r.Seasons = seasons
			}
			mark(m[0])
			take(m[0], m[1])
		} else if m := reSeasonOrd.FindStringSubmatchIndex(t); m != nil && len(r.Seasons) == 0 {
			n, _ := strconv.Atoi(s[m[2]:m[3]])
			r.Seasons = []int{n}
			take(m[0], m[1])
		}
		if m := reEpisodeOnly.FindStringSubmatchIndex(t); m != nil && m[0] > 0 {
			first, _ := strconv.Atoi(s[m[2]:m[3]])
			r.Episodes = []int{first}
			if m[4] >= 0 {
				last, _ := strconv.Atoi(s[m[4]:m[5]])
				r.Episodes = episodeRange(first, last)
			}
			mark(m[0])
			take(m[0], m[1])
		} else if m := lastMatch(&reAbsolute, t); m != nil && !r.isYearLike(s[m[2]:m[3]]) &&
			(r.Group != "" || reResolution.MatchString(t)) {
			first, _ := strconv.Atoi(s[m[2]:m[3]])
			r.Episodes = []int{first}
			if m[4] >= 0 {
				last, _ := strconv.Atoi(s[m[4]:m[5]])
				r.Episodes = episodeRange(first, last)
			}
			mark(m[0])
			take(m[0], m[1])
		} else if m := reAbsBatch.FindStringSubmatchIndex(t); m != nil && m[0] > 0 {
			first, _ := strconv.Atoi(s[m[2]:m[3]])
			last, _ := strconv.Atoi(s[m[4]:m[5]])
			if !r.isYearLike(s[m[2]:m[3]]) {
				r.Episodes = episodeRange(first, last)
				mark(m[0])
				take(m[0], m[1])
			}
		}
	}
	if len(r.Seasons) > 0 && len(r.Episodes) == 0 {
		r.CompleteSeason = true
	}
	if from, _, ok := reComplete.FindStringIndex(t); ok && len(r.Episodes) == 0 &&
		(len(r.Seasons) > 0 || reCompleteSer.MatchString(t)) {
		mark(from)
		r.CompleteSeason = true
	}
	return len(r.Seasons) > 0 || len(r.Episodes) > 0 || r.AirDate != ""
}

func (r *Release) isYearLike(digits string) bool {
	n, _ := strconv.Atoi(digits)
	return len(digits) == 4 && n >= minReleaseYear && n <= maxReleaseYear
}

// addMoreEpisodes reads what follows S01E01: "-E03" or "-03" (a range), "E02E03" (a list).
func (r *Release) addMoreEpisodes(first int, rest string) {
	last := first
	for _, m := range reEpisodeMore.FindAllStringSubmatch(rest, maxReleaseRange) {
		n, _ := strconv.Atoi(m[2])
		if m[1] == "-" && n > last {
			r.Episodes = append(r.Episodes, episodeRange(last+1, n)...)
		} else if n > last {
			r.Episodes = append(r.Episodes, n)
		}
		if n > last {
			last = n
		}
	}
	if len(r.Episodes) > maxReleaseRange {
		r.Episodes = r.Episodes[:1]
	}
}

// episodeRange lists a..b; a range that is backwards or too wide says only its first number.
func episodeRange(a, b int) []int {
	if b < a || b-a >= maxReleaseRange {
		return []int{a}
	}
	out := make([]int, 0, b-a+1)
	for i := a; i <= b; i++ {
		out = append(out, i)
	}
	return out
}

func lastMatch(re *pattern, t *text) []int {
	all := re.FindAllStringSubmatchIndex(t, -1)
	if len(all) == 0 {
		return nil
	}
	return all[len(all)-1]
}

// parseTechnical finds resolution, source, codec, HDR and audio.
func (r *Release) parseTechnical(t *text, mark func(int), take func(int, int)) {
	s := t.s
	if m := reResolution.FindStringSubmatchIndex(t); m != nil {
		switch {
		case m[2] >= 0:
			r.Resolution = s[m[2]:m[3]] + "p"
		case m[4] >= 0:
			r.Resolution = s[m[4]:m[5]] + "p"
		default:
			r.Resolution = "2160p"
		}
		mark(m[0])
		take(m[0], m[1])
	}
	for _, src := range sources {
		if from, to, ok := src.re.FindStringIndex(t); ok {
			if r.Source == "" {
				r.Source = src.name
			}
			mark(from)
			take(from, to)
		}
	}
	for _, c := range codecs {
		if from, to, ok := c.re.FindStringIndex(t); ok {
			if r.Codec == "" {
				r.Codec = c.name
			}
			mark(from)
			take(from, to)
		}
	}
	var hdr []string
	if from, _, ok := reDV.FindStringIndex(t); ok && from > 0 {
		hdr = append(hdr, "DV")
		mark(from)
	}
	if from, _, ok := reHDR10P.FindStringIndex(t); ok {
		hdr = append(hdr, "HDR10+")
		mark(from)
	} else if from, _, ok := reHDR10.FindStringIndex(t); ok {
		hdr = append(hdr, "HDR10")
		mark(from)
	} else if from, _, ok := reHDR.FindStringIndex(t); ok {
		hdr = append(hdr, "HDR")
		mark(from)
	}
	if from, _, ok := reHLG.FindStringIndex(t); ok {
		hdr = append(hdr, "HLG")
		mark(from)
	}
	r.HDR = strings.Join(hdr, " ")

	if m := reAudio.FindStringSubmatchIndex(t); m != nil && m[0] > 0 {
		parts := []string{audioName(s[m[2]:m[3]])}
		if reAtmos.MatchString(t) && parts[0] != "" {
			parts = append(parts, "Atmos")
		}
		switch {
		case m[4] >= 0:
			parts = append(parts, s[m[4]:m[5]]+"."+s[m[6]:m[7]])
		default:
			if at := findChannels(s[m[0]:]); at >= 0 {
				parts = append(parts, s[m[0]+at:m[0]+at+1]+"."+s[m[0]+at+2:m[0]+at+3])
			}
		}
		r.Audio = strings.Join(parts, " ")
		mark(m[0])
		take(m[0], m[1])
	} else if from, _, ok := reAtmos.FindStringIndex(t); ok && from > 0 {
		r.Audio = "Atmos"
		mark(from)
	}
}

// sources and codecs are the patterns of each, in the order they are looked for: the first found
// names the release's.
var (
	sources = []namedPattern{
		{&reRemux, "Remux"}, {&reBluRay, "BluRay"}, {&reWebRip, "WEBRip"}, {&reWebDL, "WEB-DL"},
		{&reHDTV, "HDTV"}, {&reDVD, "DVD"}, {&reHDRip, "HDRip"}, {&reCam, "CAM"}, {&reTS, "TS"},
	}
	codecs = []namedPattern{
		{&reH265, "H.265"}, {&reH264, "H.264"}, {&reAV1, "AV1"}, {&reXviD, "XviD"}, {&reDivX, "DivX"},
		{&reVP9, "VP9"}, {&reMPEG2, "MPEG-2"},
	}
)

type namedPattern struct {
	re   *pattern
	name string
}

var audioSeparators = strings.NewReplacer(" ", "", ".", "", "-", "", ":", "")

func audioName(raw string) string {
	u := strings.ToUpper(audioSeparators.Replace(raw))
	switch u {
	case "DTSHDMA":
		return "DTS-HD MA"
	case "DTSHD":
		return "DTS-HD"
	case "DTSX":
		return "DTS:X"
	case "TRUEHD":
		return "TrueHD"
	case "DDP", "DD+", "EAC3":
		return "DD+"
	case "DD", "AC3", "DOLBYDIGITAL":
		return "DD"
	case "OPUS":
		return "Opus"
	}
	return u
}

// parseYear takes the last year-like number that is not the very start of the name ("2001 A Space
// Odyssey 1968", "1917 (2019)") and not part of another token.
func (r *Release) parseYear(t *text, mark func(int), taken []bool) {
	s := t.s
	if r.Year != 0 {
		return
	}
	for start, from := range yearsBackward(s) {
		to := from + 4
		if from == 0 || taken[from] || !yearEnds(s, to) {
			continue
		}
		y, _ := strconv.Atoi(s[from:to])
		if y < minReleaseYear || y > maxReleaseYear {
			continue
		}
		r.Year = y
		mark(start)
		return
	}
}

// trimExtension removes a file's extension (.mkv, .epub...) from the end of a name: s without
// reExtension's match. Only the text after the last dot can be one.
func trimExtension(s string) string {
	i := strings.LastIndexByte(s, '.')
	if i < 0 {
		return s
	}
	ext := s[i+1:]
	var lower [len("appimage")]byte
	if len(ext) == 0 || len(ext) > len(lower) {
		return s
	}
	for k := 0; k < len(ext); k++ {
		c := ext[k]
		if c >= utf8.RuneSelf {
			// (?i) folds the Kelvin sign and the long s into k and s: the expression decides.
			return reExtension.ReplaceAllString(s, "")
		}
		if c >= 'A' && c <= 'Z' {
			c += 'a' - 'A'
		}
		lower[k] = c
	}
	if fileExtensions[string(lower[:len(ext)])] {
		return s[:i]
	}
	return s
}

var fileExtensions = map[string]bool{}

func init() {
	for _, ext := range strings.Split("mkv|mp4|m4v|avi|wmv|mov|webm|mpg|flac|mp3|m4a|m4b|ogg|opus|wav|epub|mobi|azw3|pdf|cbr|cbz|iso|img|zip|rar|7z|exe|msi|dmg|deb|rpm|apk|appimage|srt|torrent", "|") {
		fileExtensions[ext] = true
	}
}

// opensWithBracket: s begins, after spaces (\s), with [ or 【, as any match of reLeadingTag does.
func opensWithBracket(s string) bool {
	i := 0
	for i < len(s) && isSpaceByte(s[i]) {
		i++
	}
	return strings.HasPrefix(s[i:], "[") || strings.HasPrefix(s[i:], "【")
}

// trimTrailingCRC removes a trailing [0123ABCD] (a CRC-32 in hex) and the spaces around it: s
// without a match of \s*\[[0-9A-Fa-f]{8}\]\s*$.
func trimTrailingCRC(s string) string {
	end := len(s)
	for end > 0 && isSpaceByte(s[end-1]) {
		end--
	}
	if end < 10 || s[end-10] != '[' || s[end-1] != ']' {
		return s
	}
	for k := end - 9; k < end-1; k++ {
		if c := s[k]; !isDigitByte(c) && !(c >= 'a' && c <= 'f') && !(c >= 'A' && c <= 'F') {
			return s
		}
	}
	from := end - 10
	for from > 0 && isSpaceByte(s[from-1]) {
		from--
	}
	return s[:from]
}

// findChannels is where (?:^|[^0-9])([2-9])\.([01])(?:ch)?(?:$|[^0-9.]) first finds channels
// ("5.1") in s: the index of their first digit, or -1.
func findChannels(s string) int {
	for k := 0; k+3 <= len(s); k++ {
		if s[k] < '2' || s[k] > '9' || s[k+1] != '.' || (s[k+2] != '0' && s[k+2] != '1') {
			continue
		}
		if k > 0 && isDigitByte(s[k-1]) {
			continue // [^0-9] before, unless at the start
		}
		// Then "ch" or not, followed by the end or anything but a digit or a dot.
		endsAt := func(i int) bool { return i == len(s) || !isDigitByte(s[i]) && s[i] != '.' }
		if strings.HasPrefix(s[k+3:], "ch") && endsAt(k+5) || endsAt(k+3) {
			return k
		}
	}
	return -1
}

// findYears is what (?:^|[\s.\-_\[(,])((?:18|19|20)\d{2}) would find in s with
// FindAllStringSubmatchIndex: a number of four digits beginning 18, 19 or 20, at the start or after a
// separator, matches and their years' spans, left to right, not overlapping (each match takes the
// separator before it). Written out, as a scan costs a tenth of the expression's.
func findYears(s string) [][]int {
	var all [][]int
	for i := 0; i+4 <= len(s); {
		switch {
		case i == 0 && yearAt(s, 0):
			all = append(all, []int{0, 4, 0, 4})
			i = 4
		case i+5 <= len(s) && (s[i+1] == '1' || s[i+1] == '2') && isYearSeparator(s[i]) && yearAt(s, i+1):
			all = append(all, []int{i, i + 5, i + 1, i + 5})
			i += 5
		default:
			i++
		}
	}
	return all
}

// yearsBackward is findYears's matches, last first, as where each begins and where its year does,
// found from the end without listing them (a year is near the end of most names). A match's
// separator is no digit, so no two candidates overlap: findYears keeps every one, and they can be
// read in any order.
func yearsBackward(s string) iter.Seq2[int, int] {
	return func(yield func(start, from int) bool) {
		for i := len(s) - 5; i >= 0; i-- {
			if (s[i+1] == '1' || s[i+1] == '2') && yearAt(s, i+1) && isYearSeparator(s[i]) && !yield(i, i+1) {
				return
			}
		}
		if len(s) >= 4 && yearAt(s, 0) {
			yield(0, 0)
		}
	}
}

// yearAt: four digits at i beginning 18, 19 or 20.
func yearAt(s string, i int) bool {
	return (s[i] == '1' && (s[i+1] == '8' || s[i+1] == '9') || s[i] == '2' && s[i+1] == '0') &&
		isDigitByte(s[i+2]) && isDigitByte(s[i+3])
}

func isYearSeparator(c byte) bool {
	return isSpaceByte(c) || strings.IndexByte(".-_[(,", c) >= 0
}

// cleanTitle turns the title's span of the name into words: dots between words become spaces (not
// between digits: "22.04", "5.1"), brackets and separators at either end go.
func cleanTitle(s string) string {
	spaced := strings.Contains(s, " ")
	var b strings.Builder
	b.Grow(len(s))
	run := false // in a run of separators, written as one space
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == '.' {
			prevDigit := i > 0 && s[i-1] >= '0' && s[i-1] <= '9'
			nextDigit := i+1 < len(s) && s[i+1] >= '0' && s[i+1] <= '9'
			// A dot between digits is a version or a number; where spaces separate the words,
			// dots are the name's own ("Mr. Robot", "M.S. Dhoni").
			if !(prevDigit && nextDigit) && !spaced {
				c = ' '
			}
		}
		// Spaces (\s) and underscores, in a run of any length, become one space.
		if isSpaceByte(c) || c == '_' {
			if !run {
				b.WriteByte(' ')
			}
			run = true
			continue
		}
		run = false
		b.WriteByte(c)
	}
	t := b.String()
	t = strings.TrimLeft(t, " -–:;,.([{+~/|&")
	t = strings.TrimRight(t, " -–:;,([{+~/|&")
	if !spaced {
		t = strings.TrimRight(t, " .")
	}
	// A bracket left open by the cut ("Title (CamRip / 2014)") goes with what it held.
	for _, open := range []string{" (", " [", " {"} {
		if strings.IndexByte(t, open[1]) < 0 {
			continue // most titles: the fast search for the bracket alone says there is none
		}
		if i := strings.LastIndex(t, open); i >= 0 && !strings.ContainsAny(t[i:], ")]}") {
			t = strings.TrimRight(t[:i], " -–:")
		}
	}
	return strings.TrimSpace(t)
}

// yearEnds tells whether a year-like number ending at to stands alone: not glued to more digits
// or letters, and not the major of a version ("2024.1").
func yearEnds(s string, to int) bool {
	if to == len(s) {
		return true
	}
	switch s[to] {
	case ' ', '-', '_', ']', ')', '}', ',':
		return true
	case '.':
		i := to + 1
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
		}
		digits := i - to - 1
		versionEnd := i == len(s) || !(s[i] >= 'a' && s[i] <= 'z' || s[i] >= 'A' && s[i] <= 'Z')
		return digits == 0 || digits >= 3 || !versionEnd
	}
	return false
}

// text is a name and its lowercase form; the lowercase form lets a pattern skip a name that cannot
// hold it with one substring test, which is far cheaper than running the expression. In an ASCII
// name (most), a byte of the lowercase form is the lowercase of the name's byte at the same place.
type text struct {
	s, lower       string
	ascii          bool
	words          []word      // in an ASCII name, its words (\b then a letter, digit or _)
	openings       byteCouples // in an ASCII name, the lowercase couples of bytes its words open with
	groupRun       int         // groupTail(s), once groupTailKnown
	groupEnd       int
	groupTailKnown bool
	// firstWords holds words for most names, so that a text is one allocation.
	firstWords [16]word
}

// word is where a word of an ASCII name begins, and the key of the couple of bytes it opens with
// (see wordOpening).
type word struct {
	at      int32 // a name is cut to MaxNameLength*4 bytes
	opening uint8
}

// newText folds the name as the patterns' (?i) does for ASCII letters: ToLower maps the Kelvin sign
// to 'k', and the long s (U+017F, which ToLower keeps) becomes 's' here. Without it a hint turned
// away a name its expression matches ("Seaſon 2" had no season, "Season 2" had). Only an ASCII
// name's lower is sliced by s's offsets: otherwise their lengths may differ.
func newText(s string) *text {
	t := &text{s: s, ascii: true}
	t.words = t.firstWords[:0]
	// One pass lowers an ASCII name and finds its words; a name with any other byte is lowered
	// by strings.ToLower and has no words.
	var lower strings.Builder
	lower.Grow(len(s))
	inWord := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= utf8.RuneSelf {
			t.ascii, t.words = false, nil
			break
		}
		lower.WriteByte(lowerASCII(c))
		if isWordByte(c) != inWord {
			inWord = !inWord
			if inWord {
				t.words = append(t.words, word{at: int32(i)})
			}
		}
	}
	if !t.ascii {
		t.lower = strings.ToLower(s)
		if strings.Contains(t.lower, "ſ") {
			t.lower = strings.ReplaceAll(t.lower, "ſ", "s")
		}
		return t
	}
	t.lower = lower.String()
	for k := range t.words {
		key := wordOpening(t.lower, int(t.words[k].at))
		t.words[k].opening = uint8(key)
		t.openings[key>>6] |= 1 << (key & 63)
	}
	return t
}

// byteCouples is a set of couples of bytes, hashed into 256 bits: a name's word openings, or those a
// pattern's prefixes can have. A pattern none of whose couples a name's words open with has no
// place to begin in it, and need not look at its words one by one.
type byteCouples [4]uint64

func (c *byteCouples) add(a, b byte) {
	k := coupleKey(a, b)
	c[k>>6] |= 1 << (k & 63)
}

func (c *byteCouples) has(k uint) bool { return c[k>>6]&(1<<(k&63)) != 0 }

func coupleKey(a, b byte) uint { return (uint(a)*31 + uint(b)) & 255 }

// wordOpening is the key of the couple of bytes the word at i of an ASCII name's lowercase form
// opens with (a word of one byte at the end: that byte and 0).
func wordOpening(lower string, i int) uint {
	next := byte(0)
	if i+1 < len(lower) {
		next = lower[i+1]
	}
	return coupleKey(lower[i], next)
}

func (c *byteCouples) meets(d *byteCouples) bool {
	return c[0]&d[0]|c[1]&d[1]|c[2]&d[2]|c[3]&d[3] != 0
}

func lowerASCII(c byte) byte {
	if c >= 'A' && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}

// pattern is a regular expression with what any match holds: one of the lowercase substrings
// hints, or what screen finds in the lowercase name. Either lets most names skip the expression,
// which costs far more (a release name was a fifth of the ingest's CPU, most of it in patterns that
// had no hint and matched rarely).
//
// A pattern that knows where its matches can begin (begins) is run on an ASCII name from those
// places only, anchored there (anchored is ^(?:expression)), instead of being scanned along the
// whole name: the first place it matches from is where the scan would have found its leftmost
// match, and the match is the same, so the answers are the expression's
// (TestPatternsAnswerAsTheirExpressions).
type pattern struct {
	re       *regexp.Regexp
	hints    []string
	screen   func(lower string) bool
	begins   func(t *text, from int) int
	anchored *regexp.Regexp
	walked   finite // the expression walked, where it is finite (walks): run instead of anchored
	walks    bool
	// written is the expression's anchored match at i of an ASCII name, written out: run instead of
	// anchored where it is set.
	written func(t *text, i int) []int
}

func hinted(expr string, hints ...string) pattern {
	return pattern{re: regexp.MustCompile(expr), hints: hints}
}

func screened(expr string, screen func(lower string) bool) pattern {
	return pattern{re: regexp.MustCompile(expr), screen: screen}
}

func plain(expr string) pattern { return pattern{re: regexp.MustCompile(expr)} }

// at tells where the pattern's matches can begin in an ASCII name: begins(t, from) is the first such
// place at from or after, or -1. Every match must begin at one of them, and the expression must look
// at nothing before where it begins: its leading \b (if any) is then the place's own (see
// wordStart).
func (p pattern) at(begins func(t *text, from int) int) pattern {
	p.begins = begins
	p.anchored = regexp.MustCompile(`^(?:` + p.re.String() + `)`)
	p.walked, p.walks = newFinite(p.re.String())
	return p
}

// writtenOut sets what runs instead of the expression on an ASCII name (see written).
func (p pattern) writtenOut(match func(t *text, i int) []int) pattern {
	p.written = match
	return p
}

func (p *pattern) possible(t *text) bool {
	if p.screen != nil {
		return p.screen(t.lower)
	}
	if len(p.hints) == 0 {
		return true
	}
	for _, h := range p.hints {
		if strings.Contains(t.lower, h) {
			return true
		}
	}
	return false
}

// find is the leftmost match at from or after, as FindStringSubmatchIndex gives it, from the places
// the pattern's matches can begin, the first of them at.
func (p *pattern) find(t *text, at int) []int {
	for i := at; i >= 0; i = p.begins(t, i+1) {
		if p.written != nil {
			if m := p.written(t, i); m != nil {
				return m
			}
			continue
		}
		m := p.matchAt(t.s[i:])
		if m == nil {
			continue
		}
		for k := range m {
			if m[k] >= 0 {
				m[k] += i
			}
		}
		return m
	}
	return nil
}

// matchAt is the match of the expression that begins where s does, if any, with its submatches.
func (p *pattern) matchAt(s string) []int {
	if p.walks {
		return p.walked.anchoredMatch(s)
	}
	return p.anchored.FindStringSubmatchIndex(s)
}

func (p *pattern) fast(t *text) bool { return p.begins != nil && t.ascii }

// first is where the pattern's first match can begin in an ASCII name, or -1 when it cannot match
// (the places it can begin are looked for first, as that test is the cheaper one).
func (p *pattern) first(t *text) int {
	if i := p.begins(t, 0); i >= 0 && p.possible(t) {
		return i
	}
	return -1
}

func (p *pattern) MatchString(t *text) bool {
	_, _, ok := p.FindStringIndex(t)
	return ok
}

// FindStringIndex is where the leftmost match begins and ends (ok false: there is none), as the
// expression's FindStringIndex tells, without allocating when the pattern is walked.
func (p *pattern) FindStringIndex(t *text) (from, to int, ok bool) {
	if !p.fast(t) || !p.walks {
		m := p.FindStringSubmatchIndex(t)
		if m == nil {
			return 0, 0, false
		}
		return m[0], m[1], true
	}
	for i := p.first(t); i >= 0; i = p.begins(t, i+1) {
		if end := p.walked.anchoredEnd(t.s[i:]); end >= 0 {
			return i, i + end, true
		}
	}
	return 0, 0, false
}

func (p *pattern) FindStringSubmatchIndex(t *text) []int {
	if p.fast(t) {
		return p.find(t, p.first(t))
	}
	if !p.possible(t) {
		return nil
	}
	return p.re.FindStringSubmatchIndex(t.s)
}

func (p *pattern) FindAllStringSubmatchIndex(t *text, n int) [][]int {
	if !p.fast(t) {
		if !p.possible(t) {
			return nil
		}
		return p.re.FindAllStringSubmatchIndex(t.s, n)
	}
	at := p.first(t)
	if at < 0 {
		return nil
	}
	var all [][]int
	for n < 0 || len(all) < n {
		m := p.find(t, at)
		if m == nil {
			break
		}
		if m[1] == m[0] {
			// An empty match: the regexp package's rules for those apply (none of the patterns
			// matches nothing).
			return p.re.FindAllStringSubmatchIndex(t.s, n)
		}
		all = append(all, m)
		if at = p.begins(t, m[1]); at < 0 {
			break
		}
	}
	return all
}

// Where matches can begin, for at.

const digits = "0123456789"

// wordStart: where an ASCII word begins (\b then a letter, digit or _) with one of the lowercase
// prefixes ('#' in a prefix stands for any digit, '|' for the word's end). It serves an expression that opens with \b
// followed by a letter or digit, whose every match begins with one of the prefixes (in either case):
// that \b holds at such a place only, and there the anchored expression's own \b holds too, so the
// name before the place is never needed.
func wordStart(prefixes ...string) func(t *text, from int) int {
	// The prefixes by their first byte (a leading '#' stands for each digit).
	var byFirst [256][]string
	for _, p := range prefixes {
		if p[0] != '#' {
			byFirst[p[0]] = append(byFirst[p[0]], p[1:])
			continue
		}
		for d := '0'; d <= '9'; d++ {
			byFirst[d] = append(byFirst[d], p[1:])
		}
	}
	opening := prefixOpenings(prefixes)
	return func(t *text, from int) int {
		if !t.openings.meets(&opening) {
			return -1
		}
		for _, w := range t.words {
			// A word whose opening couple is none of the prefixes' is passed over without looking
			// up its first byte's prefixes (a table of 6 KiB a pattern, which the cache seldom holds).
			i := int(w.at)
			if i < from || !opening.has(uint(w.opening)) {
				continue
			}
			for _, rest := range byFirst[t.lower[i]] {
				if hasPrefixOrDigits(t.lower[i+1:], rest) {
					return i
				}
			}
		}
		return -1
	}
}

// prefixOpenings are the couples of bytes wordStart's prefixes open with ('#' each digit); every couple
// when a prefix's second byte is '|' or it has one byte only.
func prefixOpenings(prefixes []string) byteCouples {
	var all byteCouples
	for _, p := range prefixes {
		if len(p) < 2 || p[1] == '|' {
			return byteCouples{^uint64(0), ^uint64(0), ^uint64(0), ^uint64(0)}
		}
		for _, a := range byteChoices(p[0]) {
			for _, b := range byteChoices(p[1]) {
				all.add(a, b)
			}
		}
	}
	return all
}

// byteChoices is what a byte of a prefix stands for: each digit for '#', else itself.
func byteChoices(c byte) []byte {
	if c == '#' {
		return []byte(digits)
	}
	return []byte{c}
}

// hasPrefixOrDigits is strings.HasPrefix where '#' in prefix stands for any digit and '|' for the
// end of a word (a byte that is not a word byte, or the end of s).
func hasPrefixOrDigits(s, prefix string) bool {
	for k := 0; k < len(prefix); k++ {
		c := prefix[k]
		if c == '|' {
			if k < len(s) && isWordByte(s[k]) {
				return false
			}
			continue
		}
		if k >= len(s) || c != s[k] && !(c == '#' && isDigitByte(s[k])) {
			return false
		}
	}
	return true
}

// followedBy is each of the prefixes followed by each of the nexts, for wordStart.
func followedBy(prefixes []string, nexts ...string) []string {
	var out []string
	for _, p := range prefixes {
		for _, n := range nexts {
			out = append(out, p+n)
		}
	}
	return out
}

// spaceBefore: a space (\s) followed by one of the bytes next (rarer than spaces, so looked for first).
func spaceBefore(next string) func(t *text, from int) int {
	return func(t *text, from int) int {
		for i := from + 1; i < len(t.s); i++ {
			k := indexOfAnyByte(t.s[i:], next)
			if k < 0 {
				return -1
			}
			if i += k; isSpaceByte(t.s[i-1]) {
				return i - 1
			}
		}
		return -1
	}
}

// byteIn: one of the bytes set.
func byteIn(set string) func(t *text, from int) int {
	return func(t *text, from int) int {
		if from >= len(t.s) {
			return -1
		}
		if k := indexOfAnyByte(t.s[from:], set); k >= 0 {
			return from + k
		}
		return -1
	}
}

// indexOfAnyByte is strings.IndexAny for a few ASCII bytes: the first of their strings.IndexByte,
// which reads many bytes at a time, where IndexAny reads them one by one.
func indexOfAnyByte(s, bytes string) int {
	first := -1
	for k := 0; k < len(bytes); k++ {
		end := len(s)
		if first >= 0 {
			end = first
		}
		if i := strings.IndexByte(s[:end], bytes[k]); i >= 0 {
			first = i
		}
	}
	return first
}

func byteSetOf(s string) byteSet {
	var set byteSet
	for i := 0; i < len(s); i++ {
		set.add(s[i])
	}
	return set
}

// digitsThen: after the byte at i, one to most digits, then one of the bytes next (none of them a
// digit) in the lowercase name.
func digitsThen(most int, next string) func(t *text, i int) bool {
	set := byteSetOf(next)
	return func(t *text, i int) bool {
		j := i + 1
		for j < len(t.lower) && isDigitByte(t.lower[j]) {
			j++
		}
		return j > i+1 && j-i-1 <= most && j < len(t.lower) && set.has(t.lower[j])
	}
}

// where: the places begins finds at which ok holds too.
func where(begins func(t *text, from int) int, ok func(t *text, i int) bool) func(t *text, from int) int {
	return func(t *text, from int) int {
		for i := begins(t, from); i >= 0; i = begins(t, i+1) {
			if ok(t, i) {
				return i
			}
		}
		return -1
	}
}

// dateAt: at i, what reDaily's date is made of: 19 or 20, two digits, a separator, two digits, a
// separator, two digits.
func dateAt(t *text, i int) bool {
	s := t.s[i:]
	return len(s) >= 10 && isDigitByte(s[2]) && isDigitByte(s[3]) && isDateSeparator(s[4]) &&
		isDigitByte(s[5]) && isDigitByte(s[6]) && isDateSeparator(s[7]) && isDigitByte(s[8]) && isDigitByte(s[9])
}

func isDateSeparator(c byte) bool { return c == '.' || c == '-' || c == '_' || c == ' ' }

// spacedDashThenDigit: at i, a space, a '-' or '~', a space and a digit, as reAbsolute's matches begin
// in an ASCII name.
func spacedDashThenDigit(t *text, i int) bool {
	return i+3 < len(t.s) && isSpaceByte(t.s[i+2]) && isDigitByte(t.s[i+3])
}

// bracketedRangeAt: at i, what reAbsBatch's matches begin with: a bracket, one to four digits, perhaps
// a space (\s), then '-' or '~'.
func bracketedRangeAt(t *text, i int) bool {
	j := i + 1
	for j < len(t.s) && j-i <= 4 && isDigitByte(t.s[j]) {
		j++
	}
	if j == i+1 {
		return false
	}
	if j < len(t.s) && isSpaceByte(t.s[j]) {
		j++
	}
	return j < len(t.s) && (t.s[j] == '-' || t.s[j] == '~')
}

// groupCanStart: reTrailingGroup can match from i, as far as the end of the name tells: its match
// runs to the end, where after the group come only spaces (\s) and perhaps one bracket, so the group
// lies in the run of the bytes a group is made of that ends there (see groupTail), and its match
// begins at most three bytes before that run (a space, a dash and a space).
func groupCanStart(t *text, i int) bool {
	run, _ := t.groupTail()
	return run >= 0 && i >= run-3
}

// groupTail is t's groupTail, found once.
func (t *text) groupTail() (run, end int) {
	if !t.groupTailKnown {
		t.groupRun, t.groupEnd = groupTail(t.s)
		t.groupTailKnown = true
	}
	return t.groupRun, t.groupEnd
}

// groupTail is where a trailing group must end (end: where the spaces, the final [...] or (...) and
// the spaces before it begin that end s) and where the run of group bytes ([A-Za-z0-9_@&.-]) that
// ends there begins (run); -1 and -1 when s ends with a bracket that reTrailingGroup's cannot match
// (a ']' whose nearest bracket before it is not a '[', likewise ')'). The group's last byte is
// neither a space nor a bracket, and what follows it must be only those: so it ends at end.
func groupTail(s string) (run, end int) {
	e := len(s)
	for e > 0 && isSpaceByte(s[e-1]) {
		e--
	}
	if e > 0 && (s[e-1] == ']' || s[e-1] == ')') {
		brackets := "[]"
		if s[e-1] == ')' {
			brackets = "()"
		}
		j := strings.LastIndexAny(s[:e-1], brackets)
		if j < 0 || s[j] != brackets[0] {
			return -1, -1
		}
		e = j
		for e > 0 && isSpaceByte(s[e-1]) {
			e--
		}
	}
	g := e
	for g > 0 && isGroupByte(s[g-1]) {
		g--
	}
	return g, e
}

// trailingGroupAt is reTrailingGroup's anchored match at i of an ASCII name, written out (the
// expression's backtracking to the name's end was most of what a name's parse left to the regexp
// package): the dash (after a byte that is neither a space nor a dash, or after a space, then
// perhaps a space), then a group that runs exactly to where groupTail says it ends, and the rest of
// the name. Held to the expression by TestPatternsAnswerAsTheirExpressions.
func trailingGroupAt(t *text, i int) []int {
	s := t.s
	_, end := t.groupTail()
	if end < 0 || i+1 >= len(s) || s[i+1] != '-' {
		return nil
	}
	from := i + 2
	switch {
	case isSpaceByte(s[i]):
		if from < len(s) && isSpaceByte(s[from]) {
			from++ // \s-\s? takes the space when it can; a group cannot begin with one anyway
		}
	case s[i] == '-':
		return nil
	}
	if from >= end || !isRawsGroup(s[from:end]) && !isPlainGroup(s[from:end]) {
		return nil
	}
	return []int{i, len(s), from, end}
}

// isRawsGroup: g is (?i:[A-Za-z]+-raws) whole.
func isRawsGroup(g string) bool {
	n := len(g) - len("-raws")
	if n < 1 || !strings.EqualFold(g[n:], "-raws") {
		return false
	}
	for k := 0; k < n; k++ {
		if !isLetterByte(g[k]) {
			return false
		}
	}
	return true
}

// isPlainGroup: g is [A-Za-z0-9][A-Za-z0-9_@&]*(?:\.[A-Za-z]{2,4})? whole.
func isPlainGroup(g string) bool {
	if k := strings.LastIndexByte(g, '.'); k >= 0 {
		ext := g[k+1:]
		if len(ext) < 2 || len(ext) > 4 {
			return false
		}
		for j := 0; j < len(ext); j++ {
			if !isLetterByte(ext[j]) {
				return false
			}
		}
		g = g[:k]
	}
	if g == "" || !isLetterByte(g[0]) && !isDigitByte(g[0]) {
		return false
	}
	for j := 1; j < len(g); j++ {
		if c := g[j]; !isWordByte(c) && c != '@' && c != '&' {
			return false
		}
	}
	return true
}

func isLetterByte(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }

func isGroupByte(c byte) bool {
	return isWordByte(c) || c == '@' || c == '&' || c == '.' || c == '-'
}

// beforeDash: the byte before a '-'.
func beforeDash(t *text, from int) int {
	from = max(from, 0)
	if from+1 >= len(t.s) {
		return -1
	}
	if k := strings.IndexByte(t.s[from+1:], '-'); k >= 0 {
		return from + k
	}
	return -1
}

// isWordByte is \b's word character (ASCII letters, digits and _).
func isWordByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_'
}

// isSpaceByte is \s (ASCII: tab, newline, form feed, carriage return, space).
func isSpaceByte(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\f' || c == '\r'
}

// The screens: what a lowercase name holds when the pattern can match it, tested without the
// expression. Each is a necessary condition only (TestScreensPassEveryMatch). Under (?i) an 's'
// also matches the long s (U+017F), which newText folds to 's' in the lowercase form.

// sThenDigit: an 's' right before a digit (S01E02, S2, S01-S03).
func sThenDigit(lower string) bool {
	for i := 0; i+1 < len(lower); i++ {
		if lower[i] == 's' && isDigitByte(lower[i+1]) {
			return true
		}
	}
	return false
}

// eThenDigit: an 'e' with a digit within the next eight bytes (E05, EP.5, Episode 5).
func eThenDigit(lower string) bool {
	for i := 0; i < len(lower); i++ {
		if lower[i] != 'e' {
			continue
		}
		for j := i + 1; j < len(lower) && j <= i+8; j++ {
			if isDigitByte(lower[j]) {
				return true
			}
		}
	}
	return false
}

// spacedDash: a '-', '–' or '~' between two \s (" - 05", "\t~\t05"). Hints " - ", " – " and " ~ "
// were this pattern's screen once, and turned away a name whose dash a tab or a newline stood beside.
func spacedDash(lower string) bool {
	for i := 1; i+1 < len(lower); i++ {
		if !isSpaceByte(lower[i-1]) {
			continue
		}
		switch {
		case lower[i] == '-' || lower[i] == '~':
			if isSpaceByte(lower[i+1]) {
				return true
			}
		case strings.HasPrefix(lower[i:], "–"):
			if j := i + len("–"); j < len(lower) && isSpaceByte(lower[j]) {
				return true
			}
		}
	}
	return false
}

// digitXDigit: an 'x' between two digits (1x05, 1920x1080).
func digitXDigit(lower string) bool {
	for i := 1; i+1 < len(lower); i++ {
		if lower[i] == 'x' && isDigitByte(lower[i-1]) && isDigitByte(lower[i+1]) {
			return true
		}
	}
	return false
}

// dailyDate: a year of 19xx or 20xx, then a separator and two digits (2024.03.15).
func dailyDate(lower string) bool {
	for i := 0; i+7 < len(lower); i++ {
		if (lower[i] == '1' && lower[i+1] == '9' || lower[i] == '2' && lower[i+1] == '0') &&
			isDigitByte(lower[i+2]) && isDigitByte(lower[i+3]) && strings.IndexByte(".-_ ", lower[i+4]) >= 0 &&
			isDigitByte(lower[i+5]) && isDigitByte(lower[i+6]) {
			return true
		}
	}
	return false
}

// resolutionLike: what a resolution's token ends with (1080p, 576i, 4K, UHD), or WIDTHxHEIGHT.
func resolutionLike(lower string) bool {
	for _, h := range []string{"0p", "0i", "6p", "6i", "4k", "uhd"} {
		if strings.Contains(lower, h) {
			return true
		}
	}
	return digitXDigit(lower)
}

func isDigitByte(c byte) bool { return c >= '0' && c <= '9' }
