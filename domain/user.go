package domain

import (
	"net/url"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// Account limits (API.md).
const (
	MinPasswordLength   = 8
	MaxPasswordLength   = 128
	MaxUserNameLength   = 100
	MaxEmailLength      = 254
	MaxImageURLLength   = 2048
	SessionLifetime     = 7 * 24 * time.Hour
	SessionRenewAfter   = 24 * time.Hour // a session is extended at most once a day, on use
	MaxActivityPage     = 100
	MaxActivityKey      = 64
	DefaultActivityPage = 20
)

// User is an account. PasswordHash is a PHC string; it never leaves the service.
type User struct {
	ID           string
	Email        string // normalized by NormalizeEmail, unique
	Name         string
	Image        string
	PasswordHash string
	CreatedAt    time.Time
	UpdatedAt    time.Time
}

// UserChange is a change to a stored account, column by column: a nil field stays as stored, even
// when another request changes it meanwhile, so two concurrent changes of different fields both
// hold (a name change cannot restore the password a concurrent password change replaced).
type UserChange struct {
	Name, Image, Email, PasswordHash *string
	// IfPasswordHash, when not empty, makes the change conditional: it applies only while the
	// stored hash is still this one, the hash the current password was verified against. A change
	// refused for it fails with ErrStale.
	IfPasswordHash string
	UpdatedAt      time.Time
}

// Changes tells whether the change names any field besides the time.
func (c UserChange) Changes() bool {
	return c.Name != nil || c.Image != nil || c.Email != nil || c.PasswordHash != nil
}

// Apply returns u with the change made, as a store that keeps u makes it.
func (c UserChange) Apply(u User) User {
	if c.Name != nil {
		u.Name = *c.Name
	}
	if c.Image != nil {
		u.Image = *c.Image
	}
	if c.Email != nil {
		u.Email = *c.Email
	}
	if c.PasswordHash != nil {
		u.PasswordHash = *c.PasswordHash
	}
	u.UpdatedAt = c.UpdatedAt
	return u
}

// NormalizeUserName trims a display name and checks it: 1 to 100 printable characters.
func NormalizeUserName(raw string) (string, error) {
	name := strings.TrimSpace(raw)
	switch {
	case name == "":
		return "", Invalid("name", "is required")
	case !utf8.ValidString(name):
		return "", Invalid("name", "must be valid UTF-8")
	case utf8.RuneCountInString(name) > MaxUserNameLength:
		return "", Invalid("name", "must be at most 100 characters")
	}
	for _, r := range name {
		if unicode.IsControl(r) {
			return "", Invalid("name", "must not contain control characters")
		}
	}
	return name, nil
}

// NormalizeImage checks a profile image URL: empty, or an absolute http(s) URL.
func NormalizeImage(raw string) (string, error) {
	image := strings.TrimSpace(raw)
	if image == "" {
		return "", nil
	}
	if len(image) > MaxImageURLLength {
		return "", Invalid("image", "must be at most 2048 characters")
	}
	u, err := url.Parse(image)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return "", Invalid("image", "must be an absolute http or https URL")
	}
	return image, nil
}

// Session is a signed-in client. ID is the keyed hash of the token the client holds: the token
// itself is never stored, so a leaked table cannot be replayed.
type Session struct {
	ID        string
	UserID    string
	CreatedAt time.Time
	ExpiresAt time.Time
}

// IsSessionID tells whether id has the shape of a session id: 64 lowercase hex digits, the keyed
// hash of a token. Stores refuse anything else, so a raw token can never be stored by mistake.
func IsSessionID(id string) bool {
	if len(id) != 64 {
		return false
	}
	for i := range len(id) {
		if c := id[i]; (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}

// CheckSessionID is IsSessionID as a validation error, for stores.
func CheckSessionID(id string) error {
	if !IsSessionID(id) {
		return Invalid("session", "id must be 64 lowercase hex digits (the keyed hash of the token)")
	}
	return nil
}

// CheckNewAccount is what every store checks before creating a user with its first session: the
// user has an id and an email, and the session is the user's, with a well-formed id.
func CheckNewAccount(u User, first Session) error {
	var problems ValidationError
	if u.ID == "" {
		problems.Add("id", "is required")
	}
	if u.Email == "" {
		problems.Add("email", "is required")
	}
	if first.UserID != u.ID {
		problems.Add("session", "belongs to another user")
	}
	if !IsSessionID(first.ID) {
		problems.Add("session", "id must be 64 lowercase hex digits (the keyed hash of the token)")
	}
	return problems.Err()
}

// Expired tells whether the session is over at now.
func (s Session) Expired(now time.Time) bool { return !now.Before(s.ExpiresAt) }

// DueForRenewal tells whether using the session at now should push its expiry out again; it is
// renewed at most once per SessionRenewAfter so a busy client does not write on every request.
func (s Session) DueForRenewal(now time.Time) bool {
	return s.ExpiresAt.Sub(now) < SessionLifetime-SessionRenewAfter
}

// ActivityType is what a signed-in user did.
type ActivityType string

// The recorded activities.
const (
	ActivityView   ActivityType = "view"
	ActivitySearch ActivityType = "search"
)

// Activity is one thing a signed-in user did: opened a torrent's details, or searched.
type Activity struct {
	ID        int64
	UserID    string
	Type      ActivityType
	TorrentID int64
	InfoHash  InfoHash
	Query     string
	CreatedAt time.Time
	// Key is chosen by whoever records the activity (random, at most 64 bytes) so that a write
	// re-sent after its answer was lost stores it once; empty: no such guarantee.
	Key string
}
