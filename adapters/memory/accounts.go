package memory

import (
	"context"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/torrent-streamer/streamer/domain"
	"github.com/torrent-streamer/streamer/ports"
)

// Accounts is one in-process store of users, sessions and activities. Its three repositories share
// it, the way the SQL ones share a database, so a sign-up (user and first session) and a password
// change (profile and the end of other sessions) are each one step under one lock. It keeps what R1
// keeps: times in whole seconds (rounded down, in UTC), session ids of the keyed hash's shape, and
// it refuses what R1's tables refuse. It is safe for concurrent use.
type Accounts struct {
	clock ports.Clock

	mu             sync.RWMutex
	users          map[string]domain.User
	userByEmail    map[string]string              // email -> user id
	sessions       map[string]domain.Session      // by id
	userSessions   map[string]map[string]struct{} // user id -> its session ids
	activities     map[string][]domain.Activity   // user id -> its activities, by id ascending
	activityKeys   map[string]struct{}            // the keys of the stored activities
	lastActivityID int64
	apiKeys        map[string]domain.APIKey // by id
}

// NewAccounts returns an empty store. A nil clock means the wall clock; it stamps activities
// appended without a time.
func NewAccounts(clock ports.Clock) *Accounts {
	if clock == nil {
		clock = ports.SystemClock{}
	}
	return &Accounts{
		clock:        clock,
		users:        make(map[string]domain.User),
		userByEmail:  make(map[string]string),
		sessions:     make(map[string]domain.Session),
		userSessions: make(map[string]map[string]struct{}),
		activities:   make(map[string][]domain.Activity),
		activityKeys: make(map[string]struct{}),
		apiKeys:      make(map[string]domain.APIKey),
	}
}

// APIKeys returns the API key repository over the store.
func (a *Accounts) APIKeys() *APIKeyRepository { return &APIKeyRepository{a: a} }

// Users returns the user repository over the store.
func (a *Accounts) Users() *UserRepository { return &UserRepository{a: a} }

// Sessions returns the session repository over the store.
func (a *Accounts) Sessions() *SessionRepository { return &SessionRepository{a: a} }

// Activities returns the activity repository over the store.
func (a *Accounts) Activities() *ActivityRepository { return &ActivityRepository{a: a} }

// storedTime is a time as the store keeps it: whole seconds, UTC, no monotonic reading.
func storedTime(t time.Time) time.Time {
	if t.IsZero() {
		return time.Time{}
	}
	return time.Unix(t.Unix(), 0).UTC()
}

// UserRepository is the store's users, implementing ports.UserRepository.
type UserRepository struct{ a *Accounts }

var _ ports.UserRepository = (*UserRepository)(nil)

// Create stores the user and its first session together: both or neither.
func (r *UserRepository) Create(ctx context.Context, u domain.User, first domain.Session) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := domain.CheckNewAccount(u, first); err != nil {
		return err
	}
	a := r.a
	a.mu.Lock()
	defer a.mu.Unlock()
	if old, taken := a.users[u.ID]; taken {
		if s, ok := a.sessions[first.ID]; ok && old.Email == u.Email && old.PasswordHash == u.PasswordHash && s.UserID == u.ID {
			return nil // this very account, created by an earlier send of this call
		}
		return &domain.ConflictError{Field: "id", Message: "already exists"}
	}
	if _, taken := a.userByEmail[u.Email]; taken {
		return &domain.ConflictError{Field: "email", Message: "is already registered"}
	}
	if _, taken := a.sessions[first.ID]; taken {
		return &domain.ConflictError{Field: "id", Message: "already exists"}
	}
	a.putUserLocked(u)
	a.putSessionLocked(first)
	return nil
}

func (a *Accounts) putUserLocked(u domain.User) {
	u.CreatedAt, u.UpdatedAt = storedTime(u.CreatedAt), storedTime(u.UpdatedAt)
	a.users[u.ID] = u
	a.userByEmail[u.Email] = u.ID
}

func (a *Accounts) putSessionLocked(s domain.Session) {
	s.CreatedAt, s.ExpiresAt = storedTime(s.CreatedAt), storedTime(s.ExpiresAt)
	a.sessions[s.ID] = s
	ids := a.userSessions[s.UserID]
	if ids == nil {
		ids = make(map[string]struct{})
		a.userSessions[s.UserID] = ids
	}
	ids[s.ID] = struct{}{}
}

func (a *Accounts) deleteSessionLocked(id string) {
	s, ok := a.sessions[id]
	if !ok {
		return
	}
	delete(a.sessions, id)
	if ids := a.userSessions[s.UserID]; ids != nil {
		delete(ids, id)
		if len(ids) == 0 {
			delete(a.userSessions, s.UserID)
		}
	}
}

