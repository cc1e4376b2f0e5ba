package catalog

import (
	"context"

	"github.com/torrent-streamer/streamer/application/caching"
	"github.com/torrent-streamer/streamer/domain"
)

// Details returns one torrent, named by its id or its v1 info hash, with its files and trackers.
func (s *Service) Details(ctx context.Context, idOrHash string) (domain.Torrent, error) {
	ref, err := domain.ParseTorrentRef(idOrHash)
	if err != nil {
		return domain.Torrent{}, err
	}
	key := s.cache.Key(ctx, KeySpace, "torrent", ref.String())
	// One row by its key: cheaper to read again than to share (see caching.FetchLocal).
	t, err := caching.FetchLocal(ctx, s.cache, key, s.ttl.Details, func(ctx context.Context) (domain.Torrent, error) {
		return s.torrents.Get(ctx, ref)
	})
	if err != nil {
		return domain.Torrent{}, err
	}
	if s.activity != nil {
		s.activity.RecordView(ctx, t.Summary())
	}
	return t, nil
}
