package ingest

import (
	"context"
	"fmt"
	"strings"

	"github.com/torrent-streamer/streamer/domain"
)

// MaxTakedown bounds the info hashes of one takedown, as MaxBatch bounds an ingest.
const MaxTakedown = 1000

// TakedownStatus is what a takedown did to one info hash.
type TakedownStatus string

// The takedown statuses. Every valid hash ends on the blocklist: removed says the catalog held a
// torrent with it, blocked that it did not (a preventive takedown, so a later ingest or import
// cannot bring it in).
const (
	TakedownRemoved TakedownStatus = "removed"
	TakedownBlocked TakedownStatus = "blocked"
	TakedownFailed  TakedownStatus = "failed"
)

// TakedownResult reports one info hash, by its index in the request.
type TakedownResult struct {
	Index    int
	InfoHash string // canonical (40 lowercase hex); "" when it could not be read
	Status   TakedownStatus
	ID       int64 // the removed torrent's id
	Problem  *domain.FieldProblem
}

// TakedownReport is the outcome of a takedown.
type TakedownReport struct {
	Removed int
	Blocked int
	Failed  int
	Results []TakedownResult
}

// TakeDown removes the torrents with these info hashes from the catalog and blocks every hash, so
// ingest and import refuse it until Unblock. A hash that cannot be read fails alone; the others are
// taken down in one atomic write. The catalog's cached answers are invalidated when a torrent went
// (see caching.Torrents), so search, latest, details and the category counts on this instance stop
// showing it at once, and on others within the policy's bounds.
func (s *Service) TakeDown(ctx context.Context, infoHashes []string) (TakedownReport, error) {
	if len(infoHashes) == 0 || len(infoHashes) > MaxTakedown {
		return TakedownReport{}, domain.Invalid("infoHashes", fmt.Sprintf("must hold 1 to %d info hashes", MaxTakedown))
	}
	report := TakedownReport{Results: make([]TakedownResult, len(infoHashes))}
	hashes := make([]domain.InfoHash, 0, len(infoHashes))
	seen := make(map[domain.InfoHash]bool, len(infoHashes))
	for i, raw := range infoHashes {
		report.Results[i] = TakedownResult{Index: i}
		h, err := domain.ParseInfoHash(strings.TrimSpace(raw))
		if err != nil {
			report.Results[i].Status = TakedownFailed
			report.Results[i].Problem = &domain.FieldProblem{Field: fmt.Sprintf("infoHashes[%d]", i), Message: err.Error()}
			report.Failed++
			continue
		}
		report.Results[i].InfoHash = h.String()
		if !seen[h] {
			seen[h] = true
			hashes = append(hashes, h)
		}
	}
	if len(hashes) == 0 {
		return report, nil
	}
	outcomes, err := s.torrents.TakeDown(ctx, hashes)
	if err != nil {
		return TakedownReport{}, err
	}
	if len(outcomes) != len(hashes) {
		return TakedownReport{}, fmt.Errorf("takedown: store returned %d outcomes for %d hashes", len(outcomes), len(hashes))
	}
	byHash := make(map[string]domain.TakedownOutcome, len(outcomes))
	for _, o := range outcomes {
		byHash[o.InfoHash.String()] = o
	}
	for i := range report.Results {
		r := &report.Results[i]
		if r.Status == TakedownFailed {
			continue
		}
		// A hash given twice gets the same result twice.
		if o := byHash[r.InfoHash]; o.Removed {
			r.Status, r.ID = TakedownRemoved, o.ID
			report.Removed++
		} else {
			r.Status = TakedownBlocked
			report.Blocked++
		}
	}
	s.log.Info("taken down", "removed", report.Removed, "blocked", report.Blocked, "failed", report.Failed)
	return report, nil
}

// TakeDownOne removes one torrent, named as GET /api/torrents/{id} names it (its id or its v1 info
// hash), and blocks its hash. It is domain.ErrNotFound when the catalog holds no such torrent, and
// then blocks nothing: blocking a hash the catalog never held is TakeDown's preventive form.
func (s *Service) TakeDownOne(ctx context.Context, idOrHash string) (domain.Torrent, error) {
	ref, err := domain.ParseTorrentRef(idOrHash)
	if err != nil {
		return domain.Torrent{}, err
	}
	t, err := s.torrents.Get(ctx, ref)
	if err != nil {
		return domain.Torrent{}, err
	}
	outcomes, err := s.torrents.TakeDown(ctx, []domain.InfoHash{t.InfoHash})
	if err != nil {
		return domain.Torrent{}, err
	}
	if len(outcomes) != 1 || !outcomes[0].Removed {
		// Taken down by a concurrent request between the read and the write: blocked all the same.
		return domain.Torrent{}, domain.ErrNotFound
	}
	s.log.Info("taken down", "removed", 1, "id", t.ID, "infoHash", t.InfoHash.String())
	return t, nil
}
