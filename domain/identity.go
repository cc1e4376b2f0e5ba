package domain

import (
	"net/mail"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/mtibben/confusables"
	"golang.org/x/text/secure/precis"
)

// Identities that cannot be confused. An email is an account's name: two accounts must never have
// emails that look the same. So an email is prepared once, here, with a standard profile, and what
// the profile cannot make equal is refused:
//
//   - each part (the local part, each label of the domain) is enforced with PRECIS's
//     UsernameCaseMapped profile (RFC 8265): fullwidth and halfwidth forms mapped to their usual
//     width, case folded once (the Kelvin sign K folds to k, so it is the account of "k"), NFC
//     (composed and decomposed "café" are one address), and anything outside the identifier class
//     refused (spaces, controls, zero-width joiners outside the scripts that need them,
//     compatibility forms such as "ﬁ" or mathematical letters);
//   - a part that mixes scripts is refused (UTS #39's highly restrictive level: one script, or Han
//     with the Japanese or Korean scripts, each with Latin): Latin with a Cyrillic "а" looks Latin;
//   - a part that is not ASCII but whose UTS #39 skeleton is ASCII is refused: it exists to look
//     like an ASCII address ("аре" in Cyrillic letters is "ape").
//
// Passwords are prepared with the matching profile for free-form secrets, OpaqueString (RFC 8265):
// other spaces mapped to the ASCII space, NFC, controls refused. What two keyboards send for the
// same password is then the same password. PreparePassword is what every hash is computed over.

// NormalizeEmail checks an address and returns its canonical form, the one stored and compared.
func NormalizeEmail(raw string) (string, error) {
	if !utf8.ValidString(raw) {
		return "", Invalid("email", "must be valid UTF-8")
	}
	trimmed := strings.TrimSpace(raw)
	if trimmed == "" {
		return "", Invalid("email", "is required")
	}
	if len(trimmed) > 4*MaxEmailLength {
		return "", Invalid("email", "must be at most 254 characters")
	}
	at := strings.LastIndexByte(trimmed, '@')
	if at <= 0 || at == len(trimmed)-1 {
		return "", Invalid("email", "must be a valid email address")
	}
	local, err := identityPart(trimmed[:at])
	if err != nil {
		return "", err
	}
	labels := strings.Split(trimmed[at+1:], ".")
	if len(labels) < 2 {
		return "", Invalid("email", "must be a valid email address")
	}
	for i, label := range labels {
		if labels[i], err = identityPart(label); err != nil {
			return "", err
		}
	}
	email := local + "@" + strings.Join(labels, ".")
	if len(email) > MaxEmailLength {
		return "", Invalid("email", "must be at most 254 characters")
	}
	addr, err := mail.ParseAddress(email)
	if err != nil || addr.Address != email || addr.Name != "" {
		return "", Invalid("email", "must be a valid email address")
	}
	return email, nil
}

// identityPart enforces the profile on one part of an address.
func identityPart(part string) (string, error) {
	if part == "" {
		return "", Invalid("email", "must be a valid email address")
	}
	out, err := precis.UsernameCaseMapped.String(part)
	if err != nil {
		return "", Invalid("email", "must not contain spaces, control, invisible or compatibility characters")
	}
	if isASCII(out) {
		return out, nil
	}
	if mixesScripts(out) {
		return "", Invalid("email", "must not mix scripts (such as Latin and Cyrillic letters) in one part")
	}
	if isASCII(confusables.Skeleton(out)) {
		return "", Invalid("email", "must not be made of letters that imitate plain ASCII ones")
	}
	return out, nil
}

func isASCII(s string) bool {
	for i := range len(s) {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// The scripts a part may combine (UTS #39, highly restrictive): Latin with Han and the Japanese
// kana, with Han and Bopomofo, or with Han and Hangul.
var scriptSets = [][]string{
	{"Latin", "Han", "Hiragana", "Katakana"},
	{"Latin", "Han", "Bopomofo"},
	{"Latin", "Han", "Hangul"},
}

func mixesScripts(s string) bool {
	seen := map[string]bool{}
	for _, r := range s {
		if !unicode.IsLetter(r) && !unicode.IsNumber(r) {
			continue
		}
		for name, table := range unicode.Scripts {
			if name != "Common" && name != "Inherited" && unicode.Is(table, r) {
				seen[name] = true
				break
			}
		}
	}
	if len(seen) <= 1 {
		return false
	}
	for _, set := range scriptSets {
		all := true
		for name := range seen {
			all = all && containsString(set, name)
		}
		if all {
			return false
		}
	}
	return true
}

func containsString(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// PreparePassword returns the form of a password that is hashed and verified: PRECIS OpaqueString
// (RFC 8265), then the length rules (8 to 128 characters). field names the input in the error. A
// legacy hash made over another form (Better Auth's NFKC) is verified over that form by its own
// scheme, and re-hashed over this one.
func PreparePassword(field, raw string) (string, error) {
	if !utf8.ValidString(raw) {
		return "", Invalid(field, "must be valid UTF-8")
	}
	prepared, err := precis.OpaqueString.String(raw)
	if err != nil {
		return "", Invalid(field, "must not contain control or unassigned characters")
	}
	if err := CheckPassword(field, prepared); err != nil {
		return "", err
	}
	return prepared, nil
}

// CheckPassword enforces the length rules: 8 to 128 characters. Any character is allowed.
func CheckPassword(field, password string) error {
	n := utf8.RuneCountInString(password)
	switch {
	case !utf8.ValidString(password):
		return Invalid(field, "must be valid UTF-8")
	case n < MinPasswordLength:
		return Invalid(field, "must be at least 8 characters")
	case n > MaxPasswordLength:
		return Invalid(field, "must be at most 128 characters")
	}
	return nil
}
