package domain

import (
	"strconv"
	"strings"
)

// MaxExternalID bounds TMDb and TVDb ids (both are positive 32-bit numbers today).
const MaxExternalID = 1<<31 - 1

// ExternalIDs are the torrent's content in the databases the *arr apps search by. Zero values
// mean unknown.
type ExternalIDs struct {
	IMDb string // "tt" and at least 7 digits
	TMDb int64
	TVDb int64
}

// ParseIMDbID reads an IMDb title id with or without its "tt" ("tt0133093", "0133093", "133093")
// and returns its canonical form: "tt" and at least 7 digits.
func ParseIMDbID(s string) (string, bool) {
	s = strings.TrimSpace(s)
	if len(s) >= 2 && strings.EqualFold(s[:2], "tt") {
		s = s[2:]
	}
	if s == "" || len(s) > 12 || !isDigits(s) {
		return "", false
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n <= 0 {
		return "", false
	}
	digits := strconv.FormatInt(n, 10)
	for len(digits) < 7 {
		digits = "0" + digits
	}
	return "tt" + digits, true
}

// IMDbDigits is the IMDb id without its "tt", as Torznab's imdb attribute carries it.
func (e ExternalIDs) IMDbDigits() string { return strings.TrimPrefix(e.IMDb, "tt") }

func (e *ExternalIDs) normalize(problems *ValidationError) {
	if e.IMDb != "" {
		id, ok := ParseIMDbID(e.IMDb)
		if !ok {
			problems.Add("imdbId", "must be an IMDb title id such as tt0133093")
		}
		e.IMDb = id
	}
	if e.TMDb < 0 || e.TMDb > MaxExternalID {
		problems.Add("tmdbId", "must be a positive TMDb id")
	}
	if e.TVDb < 0 || e.TVDb > MaxExternalID {
		problems.Add("tvdbId", "must be a positive TVDb id")
	}
}
