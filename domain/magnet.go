package domain

import (
	"encoding/hex"
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
	return string(m.AppendTo(make([]byte, 0, 64+len(m.Name)+48*len(m.Trackers))))
}

// AppendTo appends the URI String builds to b, without building it on its own (a feed of a hundred
// items writes a hundred).
func (m Magnet) AppendTo(b []byte) []byte {
	b = append(b, "magnet:?"...)
	sep := false
	param := func(name string) {
		if sep {
			b = append(b, '&')
		}
		b = append(b, name...)
		sep = true
	}
	if !m.InfoHash.IsZero() {
		param("xt=urn:btih:")
		b = hex.AppendEncode(b, m.InfoHash[:])
	}
	if !m.InfoHashV2.IsZero() {
		param("xt=urn:btmh:")
		b = append(b, m.InfoHashV2.Multihash()...)
	}
	if m.Name != "" {
		param("dn=")
		b = appendQueryEscaped(b, m.Name)
	}
	if m.Size > 0 {
		param("xl=")
		b = strconv.AppendInt(b, m.Size, 10)
	}
	for _, tr := range m.Trackers {
		param("tr=")
		b = appendQueryEscaped(b, tr)
	}
	for _, ws := range m.WebSeeds {
		param("ws=")
		b = appendQueryEscaped(b, ws)
	}
	return b
}

// appendQueryEscaped appends s escaped as url.QueryEscape escapes it (FuzzQueryEscaped holds it to
// that): letters, digits and -_.~ as they are, space as +, every other byte as %XX.
func appendQueryEscaped(b []byte, s string) []byte {
	const upperHex = "0123456789ABCDEF"
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9', c == '-', c == '_', c == '.', c == '~':
			b = append(b, c)
		case c == ' ':
			b = append(b, '+')
		default:
			b = append(b, '%', upperHex[c>>4], upperHex[c&15])
		}
	}
	return b
}

func cutPrefixFold(s, prefix string) (string, bool) {
	if len(s) < len(prefix) || !strings.EqualFold(s[:len(prefix)], prefix) {
		return s, false
	}
	return s[len(prefix):], true
}
