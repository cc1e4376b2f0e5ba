package torznab

import (
	"testing"

	"github.com/valyala/fasthttp"
)

func keyOf(query string) string {
	var args fasthttp.Args
	args.Parse(query)
	return answerKey(&args, "http://127.0.0.1")
}

// The answer kept for one search is never served for another: the key is every parameter but the
// key, in any order. Before, the parameters were joined with "&" and "=" undelimited, so a value
// holding them (q=pioneer%26cat%3D2000) spelt the key of another search (q=pioneer&cat=2000 in that
// order of names) and could put its answer there for a second.
func TestAnswerKeys(t *testing.T) {
	same := [][2]string{
		{"t=search&q=a&cat=2000&apikey=one", "cat=2000&apikey=two&q=a&t=search"},
		{"t=search&q=a", "q=a&t=search&apikey="},
		{"t=search&q=a&q=b", "t=search&q=a&q=c"}, // only the first value is read
	}
	for _, p := range same {
		if keyOf(p[0]) != keyOf(p[1]) {
			t.Errorf("%s and %s have different keys", p[0], p[1])
		}
	}
	differ := [][2]string{
		{"a=1%26b%3D2", "a=1&b=2"},
		{"q=pioneer%26t%3Dsearch", "q=pioneer&t=search"},
		{"t=search&q=a", "t=search&q=b"},
		{"t=search", "t=search&q="},
	}
	for _, p := range differ {
		if keyOf(p[0]) == keyOf(p[1]) {
			t.Errorf("%s and %s share a key %q", p[0], p[1], keyOf(p[0]))
		}
	}
}
