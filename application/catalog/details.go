package catalog

import (
	"context"

	"github.com/torrent-streamer/streamer/domain"
)

// Details returns one torrent, named by its id or its v1 info hash, with its files and trackers.
func (s *Service) Details(ctx context.Context, idOrHash string) (domain.Torrent, error) {
	ref, err := domain.ParseTorrentRef(idOrHash)
	if err != nil {
		return domain.Torrent{}, err
	}
	t, err := s.torrents.Get(ctx, ref)
	if err != nil {
		return domain.Torrent{}, err
	}
	if s.activity != nil {
		s.activity.RecordView(ctx, t.Summary())
	}
	return t, nil
}
