package r1

import (
	"encoding/hex"
	"strconv"
	"unicode/utf8"

	"github.com/torrent-streamer/streamer/domain"
)

// appendJSON appends v as JSON to b: the values of an upsert row (see newUpsertRow) are strings,
// integers, NULLs and bytes (hex text), written here directly because the row is made for every torrent ingested,
// on the writer's path; encoding/json, reflecting on each value, cost a twelfth of the ingest.
// Anything else goes through compactJSON.
func appendJSON(b []byte, v any) ([]byte, error) {
	switch x := v.(type) {
	case nil:
		return append(b, "null"...), nil
	case string:
		return appendJSONText(b, x)
	case int:
		return strconv.AppendInt(b, int64(x), 10), nil
	case int64:
		return strconv.AppendInt(b, x, 10), nil
	case []byte:
		// Bytes (the packed file list) travel as hex text, which the statement unhexes.
		b = append(b, '"')
		b = hex.AppendEncode(b, x)
		return append(b, '"'), nil
	}
	// Other types.
	s, err := compactJSON(v)
	return append(b, s...), err
}

// appendJSONText is appendJSON of a string, which it takes as it is: put in an any, each string
// of a row's lists cost an allocation.
func appendJSONText(b []byte, s string) ([]byte, error) {
	if out, ok := appendJSONString(b, s); ok {
		return out, nil
	}
	// b is as it was: what appendJSONString wrote lies past its length. Invalid UTF-8, which
	// encoding/json repairs as U+FFFD.
	text, err := compactJSON(s)
	return append(b, text...), err
}

const hexDigits = "0123456789abcdef"

// appendJSONString appends s as a JSON string, escaping what encoding/json escapes without HTML
// escaping: '"', '\\', control characters, U+2028 and U+2029. ok is false when s is not valid
// UTF-8 (which encoding/json repairs); b's own bytes are left as they were either way.
func appendJSONString(b []byte, s string) (_ []byte, ok bool) {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c >= 0x20 && c != '"' && c != '\\' && c < utf8.RuneSelf {
			i++
			continue
		}
		if c < utf8.RuneSelf {
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			case '\b':
				b = append(b, '\\', 'b')
			case '\f':
				b = append(b, '\\', 'f')
			default:
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			return b, false
		}
		if r == '\u2028' || r == '\u2029' {
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hexDigits[r&0xf])
			i += size
			start = i
			continue
		}
		i += size
	}
	b = append(b, s[start:]...)
	return append(b, '"'), true
}

// filesJSONOf is the files column: what compactJSON writes of them as []fileJSON.
func filesJSONOf(files []domain.File) (string, error) {
	size := 2 // the paths, and each file's 30 bytes of keys, quotes and size: rarely grown
	for _, f := range files {
		size += len(f.Path) + 30
	}
	b := make([]byte, 0, size)
	b = append(b, '[')
	var err error
	for i, f := range files {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, `{"path":`...)
		if b, err = appendJSONText(b, f.Path); err != nil {
			return "", err
		}
		b = append(b, `,"size":`...)
		b = strconv.AppendInt(b, f.Size, 10)
		b = append(b, '}')
	}
	return string(append(b, ']')), nil
}

// stringsJSONOf is a list of strings as compactJSON writes it, nil as [].
func stringsJSONOf(list []string) (string, error) {
	b := make([]byte, 0, 2+len(list)*40)
	b = append(b, '[')
	var err error
	for i, s := range list {
		if i > 0 {
			b = append(b, ',')
		}
		if b, err = appendJSONText(b, s); err != nil {
			return "", err
		}
	}
	return string(append(b, ']')), nil
}
