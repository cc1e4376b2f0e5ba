package domain

import (
	"errors"
	"net/url"
	"slices"
	"strconv"
	"strings"
)

// MaxMagnetLength bounds the magnet URIs the service parses. It is above the longest magnet the
// service itself builds (64 trackers of 512 bytes and a 512-character name, escaped).
const MaxMagnetLength = 128 << 10

// Magnet is the part of a magnet URI (BEP 9, BEP 53 for v2) the catalog uses.
type Magnet struct {
	InfoHash   InfoHash   // from xt=urn:btih:…; zero for a v2-only magnet
	InfoHashV2 InfoHashV2 // from xt=urn:btmh:1220…; zero when absent
	Name       string     // dn
	Size       int64      // xl; 0 when absent
	Trackers   []string   // tr, in order, without duplicates
	WebSeeds   []string   // ws (BEP 19), in order, without duplicates
}

// ParseMagnet reads a magnet URI. It needs at least one exact topic (xt) naming a v1 (btih) or v2
// (btmh) info hash; dn, xl and tr are optional, and every other parameter is ignored.
func ParseMagnet(raw string) (Magnet, error) {
	if len(raw) > MaxMagnetLength {
		return Magnet{}, errors.New("is longer than 128 KiB")
	}
	rest, ok := cutPrefixFold(raw, "magnet:?")
	if !ok {
		return Magnet{}, errors.New("must start with magnet:?")
	}
	values, err := url.ParseQuery(rest)
	if err != nil {
		return Magnet{}, errors.New("has a malformed query string")
	}
	var m Magnet
	// BEP 9 allows several topics as xt.1, xt.2, …; read them in a fixed order so the same URI
	// always gives the same answer.
	keys := make([]string, 0, len(values))
	for key := range values {
		if key == "xt" || strings.HasPrefix(key, "xt.") {
			keys = append(keys, key)
		}
	}
	slices.Sort(keys)
	for _, key := range keys {
		for _, v := range values[key] {
			if err := m.addTopic(v); err != nil {
				return Magnet{}, err
			}
		}
	}
	if m.InfoHash.IsZero() && m.InfoHashV2.IsZero() {
		return Magnet{}, errors.New("has no xt=urn:btih: or xt=urn:btmh: info hash")
	}
	m.Name = strings.TrimSpace(values.Get("dn"))
	if xl := values.Get("xl"); xl != "" {
		size, err := strconv.ParseInt(xl, 10, 64)
		if err != nil || size < 0 {
			return Magnet{}, errors.New("has an xl (size) that is not a non-negative integer")
		}
		m.Size = size
	}
	seen := make(map[string]bool)
	for _, tr := range values["tr"] {
		tr = strings.TrimSpace(tr)
		if tr == "" || seen[tr] {
			continue
		}
		seen[tr] = true
		m.Trackers = append(m.Trackers, tr)
	}
	seenWS := make(map[string]bool)
	for _, ws := range values["ws"] {
		ws = strings.TrimSpace(ws)
		if ws == "" || seenWS[ws] {
			continue
		}
		seenWS[ws] = true
		m.WebSeeds = append(m.WebSeeds, ws)
	}
	return m, nil
}

func (m *Magnet) addTopic(topic string) error {
	if hash, ok := cutPrefixFold(topic, "urn:btih:"); ok {
		h, err := ParseInfoHash(hash)
		if err != nil {
			return errors.New("has a btih info hash that " + err.Error())
		}
		if !m.InfoHash.IsZero() && m.InfoHash != h {
			return errors.New("names two different btih info hashes")
		}
		m.InfoHash = h
		return nil
	}
	if hash, ok := cutPrefixFold(topic, "urn:btmh:"); ok {
		h, err := ParseInfoHashV2(strings.ToLower(hash))
		if err != nil {
			return errors.New("has a btmh info hash that " + err.Error())
		}
		if !m.InfoHashV2.IsZero() && m.InfoHashV2 != h {
			return errors.New("names two different btmh info hashes")
		}
		m.InfoHashV2 = h
	}
	// Other topics (ed2k, sha1 of a single file, …) say nothing about the torrent: ignored.
	return nil
}

// String builds the URI: xt for each known hash, then dn, xl, one tr per tracker and one ws per web
// seed. Values are query-escaped, so any name or tracker makes a valid URI.
func (m Magnet) String() string {
	var b strings.Builder
	b.Grow(64 + len(m.Name) + 48*len(m.Trackers))
	b.WriteString("magnet:?")
	sep := ""
	if !m.InfoHash.IsZero() {
		b.WriteString("xt=urn:btih:")
		b.WriteString(m.InfoHash.String())
		sep = "&"
	}
	if !m.InfoHashV2.IsZero() {
		b.WriteString(sep)
		b.WriteString("xt=urn:btmh:")
		b.WriteString(m.InfoHashV2.Multihash())
		sep = "&"
	}
	if m.Name != "" {
		b.WriteString(sep)
		b.WriteString("dn=")
		b.WriteString(url.QueryEscape(m.Name))
		sep = "&"
	}
	if m.Size > 0 {
		b.WriteString(sep)
		b.WriteString("xl=")
		b.WriteString(strconv.FormatInt(m.Size, 10))
		sep = "&"
	}
	for _, tr := range m.Trackers {
		b.WriteString(sep)
		b.WriteString("tr=")
		b.WriteString(url.QueryEscape(tr))
		sep = "&"
	}
	for _, ws := range m.WebSeeds {
		b.WriteString(sep)
		b.WriteString("ws=")
		b.WriteString(url.QueryEscape(ws))
		sep = "&"
	}
	return b.String()
}

func cutPrefixFold(s, prefix string) (string, bool) {
	if len(s) < len(prefix) || !strings.EqualFold(s[:len(prefix)], prefix) {
		return s, false
	}
	return s[len(prefix):], true
}
