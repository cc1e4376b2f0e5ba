package rest

import (
	"bytes"
	"encoding/json"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/torrent-streamer/streamer/domain"
)

// checkUTF8 refuses a body that is not valid UTF-8, naming the field that holds the bad bytes.
// encoding/json would replace them with U+FFFD without a word, so "\xff@example.com" would sign up
// as "\uFFFD@example.com" and two passwords of different invalid bytes would be one password.
func checkUTF8(body []byte) error {
	if utf8.Valid(body) {
		return nil
	}
	bad := firstInvalidUTF8(body)
	field, ok := fieldAt(body, bad)
	if !ok || field == "" {
		return &domain.ValidationError{Problems: []domain.FieldProblem{{
			Message: "the body must be valid UTF-8 (invalid byte at offset " + strconv.Itoa(bad) + ")"}}}
	}
	return domain.Invalid(field, "must be valid UTF-8")
}

func firstInvalidUTF8(b []byte) int {
	for i := 0; i < len(b); {
		r, size := utf8.DecodeRune(b[i:])
		if r == utf8.RuneError && size == 1 {
			return i
		}
		i += size
	}
	return -1
}

// fieldAt walks the JSON tokens of body and names the value (as "torrents.3.files.0.path") whose
// token holds byte offset at; a key holding it names its object. ok is false when the body is not
// JSON before that point.
func fieldAt(body []byte, at int) (string, bool) {
	type frame struct {
		object  bool
		wantKey bool
		key     string
		index   int
	}
	var stack []frame
	path := func(depth int) string {
		parts := make([]string, 0, depth)
		for _, f := range stack[:depth] {
			if f.object {
				parts = append(parts, f.key)
			} else {
				parts = append(parts, strconv.Itoa(f.index))
			}
		}
		return strings.Join(parts, ".")
	}
	valueDone := func() {
		if n := len(stack); n > 0 && stack[n-1].object {
			stack[n-1].wantKey = true
		}
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	for {
		start := dec.InputOffset()
		tok, err := dec.Token()
		if err != nil {
			return "", false
		}
		holds := int64(at) >= start && int64(at) < dec.InputOffset()
		delim, isDelim := tok.(json.Delim)
		n := len(stack)
		if n > 0 && stack[n-1].object && stack[n-1].wantKey {
			if isDelim && delim == '}' {
				stack = stack[:n-1]
				valueDone()
				continue
			}
			if holds {
				return path(n - 1), true
			}
			stack[n-1].key, _ = tok.(string)
			stack[n-1].wantKey = false
			continue
		}
		if isDelim && delim == ']' {
			stack = stack[:n-1]
			valueDone()
			continue
		}
		if n > 0 && !stack[n-1].object {
			stack[n-1].index++
		}
		if isDelim { // '{' or '['
			stack = append(stack, frame{object: delim == '{', wantKey: delim == '{', index: -1})
			continue
		}
		if holds {
			return path(n), true
		}
		valueDone()
	}
}
