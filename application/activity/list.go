package activity

import (
	"context"
	"strconv"

	"github.com/torrent-streamer/streamer/application/accounts"
	"github.com/torrent-streamer/streamer/domain"
	"github.com/torrent-streamer/streamer/ports"
)

// Page is one page of a user's activity, newest first.
type Page struct {
	Items      []domain.Activity
	NextCursor string
}

// Lister lists a user's activity.
type Lister struct {
	repo ports.ActivityRepository
}

// NewLister returns the activity listing use case.
func NewLister(repo ports.ActivityRepository) *Lister { return &Lister{repo: repo} }

// List returns the caller's activities, newest first. cursor is a NextCursor of an earlier page.
func (l *Lister) List(ctx context.Context, p accounts.Principal, limit int, cursor string) (Page, error) {
	if limit == 0 {
		limit = domain.DefaultActivityPage
	}
	if limit < 1 || limit > domain.MaxActivityPage {
		return Page{}, domain.Invalid("limit", "must be between 1 and 100")
	}
	var before int64
	if cursor != "" {
		id, err := strconv.ParseInt(cursor, 36, 64)
		if err != nil || id <= 0 {
			return Page{}, domain.Invalid("cursor", "is not a cursor this service made")
		}
		before = id
	}
	items, err := l.repo.List(ctx, p.User.ID, limit+1, before)
	if err != nil {
		return Page{}, err
	}
	page := Page{Items: items}
	if len(items) > limit {
		page.Items = items[:limit]
		page.NextCursor = strconv.FormatInt(page.Items[limit-1].ID, 36)
	}
	return page, nil
}
