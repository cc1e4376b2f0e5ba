package r1

import (
	"math"
	"testing"
)

// appendJSON writes what encoding/json writes (without HTML escaping), byte for byte.
func TestAppendJSONIsEncodingJSON(t *testing.T) {
	values := []any{nil, 0, -1, 42, int64(math.MaxInt64), int64(math.MinInt64), "", "plain text",
		`quote " and \ backslash`, "tab\tnew\nline\rreturn", "\x00\x01\b\f\x1f\x7f", "<b>&amp;</b>",
		"Été · 東京 · 🎬", "line\u2028para\u2029end", "bad \xff utf-8", "\xe2\x80", 3.5, true,
		[]string{"a", "b"}}
	for _, v := range values {
		want, err := compactJSON(v)
		if err != nil {
			t.Fatal(err)
		}
		got, err := appendJSON([]byte("x"), v)
		if err != nil {
			t.Fatalf("%#v: %v", v, err)
		}
		if string(got) != "x"+want {
			t.Errorf("%#v: %s, want x%s", v, got, want)
		}
	}
}

func FuzzAppendJSONString(f *testing.F) {
	for _, s := range []string{"", "a\"b", "\u2028", "\xff", "é\n"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		want, err := compactJSON(s)
		if err != nil {
			t.Fatal(err)
		}
		if got, _ := appendJSON(nil, s); string(got) != want {
			t.Errorf("%q: %s, want %s", s, got, want)
		}
	})
}
