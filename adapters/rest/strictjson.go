package rest

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/torrent-streamer/streamer/domain"
)

// maxJSONDepth bounds the nesting of a request body: the deepest the contract's bodies go is 4
// (an ingest item's files), so anything far deeper is an attack on the parser, not a request.
const maxJSONDepth = 32

// checkStrictJSON refuses what encoding/json would accept but leave ambiguous or absurd in a body
// that is already known to be valid JSON: a key given twice in one object (parsers disagree on
// which one wins, RFC 8259 and I-JSON, RFC 7493, say names must be unique), a NUL character in a
// key or a string (no field of the contract can hold one; stores and logs truncate at it), and
// nesting deeper than maxJSONDepth.
func checkStrictJSON(body []byte) error {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	type frame struct {
		object bool
		keys   map[string]struct{}
		path   string
		index  int
		key    bool // inside an object: the next string token is a key
	}
	var stack []frame
	refuse := func(path, message string) error {
		return &requestError{problem{status: fiber.StatusBadRequest, code: codeInvalidJSON,
			detail: "The body is not acceptable JSON: " + message + ".", fields: []domain.FieldProblem{{Field: path, Message: message}}}}
	}
	// childPath is the path of the value the next token starts.
	childPath := func(key string) string {
		if len(stack) == 0 {
			return ""
		}
		top := &stack[len(stack)-1]
		if top.object {
			if top.path == "" {
				return key
			}
			return top.path + "." + key
		}
		p := top.path + "[" + strconv.Itoa(top.index) + "]"
		top.index++
		return p
	}
	lastKey := ""
	for {
		tok, err := dec.Token()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return nil // a syntax error: json.Unmarshal reports it in its own words
		}
		inKeyPosition := len(stack) > 0 && stack[len(stack)-1].object && stack[len(stack)-1].key
		switch v := tok.(type) {
		case json.Delim:
			switch v {
			case '{', '[':
				path := childPath(lastKey)
				if len(stack) > 0 && stack[len(stack)-1].object {
					stack[len(stack)-1].key = true
				}
				if len(stack) >= maxJSONDepth {
					return refuse(path, "nested deeper than "+strconv.Itoa(maxJSONDepth)+" levels")
				}
				stack = append(stack, frame{object: v == '{', keys: map[string]struct{}{}, path: path, key: v == '{'})
			default:
				stack = stack[:len(stack)-1]
				if len(stack) > 0 && stack[len(stack)-1].object {
					stack[len(stack)-1].key = true
				}
			}
		case string:
			if inKeyPosition {
				top := &stack[len(stack)-1]
				path := childPathPeek(top.path, v)
				if strings.ContainsRune(v, 0) {
					return refuse(path, "a key holds a NUL character")
				}
				if _, dup := top.keys[v]; dup {
					return refuse(path, "the key "+strconv.Quote(v)+" is given twice")
				}
				top.keys[v] = struct{}{}
				top.key = false
				lastKey = v
				continue
			}
			path := childPath(lastKey)
			if strings.ContainsRune(v, 0) {
				return refuse(path, "holds a NUL character")
			}
			if len(stack) > 0 && stack[len(stack)-1].object {
				stack[len(stack)-1].key = true
			}
		default:
			childPath(lastKey)
			if len(stack) > 0 && stack[len(stack)-1].object {
				stack[len(stack)-1].key = true
			}
		}
	}
}

func childPathPeek(parent, key string) string {
	if parent == "" {
		return key
	}
	return parent + "." + key
}
