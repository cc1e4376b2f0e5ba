package ports

import "github.com/torrent-streamer/streamer/domain"

// Metainfo is what a .torrent file tells about its torrent.
type Metainfo struct {
	InfoHash   domain.InfoHash   // SHA-1 of the bencoded info dictionary; zero for a v2-only torrent
	InfoHashV2 domain.InfoHashV2 // SHA-256 of it, for v2 and hybrid torrents
	Name       string
	Files      []domain.File
	Size       int64
	Trackers   []string // announce, then the announce list, without duplicates
	WebSeeds   []string // url-list (BEP 19), without duplicates
}

// MetainfoDecoder reads .torrent files (BEP 3, BEP 52).
type MetainfoDecoder interface {
	// Decode parses a whole .torrent file. It fails with a *domain.ValidationError on malformed input.
	// It may be called from several goroutines at once (ingest.Service.Prepare checks a large batch so).
	Decode(raw []byte) (Metainfo, error)
}
