package metainfo

import (
	"bytes"
	"fmt"
	"strconv"
)

// maxDepth bounds the nesting of lists and dicts, as the library's own decoder does: real .torrent
// files nest a few levels (a v2 file tree one more per directory), and the scan is recursive.
const maxDepth = 64

// maxIntegerDigits bounds a bencode integer: nothing in a torrent needs more than an int64, and a
// huge integer would only cost the library a big.Int parse.
const maxIntegerDigits = 64

// span is where one bencoded value lies in the input, end exclusive.
type span struct{ start, end int }

// syntaxError says where and why the input is not bencode.
type syntaxError struct {
	offset int
	what   string
}

func (e *syntaxError) Error() string { return fmt.Sprintf("%s at byte %d", e.what, e.offset) }

// scanner checks bencode strictly (BEP 3: no leading zeros, no negative zero, string keys, no key
// twice in a dict) and tells where values lie. The library is lenient about all of this and keeps the
// last of two "info" keys; checking first means the bytes we hash are the only info dictionary there
// is, exactly as written. Key order is not checked: files with unsorted keys exist, and every client
// hashes their info dictionary as written.
type scanner struct {
	data  []byte
	depth int
}

func (s *scanner) fail(offset int, what string) error {
	return &syntaxError{offset: offset, what: what}
}

// skip checks the value at pos and returns where it ends.
func (s *scanner) skip(pos int) (int, error) {
	if pos >= len(s.data) {
		return 0, s.fail(pos, "unexpected end of input")
	}
	switch c := s.data[pos]; {
	case c == 'i':
		return s.integer(pos)
	case isDigit(c):
		str, err := s.str(pos)
		return str.end, err
	case c == 'l':
		return s.list(pos)
	case c == 'd':
		return s.dict(pos, nil)
	default:
		return 0, s.fail(pos, fmt.Sprintf("unexpected byte %q", c))
	}
}

func (s *scanner) integer(pos int) (int, error) {
	i := pos + 1
	negative := i < len(s.data) && s.data[i] == '-'
	if negative {
		i++
	}
	digits := i
	for i < len(s.data) && isDigit(s.data[i]) {
		i++
	}
	switch n := i - digits; {
	case i >= len(s.data):
		return 0, s.fail(pos, "unterminated integer")
	case s.data[i] != 'e' || n == 0:
		return 0, s.fail(pos, "malformed integer")
	case n > maxIntegerDigits:
		return 0, s.fail(pos, "integer too long")
	case s.data[digits] == '0' && (n > 1 || negative):
		return 0, s.fail(pos, "integer with a leading zero")
	}
	return i + 1, nil
}

// str checks the string at pos and returns where its bytes lie (after the length prefix).
func (s *scanner) str(pos int) (span, error) {
	i := pos
	for i < len(s.data) && isDigit(s.data[i]) {
		i++
	}
	switch n := i - pos; {
	case i >= len(s.data) || s.data[i] != ':' || n == 0:
		return span{}, s.fail(pos, "malformed string length")
	case s.data[pos] == '0' && n > 1:
		return span{}, s.fail(pos, "string length with a leading zero")
	case n > 9: // the whole input is at most 10 MiB: 8 digits
		return span{}, s.fail(pos, "string longer than the input")
	}
	length, _ := strconv.Atoi(string(s.data[pos:i]))
	start := i + 1
	if length > len(s.data)-start {
		return span{}, s.fail(pos, "string longer than the input")
	}
	return span{start: start, end: start + length}, nil
}

func (s *scanner) enter(pos int) error {
	s.depth++
	if s.depth > maxDepth {
		return s.fail(pos, fmt.Sprintf("nesting deeper than %d levels", maxDepth))
	}
	return nil
}

func (s *scanner) list(pos int) (int, error) {
	defer func() { s.depth-- }()
	if err := s.enter(pos); err != nil {
		return 0, err
	}
	i := pos + 1
	for {
		if i >= len(s.data) {
			return 0, s.fail(pos, "unterminated list")
		}
		if s.data[i] == 'e' {
			return i + 1, nil
		}
		var err error
		if i, err = s.skip(i); err != nil {
			return 0, err
		}
	}
}

// dict checks the dict at pos, calls visit (when not nil) for each key, and returns where it ends.
func (s *scanner) dict(pos int, visit func(key string, value span)) (int, error) {
	defer func() { s.depth-- }()
	if err := s.enter(pos); err != nil {
		return 0, err
	}
	// Duplicates: while keys come sorted, comparing with the previous one is enough; the first
	// unsorted key switches to a set of every key seen.
	var keys [][]byte
	var seen map[string]bool
	i := pos + 1
	for {
		if i >= len(s.data) {
			return 0, s.fail(pos, "unterminated dict")
		}
		if s.data[i] == 'e' {
			return i + 1, nil
		}
		if !isDigit(s.data[i]) {
			return 0, s.fail(i, "dict key that is not a string")
		}
		keySpan, err := s.str(i)
		if err != nil {
			return 0, err
		}
		key := s.data[keySpan.start:keySpan.end]
		if seen == nil && len(keys) > 0 && bytes.Compare(key, keys[len(keys)-1]) <= 0 {
			seen = make(map[string]bool, len(keys)+1)
			for _, k := range keys {
				seen[string(k)] = true
			}
			keys = nil
		}
		if seen != nil {
			if seen[string(key)] {
				return 0, s.fail(i, fmt.Sprintf("key %q twice in one dict", key))
			}
			seen[string(key)] = true
		} else {
			keys = append(keys, key)
		}
		end, err := s.skip(keySpan.end)
		if err != nil {
			return 0, err
		}
		if visit != nil {
			visit(string(key), span{start: keySpan.end, end: end})
		}
		i = end
	}
}

// entries reads the dict at pos into its keys and where their values lie.
func entries(data []byte, pos int) (map[string]span, int, error) {
	if pos >= len(data) || data[pos] != 'd' {
		return nil, 0, &syntaxError{offset: pos, what: "expected a dict"}
	}
	m := make(map[string]span)
	s := scanner{data: data}
	end, err := s.dict(pos, func(key string, value span) { m[key] = value })
	return m, end, err
}

// countListItems counts the items of the (already checked) list at pos, stopping past limit.
func countListItems(data []byte, pos, limit int) int {
	s := scanner{data: data}
	n := 0
	for i := pos + 1; i < len(data) && data[i] != 'e' && n <= limit; n++ {
		end, err := s.skip(i)
		if err != nil {
			break
		}
		i = end
	}
	return n
}

// countTreeFiles counts the file entries (the "" keys) of the (already checked) v2 file tree at pos,
// in one pass, stopping past limit.
func countTreeFiles(data []byte, pos, limit int) int {
	s := scanner{data: data}
	n := 0
	var walk func(pos int) int
	walk = func(pos int) int {
		i := pos + 1
		for i < len(data) && data[i] != 'e' && n <= limit {
			key, err := s.str(i)
			if err != nil {
				return len(data)
			}
			value := key.end
			if data[value] == 'd' && key.start != key.end {
				i = walk(value)
				continue
			}
			if data[value] == 'd' {
				n++
			}
			if i, err = s.skip(value); err != nil {
				return len(data)
			}
		}
		return i + 1
	}
	walk(pos)
	return n
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }
