package r1

import (
	"context"
	"math"
	"strings"
	"testing"
)

// A row in JSONB reads back, field by field (->>, as upsertJSONBSQL reads it), as the same row in
// JSON text does (upsertSQL's), and SQLite finds the JSONB well formed; sizes across every header
// width are covered.
func TestJSONBRowsReadAsTheirText(t *testing.T) {
	ctx := context.Background()
	db := openMigrated(t, LocalOptions{})
	values := []any{nil, 0, -1, 42, int64(math.MaxInt64), int64(math.MinInt64), "", "plain text",
		`quote " and \ backslash`, "tab\tnew\nline\rreturn", "\x00\x01\b\f\x1f\x7f", "<b>&amp;</b>",
		"Été · 東京 · 🎬", "line\u2028para\u2029end", `[{"path":"a/b.mkv","size":1}]`,
		strings.Repeat("x", 11), strings.Repeat("y", 12), strings.Repeat("z", 255), strings.Repeat("w", 256),
		strings.Repeat("v", 65535), strings.Repeat("u", 65536)}
	var text []byte
	text = append(text, '[')
	for i, v := range values {
		if i > 0 {
			text = append(text, ',')
		}
		var err error
		if text, err = appendJSON(text, v); err != nil {
			t.Fatal(err)
		}
	}
	text = append(text, ']')
	row := jsonbRow(values, len(text))
	if row == nil {
		t.Fatal("no JSONB for a row of strings, integers and nulls")
	}
	blob := jsonbArrayOf(append(append([]byte(nil), row...), row...)) // two rows, as a statement's list
	for k := range values {
		res, err := db.query(ctx, Statement{
			// typeof and hex, not quote: quote stops at a NUL, so "\x00…" would read '' on both sides
			// whatever followed it.
			SQL: `SELECT (SELECT json_valid(?, 8)) AS valid,
				(SELECT group_concat(typeof(v) || ':' || hex(v), '|') FROM (SELECT value ->> ? AS v FROM jsonb_each(?))) AS b,
				(SELECT typeof(v) || ':' || hex(v) FROM (SELECT jsonb(?) ->> ? AS v)) AS t`,
			Params: []any{blob, k, blob, string(text), k}})
		if err != nil {
			t.Fatalf("value %d: %v", k, err)
		}
		rr := rowReader{row: res.Rows[0]}
		valid, b, want := rr.int("valid"), rr.text("b"), rr.text("t")
		if rr.err != nil {
			t.Fatal(rr.err)
		}
		if valid != 1 {
			t.Fatalf("SQLite finds the JSONB malformed")
		}
		if b != want+"|"+want {
			t.Errorf("value %d (%.40q): JSONB reads %.80s, text %.80s", k, values[k], b, want)
		}
	}
}

// A value JSONB cannot carry as it is (invalid UTF-8, which JSON text repairs as D1's transport
// does) sends its row as text.
func TestARowJSONBCannotCarryGoesAsText(t *testing.T) {
	if jsonbRow([]any{"ok", "bad \xff"}, 16) != nil {
		t.Error("invalid UTF-8 went into JSONB as it is")
	}
	if jsonbRow([]any{"ok", 3.5}, 16) != nil {
		t.Error("a float went into JSONB")
	}
	ok := upsertRow{json: []byte(`["a"]`), jsonb: jsonbRow([]any{"a"}, 5)}
	if st := upsertStatements([]upsertRow{ok}, 5, rowsAsJSONB); st[0].SQL != upsertJSONBSQL {
		t.Error("the local engine's rows went as text")
	}
	// A row without JSONB goes as text, in a statement of its own; the row with JSONB keeps it (it
	// has no text to go with the other).
	okOnly := upsertRow{jsonb: jsonbRow([]any{"a"}, 5)}
	if st := upsertStatements([]upsertRow{okOnly, {json: []byte(`["b"]`)}}, 10, rowsAsJSONB); len(st) != 2 || st[0].SQL != upsertJSONBSQL || st[1].SQL != upsertSQL || st[1].Params[0] != `[["b"]]` {
		t.Errorf("a row without JSONB beside one with it: %d statements %+v", len(st), st)
	}
	if st := upsertStatements([]upsertRow{ok}, 5, rowsAsText); st[0].SQL != upsertSQL {
		t.Error("D1's rows went as JSONB")
	}
}

// closeJSONBArray writes the header jsonbArrayOf writes, for payloads on either side of each of
// the header's sizes.
func TestAJSONBArrayClosedInPlaceIsTheArray(t *testing.T) {
	for _, n := range []int{0, 1, 11, 12, 255, 256, 65535, 65536, 1 << 20} {
		payload := make([]byte, n)
		for i := range payload {
			payload[i] = byte(i)
		}
		for _, size := range []int{0, n, 2 * n} { // the first capacity: short, exact, long
			b := append(newJSONBArray(size), payload...)
			if got, want := closeJSONBArray(b), jsonbArrayOf(payload); string(got) != string(want) {
				t.Fatalf("payload of %d bytes (capacity %d): header % x, want % x", n, size, got[:min(len(got), 9)], want[:min(len(want), 9)])
			}
		}
	}
}

// jsonbArrayOf is the JSONB array of elements already encoded (payload is their bytes, one after
// the other), built the plain way: the reference newJSONBArray and closeJSONBArray are held to.
func jsonbArrayOf(payload []byte) []byte {
	out := appendJSONBHeader(make([]byte, 0, len(payload)+jsonbHeaderRoom), jsonbArray, len(payload))
	return append(out, payload...)
}
