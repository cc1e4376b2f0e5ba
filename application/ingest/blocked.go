package ingest

import (
	"context"
	"strings"

	"github.com/torrent-streamer/streamer/domain"
)

// BlockedPage is one page of the takedown blocklist, by info hash. Next is the hash to ask after
// for the following page; "" on the last one.
type BlockedPage struct {
	Items []domain.BlockedHash
	Next  string
}

// ListBlocked pages through the blocklist in info hash order, limit hashes at a time (1 to
// domain.MaxPageSize, 0 for domain.DefaultPageSize), after the hash given, when one is.
func (s *Service) ListBlocked(ctx context.Context, after string, limit int) (BlockedPage, error) {
	if limit == 0 {
		limit = domain.DefaultPageSize
	}
	if limit < 1 || limit > domain.MaxPageSize {
		return BlockedPage{}, domain.Invalid("limit", "must be an integer from 1 to 100")
	}
	var from domain.InfoHash
	if after = strings.TrimSpace(after); after != "" {
		h, err := domain.ParseInfoHash(after)
		if err != nil {
			return BlockedPage{}, domain.Invalid("after", err.Error())
		}
		from = h
	}
	// One more than asked tells whether a next page exists.
	items, err := s.torrents.Blocked(ctx, from, limit+1)
	if err != nil {
		return BlockedPage{}, err
	}
	page := BlockedPage{Items: items}
	if len(items) > limit {
		page.Items = items[:limit]
		page.Next = items[limit-1].InfoHash.String()
	}
	return page, nil
}
