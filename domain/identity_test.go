package domain_test

import (
	"errors"
	"testing"

	"github.com/torrent-streamer/streamer/domain"
)

// Forms of one address are one address; forms that would look like another address are refused.
// Before, emails were only trimmed and lowercased: composed and decomposed "café", the fullwidth
// and zero-width-joiner variants were separate accounts that look identical, and "\xff@example.com"
// was accepted.
func TestEmailsThatLookTheSameAreTheSameOrRefused(t *testing.T) {
	same := []struct{ in, want string }{
		{"Café@Example.com", "café@example.com"},
		{"Cafe\u0301@example.com", "café@example.com"}, // decomposed
		{"ｃａｆé@ｅｘａｍｐｌｅ.ｃｏｍ", "café@example.com"},       // fullwidth
		{"  ADA@example.COM ", "ada@example.com"},
		{"\u212Aelvin@example.com", "kelvin@example.com"}, // the Kelvin sign folds to k: the account of "kelvin"
		{"иван@пример.рф", "иван@пример.рф"},
		{"ÅSA@example.se", "åsa@example.se"},
		{"山田@example.jp", "山田@example.jp"},
		{"user+tag@sub.example.co.uk", "user+tag@sub.example.co.uk"},
	}
	for _, c := range same {
		got, err := domain.NormalizeEmail(c.in)
		if err != nil || got != c.want {
			t.Errorf("NormalizeEmail(%q) = %q, %v; want %q", c.in, got, err, c.want)
		}
	}
	for _, in := range []string{
		"\xff@example.com",       // invalid UTF-8
		"caf\u200De@example.com", // zero-width joiner
		"ad\u200Ba@example.com",  // zero-width space
		"pаypal@example.com",     // a Cyrillic а among Latin letters
		"аре@example.com",        // all Cyrillic, imitating "ape"
		"ada@exаmple.com",        // a Cyrillic а in the domain
		"\uFB01le@example.com",   // the "fi" ligature, a compatibility form
		"a b@example.com",        // a space
		"ada\u0000@example.com",  // a control
		"ada@example",            // no dot in the domain
		"ada@example..com",       // an empty label
		"@example.com", "ada@", "", "not an email",
	} {
		if got, err := domain.NormalizeEmail(in); !errors.Is(err, domain.ErrInvalid) {
			t.Errorf("NormalizeEmail(%q) = %q, %v; want a validation error", in, got, err)
		}
	}
}

func TestPasswordsArePreparedWithOpaqueString(t *testing.T) {
	composed, err := domain.PreparePassword("password", "pässwörd-1")
	if err != nil {
		t.Fatal(err)
	}
	decomposed, err := domain.PreparePassword("password", "pa\u0308sswo\u0308rd-1")
	if err != nil || decomposed != composed {
		t.Fatalf("decomposed = %q, %v; want %q", decomposed, err, composed)
	}
	if got, err := domain.PreparePassword("password", "correct\u00A0horse"); err != nil || got != "correct horse" {
		t.Fatalf("a no-break space = %q, %v; want the ASCII space", got, err)
	}
	if got, err := domain.PreparePassword("password", "Correct Horse 1"); err != nil || got != "Correct Horse 1" {
		t.Fatalf("an ASCII password changed: %q, %v", got, err)
	}
	for _, in := range []string{"\xff\xfe-password", "pass\x00word", "tab\tpassword", "short"} {
		if _, err := domain.PreparePassword("password", in); !errors.Is(err, domain.ErrInvalid) {
			t.Errorf("PreparePassword(%q) = %v; want a validation error", in, err)
		}
	}
}
