package r1

import (
	"encoding/binary"
	"encoding/hex"
	"strconv"
	"unicode/utf8"
)

// The local engine hands SQLite an upsert's rows in SQLite's own binary JSON (JSONB,
// https://sqlite.org/jsonb.html) instead of JSON text: parsing the text into JSONB was a twentieth
// of the writer's work at 1,000,000 torrents (jsonTranslateTextToBlob in the profile), and the
// statement reads each row's fields from the JSONB anyway. D1 gets the text: its parameters
// travel as JSON (upsertSQL).
//
// An element is a header and its payload: the header's low four bits are the element's type, its
// high four bits the payload's size (0 to 11) or how many bytes after it hold the size (12: one,
// 13: two, 14: four, 15: eight; big-endian).
const (
	jsonbNull    = 0x0
	jsonbInt     = 0x3 // the integer in decimal, as text
	jsonbTextRaw = 0xa // UTF-8 text as it is, no escapes
	jsonbArray   = 0xb
)

// appendJSONBHeader appends the header of an element of type typ whose payload is n bytes.
func appendJSONBHeader(b []byte, typ byte, n int) []byte {
	switch {
	case n <= 11:
		return append(b, byte(n)<<4|typ)
	case n <= 0xff:
		return append(b, 12<<4|typ, byte(n))
	case n <= 0xffff:
		return binary.BigEndian.AppendUint16(append(b, 13<<4|typ), uint16(n))
	case n <= 0xffffffff:
		return binary.BigEndian.AppendUint32(append(b, 14<<4|typ), uint32(n))
	default:
		return binary.BigEndian.AppendUint64(append(b, 15<<4|typ), uint64(n))
	}
}

// appendJSONBValue appends v (a string of valid UTF-8, an integer, bytes or nil: what an upsert row
// holds) as a JSONB element; ok is false for anything else, which the caller sends as text.
func appendJSONBValue(b []byte, v any) (_ []byte, ok bool) {
	switch x := v.(type) {
	case nil:
		return append(b, jsonbNull), true
	case string:
		if !utf8.ValidString(x) {
			return b, false // JSON text repairs it (appendJSON), as D1's transport does
		}
		return append(appendJSONBHeader(b, jsonbTextRaw, len(x)), x...), true
	case int:
		return appendJSONBInt(b, int64(x)), true
	case int64:
		return appendJSONBInt(b, x), true
	case []byte:
		// Bytes (the packed file list) travel as hex text, which the statement unhexes.
		return hex.AppendEncode(appendJSONBHeader(b, jsonbTextRaw, 2*len(x)), x), true
	}
	return b, false
}

func appendJSONBInt(b []byte, n int64) []byte {
	var digits [20]byte
	text := strconv.AppendInt(digits[:0], n, 10)
	return append(appendJSONBHeader(b, jsonbInt, len(text)), text...)
}

// jsonbHeaderRoom is the most bytes a JSONB header takes: its byte and an eight-byte size.
const jsonbHeaderRoom = 9

// newJSONBArray starts a JSONB array whose payload will take about size bytes: the bytes before
// the payload are room for its header, which closeJSONBArray writes once the payload is known.
func newJSONBArray(size int) []byte {
	return make([]byte, jsonbHeaderRoom, jsonbHeaderRoom+size)
}

// closeJSONBArray is the array newJSONBArray began, b its room and payload: the header written
// just before the payload, with no copy of it.
func closeJSONBArray(b []byte) []byte {
	var header [jsonbHeaderRoom]byte
	h := appendJSONBHeader(header[:0], jsonbArray, len(b)-jsonbHeaderRoom)
	start := jsonbHeaderRoom - len(h)
	copy(b[start:], h)
	return b[start:]
}