// ByID returns the user with that id; domain.ErrNotFound when there is none.
func (r *UserRepository) ByID(ctx context.Context, id string) (domain.User, error) {
	if err := ctx.Err(); err != nil {
		return domain.User{}, err
	}
	r.a.mu.RLock()
	defer r.a.mu.RUnlock()
	u, ok := r.a.users[id]
	if !ok {
		return domain.User{}, domain.ErrNotFound
	}
	return u, nil
}

// ByEmail returns the user with that (normalized) email; domain.ErrNotFound when there is none.
func (r *UserRepository) ByEmail(ctx context.Context, email string) (domain.User, error) {
	if err := ctx.Err(); err != nil {
		return domain.User{}, err
	}
	r.a.mu.RLock()
	defer r.a.mu.RUnlock()
	id, ok := r.a.userByEmail[email]
	if !ok {
		return domain.User{}, domain.ErrNotFound
	}
	return r.a.users[id], nil
}

// Update applies the change column by column and, with endSessions, deletes every other session of
// the user in the same step, returning the stored user and the ended ids in order.
func (r *UserRepository) Update(ctx context.Context, id string, change domain.UserChange, endSessions bool, keepSession string) (domain.User, []string, error) {
	if err := ctx.Err(); err != nil {
		return domain.User{}, nil, err
	}
	if change.Email != nil && *change.Email == "" {
		return domain.User{}, nil, domain.Invalid("email", "is required")
	}
	a := r.a
	a.mu.Lock()
	defer a.mu.Unlock()
	old, ok := a.users[id]
	if !ok {
		return domain.User{}, nil, domain.ErrNotFound
	}
	if change.IfPasswordHash != "" && change.IfPasswordHash != old.PasswordHash &&
		(change.PasswordHash == nil || *change.PasswordHash != old.PasswordHash) {
		// (A stored hash equal to the new one is this very change, made by an earlier send.)
		return domain.User{}, nil, domain.ErrStale
	}
	u := change.Apply(old)
	if owner, taken := a.userByEmail[u.Email]; taken && owner != id {
		return domain.User{}, nil, &domain.ConflictError{Field: "email", Message: "is already registered"}
	}
	delete(a.userByEmail, old.Email)
	a.putUserLocked(u)
	u = a.users[id]
	if !endSessions {
		return u, nil, nil
	}
	var ended []string
	for sid := range a.userSessions[id] {
		if sid != keepSession {
			ended = append(ended, sid)
		}
	}
	for _, sid := range ended {
		a.deleteSessionLocked(sid)
	}
	slices.Sort(ended)
	return u, ended, nil
}

// Delete removes the user, its sessions and its activities in one step, and returns the ids of
// the sessions it ended, in order.
func (r *UserRepository) Delete(ctx context.Context, id string) ([]string, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	a := r.a
	a.mu.Lock()
	defer a.mu.Unlock()
	u, ok := a.users[id]
	if !ok {
		return nil, domain.ErrNotFound
	}
	var ended []string
	for sid := range a.userSessions[id] {
		ended = append(ended, sid)
	}
	for _, sid := range ended {
		a.deleteSessionLocked(sid)
	}
	for _, act := range a.activities[id] {
		delete(a.activityKeys, act.Key)
	}
	delete(a.activities, id)
	for kid, k := range a.apiKeys {
		if k.UserID == id {
			delete(a.apiKeys, kid)
		}
	}
	delete(a.userByEmail, u.Email)
	delete(a.users, id)
	slices.Sort(ended)
	return ended, nil
}

// SessionRepository is the store's sessions, implementing ports.SessionRepository.
type SessionRepository struct{ a *Accounts }

var _ ports.SessionRepository = (*SessionRepository)(nil)

// Create stores a session of an existing user; domain.ErrNotFound when the user does not exist,
// a *domain.ConflictError when the id is taken.
func (r *SessionRepository) Create(ctx context.Context, s domain.Session) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := domain.CheckSessionID(s.ID); err != nil {
		return err
	}
	a := r.a
	a.mu.Lock()
	defer a.mu.Unlock()
	if _, ok := a.users[s.UserID]; !ok {
		return domain.ErrNotFound
	}
	if old, taken := a.sessions[s.ID]; taken {
		if old.UserID == s.UserID && old.ExpiresAt.Equal(storedTime(s.ExpiresAt)) {
			return nil // this very session, created by an earlier send of this call
		}
		return &domain.ConflictError{Field: "id", Message: "already exists"}
	}
	a.putSessionLocked(s)
	return nil
}

// Get returns a session, expired or not; domain.ErrNotFound when there is none.
func (r *SessionRepository) Get(ctx context.Context, id string) (domain.Session, error) {
	if err := ctx.Err(); err != nil {
		return domain.Session{}, err
	}
	r.a.mu.RLock()
	defer r.a.mu.RUnlock()
	s, ok := r.a.sessions[id]
	if !ok {
		return domain.Session{}, domain.ErrNotFound
	}
	return s, nil
}

