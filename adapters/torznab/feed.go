package torznab

import (
	"encoding/xml"
	"slices"
	"strconv"
	"time"

	"github.com/torrent-streamer/streamer/domain"
)

// The RSS document, written by hand straight from the catalog's summaries: encoding/xml reflects
// over every field of every item, which made a page of 100 items cost milliseconds. Empty elements
// are self-closing (<torznab:attr name="seeders" value="4"/>), as Jackett and Prowlarr write them:
// a page of 100 items is about 9% smaller than with end tags, and the apps' parsers read both.
// Each item's bytes are kept (fragments.go), so a page of items already written is concatenation.
// The writer is fuzzed against encoding/xml's reading of it (feed_fuzz_test.go).

// appendFeedHead appends the document up to its first item.
func appendFeedHead(b []byte, title, base string, offset, total int) []byte {
	b = append(b, xml.Header...)
	b = append(b, `<rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom" xmlns:torznab="`+torznabNS+`"><channel>`...)
	b = append(b, `<atom:link href="`...)
	b = appendEscaped(b, base+Path)
	b = append(b, `" rel="self" type="application/rss+xml"/><title>`...)
	b = appendEscaped(b, title)
	b = append(b, `</title><description>`...)
	b = appendEscaped(b, title+": a torrent catalog")
	b = append(b, `</description><link>`...)
	b = appendEscaped(b, base+"/")
	b = append(b, `</link><torznab:response offset="`...)
	b = strconv.AppendInt(b, int64(offset), 10)
	b = append(b, `" total="`...)
	b = strconv.AppendInt(b, int64(total), 10)
	return append(b, `"/>`...)
}

// feedTail ends the document.
const feedTail = `</channel></rss>`

// appendItems appends the page's items, kept or written (frags, nil for none), with the attributes
// attrs selects (nil for all). Once the first is written, b is grown to what that item's size says
// the page will take: a page is made for 2 KB an item, and one of long magnets (a real torrent's
// dozen trackers, three times an item) would otherwise double and copy itself as it grew.
func appendItems(b []byte, frags *fragmentCache, items []domain.TorrentSummary, base string, attrs map[string]bool, cats *categoryMap) []byte {
	selected := attrsKey(attrs)
	for i := range items {
		t := &items[i]
		start := len(b)
		b = frags.appendItem(b, t, base, selected, cats.itemIDs(t.Category.Slug, t.Release.Resolution), attrs)
		if i == 0 {
			b = slices.Grow(b, (len(b)-start)*(len(items)-1)*9/8+len(feedTail))
		}
	}
	return b
}

