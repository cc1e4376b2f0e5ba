package accounts

import (
	"context"

	"github.com/torrent-streamer/streamer/domain"
)

// verifyPassword checks a password as typed against a stored hash. Hashes are made over
// domain.PreparePassword's form; a hash made before passwords were prepared is over the form as
// typed, which is tried second only when the two differ (never for an ASCII password), so such an
// account still signs in.
func (s *Service) verifyPassword(ctx context.Context, hash, typed string) (bool, error) {
	prepared, err := domain.PreparePassword("password", typed)
	if err == nil {
		ok, err := s.Hasher.Verify(ctx, hash, prepared)
		if ok || err != nil || prepared == typed {
			return ok, err
		}
	}
	return s.Hasher.Verify(ctx, hash, typed)
}
