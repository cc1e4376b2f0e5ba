package domain

import (
	"encoding/base32"
	"encoding/hex"
	"errors"
	"strings"
)

// InfoHash is a BitTorrent v1 info hash: the SHA-1 of the bencoded info dictionary.
type InfoHash [20]byte

// InfoHashV2 is a BitTorrent v2 info hash: the SHA-256 of the info dictionary (BEP 52).
type InfoHashV2 [32]byte

var errInfoHashFormat = errors.New("must be 40 hexadecimal or 32 base32 characters")

// ParseInfoHash accepts a v1 info hash as 40 hex characters (either case) or 32 base32 characters
// (either case), the two forms magnet links use.
func ParseInfoHash(s string) (InfoHash, error) {
	var h InfoHash
	switch len(s) {
	case 40:
		if _, err := hex.Decode(h[:], []byte(s)); err != nil {
			return InfoHash{}, errInfoHashFormat
		}
	case 32:
		n, err := base32.StdEncoding.Decode(h[:], []byte(strings.ToUpper(s)))
		if err != nil || n != len(h) {
			return InfoHash{}, errInfoHashFormat
		}
	default:
		return InfoHash{}, errInfoHashFormat
	}
	if h.IsZero() {
		return InfoHash{}, errors.New("must not be all zeros")
	}
	return h, nil
}

// LooksLikeInfoHash tells whether s has the length of a v1 info hash in one of its two forms; a
// caller uses it to choose between an id and a hash before parsing.
func LooksLikeInfoHash(s string) bool { return len(s) == 40 || len(s) == 32 }

// String is the canonical form: 40 lowercase hex characters.
func (h InfoHash) String() string { return hex.EncodeToString(h[:]) }

// IsZero reports whether the hash is unset.
func (h InfoHash) IsZero() bool { return h == InfoHash{} }

// MarshalText writes the canonical form, and nothing for an unset hash.
func (h InfoHash) MarshalText() ([]byte, error) {
	if h.IsZero() {
		return []byte{}, nil
	}
	return []byte(h.String()), nil
}

// UnmarshalText accepts every form ParseInfoHash does, and nothing for an unset hash.
func (h *InfoHash) UnmarshalText(b []byte) error {
	if len(b) == 0 {
		*h = InfoHash{}
		return nil
	}
	parsed, err := ParseInfoHash(string(b))
	if err != nil {
		return err
	}
	*h = parsed
	return nil
}

// multihashSHA256 is the multihash prefix of a SHA-256 digest: code 0x12, length 0x20.
const multihashSHA256 = "1220"

// ParseInfoHashV2 accepts a v2 info hash as 64 hex characters, or as the 68-character multihash form
// ("1220" + 64 hex) used in magnet links' btmh.
func ParseInfoHashV2(s string) (InfoHashV2, error) {
	var h InfoHashV2
	if len(s) == 68 && strings.HasPrefix(s, multihashSHA256) {
		s = s[4:]
	}
	if len(s) != 64 {
		return InfoHashV2{}, errors.New("must be a SHA-256 multihash: 1220 followed by 64 hexadecimal characters")
	}
	if _, err := hex.Decode(h[:], []byte(s)); err != nil {
		return InfoHashV2{}, errors.New("must be a SHA-256 multihash: 1220 followed by 64 hexadecimal characters")
	}
	if h.IsZero() {
		return InfoHashV2{}, errors.New("must not be all zeros")
	}
	return h, nil
}

// String is 64 lowercase hex characters.
func (h InfoHashV2) String() string { return hex.EncodeToString(h[:]) }

// Multihash is the btmh form: "1220" followed by the hex digest.
func (h InfoHashV2) Multihash() string { return multihashSHA256 + h.String() }

// IsZero reports whether the hash is unset.
func (h InfoHashV2) IsZero() bool { return h == InfoHashV2{} }

// MarshalText writes 64 lowercase hex characters, and nothing for an unset hash (a torrent
// without v2 metadata): 64 zeros would be a hash that parsing refuses.
func (h InfoHashV2) MarshalText() ([]byte, error) {
	if h.IsZero() {
		return []byte{}, nil
	}
	return []byte(h.String()), nil
}

// UnmarshalText accepts every form ParseInfoHashV2 does, and nothing for an unset hash.
func (h *InfoHashV2) UnmarshalText(b []byte) error {
	if len(b) == 0 {
		*h = InfoHashV2{}
		return nil
	}
	parsed, err := ParseInfoHashV2(string(b))
	if err != nil {
		return err
	}
	*h = parsed
	return nil
}