// Extend moves a session's expiry; domain.ErrNotFound when there is no such session.
func (r *SessionRepository) Extend(ctx context.Context, id string, expiresAt time.Time) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	r.a.mu.Lock()
	defer r.a.mu.Unlock()
	s, ok := r.a.sessions[id]
	if !ok {
		return domain.ErrNotFound
	}
	s.ExpiresAt = storedTime(expiresAt)
	r.a.sessions[id] = s
	return nil
}

// Delete removes a session; an unknown id is not an error.
func (r *SessionRepository) Delete(ctx context.Context, id string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	r.a.mu.Lock()
	defer r.a.mu.Unlock()
	r.a.deleteSessionLocked(id)
	return nil
}

// DeleteExpired removes the sessions that are over at now (domain.Session.Expired, on the stored
// whole seconds) and says how many.
func (r *SessionRepository) DeleteExpired(ctx context.Context, now time.Time) (int64, error) {
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	r.a.mu.Lock()
	defer r.a.mu.Unlock()
	var expired []string
	for id, s := range r.a.sessions {
		if s.Expired(now) {
			expired = append(expired, id)
		}
	}
	for _, id := range expired {
		r.a.deleteSessionLocked(id)
	}
	return int64(len(expired)), nil
}

// ActivityRepository is the store's activities, implementing ports.ActivityRepository.
type ActivityRepository struct{ a *Accounts }

var _ ports.ActivityRepository = (*ActivityRepository)(nil)

// maxActivityList bounds one List, whatever the caller asks.
const maxActivityList = 1000

// Append stores the activities in one step, all or none, with ids increasing in the order given.
// An activity of a user that does not exist fails the whole call, as R1's foreign key does.
func (r *ActivityRepository) Append(ctx context.Context, activities []domain.Activity) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if len(activities) == 0 {
		return nil
	}
	var problems domain.ValidationError
	for i, act := range activities {
		field := "activities[" + strconv.Itoa(i) + "]."
		switch {
		case act.UserID == "":
			problems.Add(field+"userId", "is required")
		case act.Type != domain.ActivityView && act.Type != domain.ActivitySearch:
			problems.Add(field+"type", "must be view or search")
		case act.TorrentID < 0:
			problems.Add(field+"torrentId", "must not be negative")
		case len(act.Key) > domain.MaxActivityKey:
			problems.Add(field+"key", "must be at most 64 bytes")
		}
	}
	if err := problems.Err(); err != nil {
		return err
	}
	a := r.a
	a.mu.Lock()
	defer a.mu.Unlock()
	for _, act := range activities {
		if _, ok := a.users[act.UserID]; !ok {
			return &domain.ConflictError{Field: "user_id", Message: "refers to something that does not exist"}
		}
	}
	now := storedTime(a.clock.Now())
	for _, act := range activities {
		if act.Key != "" {
			if _, seen := a.activityKeys[act.Key]; seen {
				continue
			}
			a.activityKeys[act.Key] = struct{}{}
		}
		a.lastActivityID++
		act.ID = a.lastActivityID
		act.Query = strings.ToValidUTF8(act.Query, "\uFFFD")
		if act.CreatedAt.IsZero() {
			act.CreatedAt = now
		} else {
			act.CreatedAt = storedTime(act.CreatedAt)
		}
		a.activities[act.UserID] = append(a.activities[act.UserID], act)
	}
	return nil
}

// DeleteBefore deletes the activities recorded before t.
func (r *ActivityRepository) DeleteBefore(ctx context.Context, t time.Time) (int64, error) {
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	a := r.a
	a.mu.Lock()
	defer a.mu.Unlock()
	var n int64
	for user, list := range a.activities {
		kept := list[:0]
		for _, act := range list {
			if act.CreatedAt.Before(storedTime(t)) {
				delete(a.activityKeys, act.Key)
				n++
				continue
			}
			kept = append(kept, act)
		}
		if len(kept) == 0 {
			delete(a.activities, user)
		} else {
			a.activities[user] = kept
		}
	}
	return n, nil
}

// List returns up to limit activities of the user, newest first, below beforeID when it is above
// zero. A limit of 0 means domain.DefaultActivityPage; others are brought into 1..maxActivityList.
func (r *ActivityRepository) List(ctx context.Context, userID string, limit int, beforeID int64) ([]domain.Activity, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	switch {
	case limit == 0:
		limit = domain.DefaultActivityPage
	case limit < 1:
		limit = 1
	case limit > maxActivityList:
		limit = maxActivityList
	}
	r.a.mu.RLock()
	defer r.a.mu.RUnlock()
	all := r.a.activities[userID]
	end := len(all)
	if beforeID > 0 {
		end = sort.Search(len(all), func(i int) bool { return all[i].ID >= beforeID })
	}
	out := make([]domain.Activity, 0, min(limit, end))
	for i := end - 1; i >= 0 && len(out) < limit; i-- {
		out = append(out, all[i])
	}
	return out, nil
}