// appendItem appends one torrent as an RSS item with its Torznab attributes: title, guid, link
// and enclosure (the magnet), comments (the details URL), pubDate, size, categories, then the
// attributes, all of them when only is nil, else those it names (and the categories always).
func appendItem(b []byte, t *domain.TorrentSummary, base string, ids []int, only map[string]bool) []byte {
	b = append(b, `<item><title>`...)
	b = appendEscaped(b, t.Name)
	b = append(b, `</title><guid isPermaLink="false">`...)
	b = appendHex(b, t.InfoHash[:])
	b = append(b, `</guid><link>`...)
	from := len(b)
	b = escapeFrom(t.Magnet().AppendTo(b), from)
	to := len(b) // the magnet, escaped once, copied from here twice more
	b = append(b, `</link><comments>`...)
	b = appendEscaped(b, base)
	b = append(b, `/api/torrents/`...)
	b = strconv.AppendInt(b, t.ID, 10)
	b = append(b, `</comments><pubDate>`...)
	b = t.UploadedAt.UTC().AppendFormat(b, time.RFC1123Z)
	b = append(b, `</pubDate><size>`...)
	b = strconv.AppendInt(b, t.Size, 10)
	b = append(b, `</size>`...)
	for _, c := range ids {
		b = append(b, `<category>`...)
		b = strconv.AppendInt(b, int64(c), 10)
		b = append(b, `</category>`...)
	}
	b = append(b, `<enclosure url="`...)
	b = append(b, b[from:to]...)
	b = append(b, `" length="`...)
	b = strconv.AppendInt(b, t.Size, 10)
	b = append(b, `" type="`+enclosureType+`"/>`...)
	attr := func(name string) bool {
		if only != nil && !only[name] && name != "category" {
			return false
		}
		b = append(b, `<torznab:attr name="`...)
		b = append(b, name...) // the server's own names
		b = append(b, `" value="`...)
		return true
	}
	end := func() { b = append(b, `"/>`...) }
	integer := func(name string, v int64) {
		if attr(name) {
			b = strconv.AppendInt(b, v, 10)
			end()
		}
	}
	for _, c := range ids {
		integer("category", int64(c))
	}
	integer("size", t.Size)
	integer("seeders", t.Seeders)
	integer("leechers", t.Leechers)
	integer("peers", t.Seeders+t.Leechers)
	if attr("infohash") {
		b = appendHex(b, t.InfoHash[:])
		end()
	}
	if attr("magneturl") {
		b = append(b, b[from:to]...)
		end()
	}
	integer("files", int64(t.FileCount))
	r := &t.Release
	if r.Year > 0 {
		integer("year", int64(r.Year))
	}
	if len(r.Seasons) > 0 {
		integer("season", int64(r.Seasons[0]))
	}
	if len(r.Episodes) > 0 {
		integer("episode", int64(r.Episodes[0]))
	}
	if r.Resolution != "" && attr("resolution") {
		b = appendEscaped(b, r.Resolution)
		end()
	}
	if e := &t.External; e.IMDb != "" {
		if attr("imdb") {
			b = appendEscaped(b, e.IMDbDigits())
			end()
		}
		if attr("imdbid") {
			b = appendEscaped(b, e.IMDb)
			end()
		}
	}
	if t.External.TMDb > 0 {
		integer("tmdbid", t.External.TMDb)
	}
	if t.External.TVDb > 0 {
		integer("tvdbid", t.External.TVDb)
	}
	// A public catalog: downloads do not count against a ratio.
	integer("downloadvolumefactor", 0)
	integer("uploadvolumefactor", 1)
	return append(b, `</item>`...)
}

// appendHex appends h in lower-case hexadecimal.
func appendHex(b []byte, h []byte) []byte {
	const digits = "0123456789abcdef"
	for _, c := range h {
		b = append(b, digits[c>>4], digits[c&0xf])
	}
	return b
}

// escapes is, for each byte, what XML character data and attribute values need instead of it:
// the five markup characters as entities, tab, newline and carriage return as character
// references (so attribute values keep them), and other control characters, which XML 1.0 cannot
// carry at all, U+FFFD; "" for a byte written as it is.
var escapes = func() (e [256]string) {
	for c := range 0x20 {
		e[c] = "\uFFFD"
	}
	e[0x7f] = "\uFFFD"
	e['&'], e['<'], e['>'], e['"'], e['\''] = "&amp;", "&lt;", "&gt;", "&#34;", "&#39;"
	e['\t'], e['\n'], e['\r'] = "&#x9;", "&#xA;", "&#xD;"
	return e
}()

// escapeFrom escapes b[from:] in place (see escapes): it grows b by what the replacements add and
// moves each byte to its place from the end, so the text is written once and never copied.
func escapeFrom(b []byte, from int) []byte {
	grow := 0
	for _, c := range b[from:] {
		if rep := escapes[c]; rep != "" {
			grow += len(rep) - 1
		}
	}
	if grow == 0 {
		return b
	}
	end := len(b)
	b = append(b, make([]byte, grow)...)
	w := len(b)
	for r := end - 1; r >= from; r-- {
		c := b[r]
		if rep := escapes[c]; rep != "" {
			w -= len(rep)
			copy(b[w:], rep)
		} else {
			w--
			b[w] = c
		}
	}
	return b
}

// appendEscaped appends s as XML character data or an attribute value. The text is the catalog's,
// which is valid UTF-8 (the domain refuses anything else), so only markup and control characters
// need work (see escapes); the runs between them are copied whole.
func appendEscaped(b []byte, s string) []byte {
	last := 0
	for i := 0; i < len(s); i++ {
		if rep := escapes[s[i]]; rep != "" {
			b = append(b, s[last:i]...)
			b = append(b, rep...)
			last = i + 1
		}
	}
	return append(b, s[last:]...)
}
