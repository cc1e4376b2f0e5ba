package metainfo

import (
	"bytes"
	"sort"
	"strconv"
)

// A tiny bencode writer for fixtures. dict keeps its keys in the order given, so a test can write
// the unsorted dicts that real files sometimes contain; raw is spliced in verbatim, so a test knows
// the exact bytes of the info dictionary it hashes.
type (
	kv struct {
		k string
		v any
	}
	dict []kv
	list []any
	raw  []byte
)

func benc(v any) []byte {
	var b bytes.Buffer
	bencTo(&b, v)
	return b.Bytes()
}

func bencTo(b *bytes.Buffer, v any) {
	switch v := v.(type) {
	case string:
		b.WriteString(strconv.Itoa(len(v)) + ":" + v)
	case []byte:
		b.WriteString(strconv.Itoa(len(v)) + ":")
		b.Write(v)
	case int:
		b.WriteString("i" + strconv.Itoa(v) + "e")
	case int64:
		b.WriteString("i" + strconv.FormatInt(v, 10) + "e")
	case list:
		b.WriteByte('l')
		for _, x := range v {
			bencTo(b, x)
		}
		b.WriteByte('e')
	case []string:
		b.WriteByte('l')
		for _, x := range v {
			bencTo(b, x)
		}
		b.WriteByte('e')
	case dict:
		b.WriteByte('d')
		for _, e := range v {
			bencTo(b, e.k)
			bencTo(b, e.v)
		}
		b.WriteByte('e')
	case raw:
		b.Write(v)
	default:
		panic("bencTo: unsupported type")
	}
}

// sorted returns d with its keys in bencode's canonical order (a re-encoder's output).
func (d dict) sorted() dict {
	out := append(dict(nil), d...)
	sort.Slice(out, func(i, j int) bool { return out[i].k < out[j].k })
	return out
}

// locateInfo finds the raw bytes of the top-level "info" value on its own, without the package's
// scanner, so the fuzz target checks the decoder against a second opinion. It is lenient: it only
// has to be right on inputs the decoder accepted.
func locateInfo(data []byte) ([]byte, bool) {
	if len(data) == 0 || data[0] != 'd' {
		return nil, false
	}
	var skip func(i int) int // returns -1 on malformed input
	skip = func(i int) int {
		if i >= len(data) {
			return -1
		}
		switch c := data[i]; {
		case c == 'i':
			j := bytes.IndexByte(data[i:], 'e')
			if j < 0 {
				return -1
			}
			return i + j + 1
		case c == 'l' || c == 'd':
			i++
			for i < len(data) && data[i] != 'e' {
				if i = skip(i); i < 0 {
					return -1
				}
			}
			if i >= len(data) {
				return -1
			}
			return i + 1
		case c >= '0' && c <= '9':
			j := bytes.IndexByte(data[i:], ':')
			if j < 0 {
				return -1
			}
			n, err := strconv.Atoi(string(data[i : i+j]))
			end := i + j + 1 + n
			if err != nil || n < 0 || end > len(data) {
				return -1
			}
			return end
		}
		return -1
	}
	for i := 1; i < len(data) && data[i] != 'e'; {
		keyEnd := skip(i)
		if keyEnd < 0 {
			return nil, false
		}
		colon := bytes.IndexByte(data[i:], ':')
		key := string(data[i+colon+1 : keyEnd])
		valueEnd := skip(keyEnd)
		if valueEnd < 0 {
			return nil, false
		}
		if key == "info" {
			return data[keyEnd:valueEnd], true
		}
		i = valueEnd
	}
	return nil, false
}
