package ingest

import (
	"context"
	"strings"

	"github.com/torrent-streamer/streamer/domain"
)

// Unblock takes an info hash off the takedown blocklist, so ingest and import accept it again. It
// brings nothing back: the torrent returns when it is next ingested. domain.ErrNotFound when the
// hash is not blocked.
func (s *Service) Unblock(ctx context.Context, infoHash string) error {
	h, err := domain.ParseInfoHash(strings.TrimSpace(infoHash))
	if err != nil {
		return domain.Invalid("infoHash", err.Error())
	}
	was, err := s.torrents.Unblock(ctx, h)
	if err != nil {
		return err
	}
	if !was {
		return domain.ErrNotFound
	}
	s.log.Info("unblocked", "infoHash", h.String())
	return nil
}
