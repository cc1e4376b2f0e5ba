package domain

import (
	"net/url"
	"testing"
)

// appendQueryEscaped escapes as url.QueryEscape does, byte for byte.
func FuzzQueryEscaped(f *testing.F) {
	for _, s := range []string{"", "plain", "a b&c=d/e?f#g%h+i", "Été ★ \x00\x7f\xff", "udp://tracker.example:1337/announce"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if got, want := string(appendQueryEscaped(nil, s)), url.QueryEscape(s); got != want {
			t.Fatalf("appendQueryEscaped(%q) = %q, want %q", s, got, want)
		}
	})
}
