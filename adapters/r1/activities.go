package r1

import (
	"context"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/torrent-streamer/streamer/domain"
	"github.com/torrent-streamer/streamer/ports"
)

// ActivityRepository is ports.ActivityRepository on R1.
type ActivityRepository struct {
	db *Database
}

var _ ports.ActivityRepository = (*ActivityRepository)(nil)

// NewActivityRepository returns the activities stored in db.
func NewActivityRepository(db *Database) *ActivityRepository {
	return &ActivityRepository{db: db}
}

// An activity row binds seven parameters; a statement takes as many rows as D1's 100 allow.
const (
	activityParams        = 7
	activitiesPerInsert   = maxParams / activityParams
	activityInsertColumns = "INSERT INTO activities (user_id, type, torrent_id, info_hash, query, created_at, client_key) VALUES "
	// activityValues keeps NULL out of the parameters (D1 cannot send it): no torrent is 0, no
	// hash and no key is "", stored as NULL; a zero time is "", stamped with the store's clock.
	activityValues = "(?, ?, NULLIF(CAST(? AS INTEGER), 0), NULLIF(?, ''), ?, coalesce(CAST(NULLIF(?, '') AS INTEGER), unixepoch()), NULLIF(?, ''))"
	// activityOnConflict skips a row already stored under its key: the same batch sent again
	// after its answer was lost writes nothing twice.
	activityOnConflict = " ON CONFLICT (client_key) DO NOTHING"
	// maxActivityList bounds one List, whatever the caller asks.
	maxActivityList = 1000
)

// Append stores the activities in one batch: multi-row inserts of up to activitiesPerInsert rows
// each, all or none. Ids are assigned in the order given, increasing. A user that does not exist
// fails the whole batch (the foreign key).
func (r *ActivityRepository) Append(ctx context.Context, activities []domain.Activity) error {
	if len(activities) == 0 {
		return nil
	}
	if err := checkActivities(activities); err != nil {
		return err
	}
	statements := make([]Statement, 0, (len(activities)+activitiesPerInsert-1)/activitiesPerInsert)
	for chunk := range slices.Chunk(activities, activitiesPerInsert) {
		params := make([]any, 0, activityParams*len(chunk))
		for _, a := range chunk {
			hash := ""
			if !a.InfoHash.IsZero() {
				hash = a.InfoHash.String()
			}
			var created any = ""
			if !a.CreatedAt.IsZero() {
				created = a.CreatedAt.Unix()
			}
			params = append(params, a.UserID, string(a.Type), a.TorrentID, hash, validText(a.Query), created, a.Key)
		}
		statements = append(statements, Statement{
			SQL:    activityInsertColumns + strings.TrimSuffix(strings.Repeat(activityValues+", ", len(chunk)), ", ") + activityOnConflict,
			Params: params,
		})
	}
	_, err := r.db.batch(ctx, statements)
	return err
}

// checkActivities refuses a batch with an activity the table would refuse, before anything is
// written, and names it.
func checkActivities(activities []domain.Activity) error {
	var problems domain.ValidationError
	for i, a := range activities {
		if p := activityProblem(a); p != nil {
			problems.Add("activities["+strconv.Itoa(i)+"]."+p.Field, p.Message)
		}
	}
	return problems.Err()
}

func activityProblem(a domain.Activity) *domain.FieldProblem {
	switch {
	case a.UserID == "":
		return &domain.FieldProblem{Field: "userId", Message: "is required"}
	case a.Type != domain.ActivityView && a.Type != domain.ActivitySearch:
		return &domain.FieldProblem{Field: "type", Message: "must be view or search"}
	case a.TorrentID < 0:
		return &domain.FieldProblem{Field: "torrentId", Message: "must not be negative"}
	case len(a.Key) > domain.MaxActivityKey || !utf8.ValidString(a.Key):
		return &domain.FieldProblem{Field: "key", Message: "must be at most 64 bytes of UTF-8"}
	}
	return nil
}

// DeleteBefore deletes the activities recorded before t: a range of the created_at index.
func (r *ActivityRepository) DeleteBefore(ctx context.Context, t time.Time) (int64, error) {
	results, err := r.db.batch(ctx, []Statement{{
		SQL: "DELETE FROM activities WHERE created_at < CAST(? AS INTEGER)", Params: []any{t.Unix()},
	}})
	if err != nil {
		return 0, err
	}
	return results[0].Changes, nil
}

// List returns up to limit activities of the user, newest first, below beforeID when it is above
// zero: a backwards range scan of the (user_id, id) index. A limit of 0 means
// domain.DefaultActivityPage; others are brought into 1..maxActivityList.
func (r *ActivityRepository) List(ctx context.Context, userID string, limit int, beforeID int64) ([]domain.Activity, error) {
	if userID == "" {
		return nil, nil
	}
	s := Statement{SQL: `SELECT id, user_id, type, torrent_id, info_hash, query, created_at FROM activities
WHERE user_id = ?`, Params: []any{validText(userID)}}
	if beforeID > 0 {
		s.SQL += " AND id < CAST(? AS INTEGER)"
		s.Params = append(s.Params, beforeID)
	}
	s.SQL += " ORDER BY id DESC LIMIT CAST(? AS INTEGER)"
	s.Params = append(s.Params, activityLimit(limit))
	res, err := r.db.query(ctx, s)
	if err != nil {
		return nil, err
	}
	out := make([]domain.Activity, 0, len(res.Rows))
	for _, row := range res.Rows {
		rr := rowReader{row: row}
		a := domain.Activity{
			ID: rr.int("id"), UserID: rr.text("user_id"), Type: domain.ActivityType(rr.text("type")),
			TorrentID: rr.int("torrent_id"), Query: rr.text("query"), CreatedAt: rr.time("created_at"),
		}
		if hash := rr.text("info_hash"); hash != "" {
			h, err := domain.ParseInfoHash(hash)
			if err != nil {
				rr.fail("info_hash", err)
			}
			a.InfoHash = h
		}
		if rr.err != nil {
			return nil, rr.err
		}
		out = append(out, a)
	}
	return out, nil
}

func activityLimit(limit int) int {
	switch {
	case limit == 0:
		return domain.DefaultActivityPage
	case limit < 1:
		return 1
	case limit > maxActivityList:
		return maxActivityList
	}
	return limit
}
