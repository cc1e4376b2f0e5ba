package ingest

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"log/slog"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/torrent-streamer/streamer/application/caching"
	"github.com/torrent-streamer/streamer/domain"
	"github.com/torrent-streamer/streamer/ports"
)

// Batch and item limits.
const (
	MaxBatch = 1000
	// MaxBulkBatch bounds a batch that Prepare takes from an import or a bulk load, not over HTTP.
	// The local store writes it in one statement and one transaction, and each of those costs the
	// same fixed work whatever its size (the full-text index writes one segment per statement, which
	// it later merges): 5000 torrents a batch took about a seventh less CPU a torrent than 1000 in
	// tests/bench. Larger would hold the single writer longer (about a second here) while an account
	// write waits.
	MaxBulkBatch = 5000
	// MaxTorrentFile bounds a decoded .torrent file; the request body limit (10 MiB) bounds the batch.
	MaxTorrentFile = 8 << 20
)

// Item is one torrent as a client submits it. Exactly what identifies it may come from InfoHash,
// Magnet or TorrentFile (base64); the magnet and the file fill in what the item leaves empty.
type Item struct {
	InfoHash    string
	Magnet      string
	TorrentFile string
	Name        string
	Size        int64
	Category    string
	Seeders     int64
	Leechers    int64
	UploadedAt  time.Time
	Description string
	Files       []domain.File
	Trackers    []string
	WebSeeds    []string
	External    domain.ExternalIDs
}

// Status is what happened to one item.
type Status string

// The item statuses.
const (
	Created Status = "created"
	Updated Status = "updated"
	Failed  Status = "failed"
	// Blocked: the info hash was taken down (see TakeDown) and stays out until it is unblocked.
	Blocked Status = "blocked"
	// Unchanged: the torrent was stored exactly so already, and nothing was written. The REST
	// answer keeps API.md's statuses and says "updated" (see adapters/rest/ingest.go); an import
	// reports it as it is.
	Unchanged Status = "unchanged"
)

// ItemResult reports one item, by its index in the batch.
type ItemResult struct {
	Index    int
	InfoHash string
	Status   Status
	Problem  *domain.FieldProblem
}

// Report is the outcome of a batch.
type Report struct {
	Created   int
	Updated   int
	Failed    int
	Blocked   int
	Unchanged int
	Results   []ItemResult
}

// blockedProblem tells the client why a valid item was not stored, and how to let it in again.
var blockedProblem = domain.FieldProblem{Field: "infoHash",
	Message: "was taken down and is blocked: unblock it (DELETE /api/torrents/takedown/{infoHash}) to ingest it again"}

// Service ingests batches.
type Service struct {
	torrents ports.TorrentRepository
	decoder  ports.MetainfoDecoder
	clock    ports.Clock
	log      *slog.Logger
}

// NewService returns the ingest use case.
func NewService(torrents ports.TorrentRepository, decoder ports.MetainfoDecoder, cache *caching.Store, clock ports.Clock, log *slog.Logger) *Service {
	// Through the cache, an upsert invalidates what it changed (see caching.Torrents).
	return &Service{torrents: caching.Torrents(torrents, cache), decoder: decoder, clock: clock, log: log}
}

// Ingest checks every item, upserts the valid ones in one call to the store (which invalidates
// what they change in the cache: see caching.Torrents). An invalid item fails
// alone; a store failure fails the call (nothing of the report would be true), and as the upsert is
// idempotent the client can send the batch again.
func (s *Service) Ingest(ctx context.Context, items []Item) (Report, error) {
	if len(items) > MaxBatch {
		return Report{}, domain.Invalid("torrents", fmt.Sprintf("must hold 1 to %d torrents", MaxBatch))
	}
	p, err := s.Prepare(items)
	if err != nil {
		return Report{}, err
	}
	return s.Store(ctx, p)
}

// Prepared is a batch checked and ready to store: the torrents the valid items describe, and the
// report of the invalid ones.
type Prepared struct {
	report     Report
	valid      []domain.Torrent
	validIndex []int
}

// Prepare checks a batch without storing it: Ingest is Prepare then Store. An import prepares one
// batch while the store writes the one before. Such a caller's batches may hold up to MaxBulkBatch
// items; Ingest's, MaxBatch.
//
// A large batch is checked on several goroutines (one a core, see checkers), as the checks are CPU
// work that any idle core can take while the store writes; the outcome is the same as one
// goroutine's, in the same order.
func (s *Service) Prepare(items []Item) (Prepared, error) {
	return s.prepare(items, checkers(len(items)))
}

// checkChunk is how many items a checker takes at a time, and parallelFrom the batch size from
// which Prepare uses more than one: below it, starting them would cost more than it saves.
const (
	checkChunk   = 128
	parallelFrom = 4 * checkChunk
)

// checkers is how many goroutines check a batch of n items.
func checkers(n int) int {
	if n < parallelFrom {
		return 1
	}
	return min(runtime.GOMAXPROCS(0), n/checkChunk)
}

func (s *Service) prepare(items []Item, workers int) (Prepared, error) {
	if len(items) == 0 || len(items) > MaxBulkBatch {
		return Prepared{}, domain.Invalid("torrents", fmt.Sprintf("must hold 1 to %d torrents", MaxBulkBatch))
	}
	now := s.clock.Now()
	torrents := make([]domain.Torrent, len(items))
	errs := make([]error, len(items))
	s.check(items, torrents, errs, now, workers)
	report := Report{Results: make([]ItemResult, len(items))}
	valid := torrents[:0] // the valid ones, moved down in place
	validIndex := make([]int, 0, len(items))
	for i := range items {
		t, err := torrents[i], errs[i]
		report.Results[i] = ItemResult{Index: i}
		if !t.InfoHash.IsZero() {
			report.Results[i].InfoHash = t.InfoHash.String()
		}
		if err != nil {
			report.Results[i].Status = Failed
			report.Results[i].Problem = firstProblem(err)
			report.Failed++
			continue
		}
		valid = append(valid, t)
		validIndex = append(validIndex, i)
	}
	clear(torrents[len(valid):]) // what was moved down is not kept twice
	return Prepared{report: report, valid: valid, validIndex: validIndex}, nil
}

// check builds each item's torrent into torrents and its problem into errs, on workers goroutines
// that take checkChunk items at a time. A panic in one of them is raised again in the caller's,
// as it would have been without them (an HTTP handler's recovery still sees it).
func (s *Service) check(items []Item, torrents []domain.Torrent, errs []error, now time.Time, workers int) {
	if workers <= 1 {
		for i, item := range items {
			torrents[i], errs[i] = s.torrentOf(item, now)
		}
		return
	}
	var next atomic.Int64
	var panicked atomic.Value
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() {
				if v := recover(); v != nil {
					panicked.CompareAndSwap(nil, checkPanic{v})
				}
			}()
			for {
				from := int(next.Add(checkChunk)) - checkChunk
				if from >= len(items) {
					return
				}
				for i := from; i < min(from+checkChunk, len(items)); i++ {
					torrents[i], errs[i] = s.torrentOf(items[i], now)
				}
			}
		}()
	}
	wg.Wait()
	if v := panicked.Load(); v != nil {
		panic(v.(checkPanic).value)
	}
}

// checkPanic carries what a checker panicked with to the caller's goroutine.
type checkPanic struct{ value any }

// Store upserts a prepared batch and reports every item of it.
func (s *Service) Store(ctx context.Context, p Prepared) (Report, error) {
	report, valid, validIndex := p.report, p.valid, p.validIndex
	report.Results = slices.Clone(report.Results)
	if len(valid) == 0 {
		return report, nil
	}
	// A crawler's or an import's batch yields its turns at the store to the reads clients wait for
	// (ports.BackgroundYield), unless its caller ranks it already.
	if !ports.HasPriority(ctx) {
		ctx = ports.WithPriority(ctx, ports.Background, time.Now())
	}
	outcomes, err := s.torrents.Upsert(ctx, valid)
	// The store may refuse items the domain accepted (a row it cannot hold): those fail alone,
	// under their index in the request, and the others are stored. Each round drops at least one.
	for rejected := (*domain.RejectedItems)(nil); errors.As(err, &rejected); {
		kept, keptIndex := valid[:0:0], validIndex[:0:0]
		for k := range valid {
			p, refused := rejected.Problems[k]
			if !refused {
				kept, keptIndex = append(kept, valid[k]), append(keptIndex, validIndex[k])
				continue
			}
			r := &report.Results[validIndex[k]]
			r.Status, r.Problem = Failed, &domain.FieldProblem{Field: p.Field, Message: p.Message}
			report.Failed++
		}
		if len(kept) == len(valid) {
			break // the store named no item of this call: a bug, reported as an error below
		}
		valid, validIndex = kept, keptIndex
		if len(valid) == 0 {
			return report, nil
		}
		outcomes, err = s.torrents.Upsert(ctx, valid)
	}
	if err != nil {
		return Report{}, err
	}
	if len(outcomes) != len(valid) {
		return Report{}, fmt.Errorf("ingest: store returned %d outcomes for %d torrents", len(outcomes), len(valid))
	}
	for k, o := range outcomes {
		r := &report.Results[validIndex[k]]
		if o.Blocked {
			r.Status = Blocked
			p := blockedProblem
			r.Problem = &p
			report.Blocked++
			continue
		}
		switch {
		case o.Created:
			r.Status = Created
			report.Created++
		case o.Unchanged:
			r.Status = Unchanged
			report.Unchanged++
		default:
			r.Status = Updated
			report.Updated++
		}
	}
	s.log.Info("ingested", "created", report.Created, "updated", report.Updated, "unchanged", report.Unchanged, "failed", report.Failed, "blocked", report.Blocked)
	return report, nil
}

// torrentOf builds the torrent an item describes. On failure it still returns the info hash when it
// was known, so the report can name it.
func (s *Service) torrentOf(item Item, now time.Time) (domain.Torrent, error) {
	t := domain.Torrent{
		Name: item.Name, Size: item.Size, Seeders: item.Seeders, Leechers: item.Leechers,
		UploadedAt: item.UploadedAt, Description: item.Description,
		Files:    append([]domain.File(nil), item.Files...),
		Trackers: append([]string(nil), item.Trackers...),
		WebSeeds: append([]string(nil), item.WebSeeds...),
		External: item.External,
	}
	if item.InfoHash == "" && item.Magnet == "" && item.TorrentFile == "" {
		return t, domain.Invalid("infoHash", "one of infoHash, magnet or torrentFile is required")
	}
	if item.InfoHash != "" {
		h, err := domain.ParseInfoHash(strings.TrimSpace(item.InfoHash))
		if err != nil {
			return t, domain.Invalid("infoHash", err.Error())
		}
		t.InfoHash = h
	}
	if item.Magnet != "" {
		if err := fillFromMagnet(&t, item.Magnet); err != nil {
			return t, err
		}
	}
	if item.TorrentFile != "" {
		if err := s.fillFromFile(&t, item.TorrentFile); err != nil {
			return t, err
		}
	}
	if t.InfoHash.IsZero() && !t.InfoHashV2.IsZero() {
		return t, domain.Invalid("infoHash", "the catalog keys torrents by their v1 info hash, and a v2-only torrent has none")
	}
	category, err := domain.NewCategoryRef(item.Category)
	if err != nil {
		return t, err
	}
	t.Category = category
	return t, t.Normalize(now)
}

func fillFromMagnet(t *domain.Torrent, raw string) error {
	m, err := domain.ParseMagnet(strings.TrimSpace(raw))
	if err != nil {
		return domain.Invalid("magnet", err.Error())
	}
	if !t.InfoHash.IsZero() && !m.InfoHash.IsZero() && t.InfoHash != m.InfoHash {
		return domain.Invalid("magnet", "names another info hash than infoHash")
	}
	if t.InfoHash.IsZero() {
		t.InfoHash = m.InfoHash
	}
	t.InfoHashV2 = m.InfoHashV2
	if t.Name == "" {
		t.Name = m.Name
	}
	if t.Size == 0 && len(t.Files) == 0 {
		t.Size = m.Size
	}
	t.Trackers = appendUsableTrackers(t.Trackers, m.Trackers)
	t.WebSeeds = appendUsableWebSeeds(t.WebSeeds, m.WebSeeds)
	return nil
}

func (s *Service) fillFromFile(t *domain.Torrent, encoded string) error {
	if base64.StdEncoding.DecodedLen(len(encoded)) > MaxTorrentFile {
		return domain.Invalid("torrentFile", "must be at most 8 MiB")
	}
	raw, err := decodeBase64(encoded)
	if err != nil {
		return domain.Invalid("torrentFile", "must be base64 (standard or URL alphabet)")
	}
	meta, err := s.decoder.Decode(raw)
	if err != nil {
		var v *domain.ValidationError
		if errors.As(err, &v) {
			return err
		}
		return domain.Invalid("torrentFile", "is not a readable .torrent file")
	}
	if !t.InfoHash.IsZero() && !meta.InfoHash.IsZero() && t.InfoHash != meta.InfoHash {
		return domain.Invalid("torrentFile", "has another info hash ("+meta.InfoHash.String()+") than the item names")
	}
	if t.InfoHash.IsZero() {
		t.InfoHash = meta.InfoHash
	}
	if t.InfoHashV2.IsZero() {
		t.InfoHashV2 = meta.InfoHashV2
	}
	if t.Name == "" {
		t.Name = meta.Name
	}
	if len(t.Files) == 0 {
		t.Files = meta.Files
		if t.Size == 0 {
			t.Size = meta.Size
		}
	}
	t.Trackers = appendUsableTrackers(t.Trackers, meta.Trackers)
	t.WebSeeds = appendUsableWebSeeds(t.WebSeeds, meta.WebSeeds)
	return nil
}

// appendUsableWebSeeds adds the web seeds a magnet or a .torrent names, skipping the ones the
// catalog would refuse (ftp, too long), as appendUsableTrackers does for trackers.
func appendUsableWebSeeds(dst, found []string) []string {
	for _, ws := range found {
		if len(dst) >= domain.MaxWebSeeds {
			break
		}
		if domain.CheckWebSeed(strings.TrimSpace(ws)) == nil {
			dst = append(dst, ws)
		}
	}
	return dst
}

// appendUsableTrackers adds the trackers a magnet or a .torrent names, skipping the ones the catalog
// would refuse: an old file with a dead-scheme tracker still ingests, whereas a tracker the client
// listed itself is checked and reported.
func appendUsableTrackers(dst, found []string) []string {
	for _, tr := range found {
		if len(dst) >= domain.MaxTrackers {
			break
		}
		if domain.CheckTracker(strings.TrimSpace(tr)) == nil {
			dst = append(dst, tr)
		}
	}
	return dst
}

func decodeBase64(s string) ([]byte, error) {
	s = strings.TrimSpace(s)
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		if raw, err := enc.DecodeString(s); err == nil {
			return raw, nil
		}
	}
	return nil, errors.New("not base64")
}

func firstProblem(err error) *domain.FieldProblem {
	var v *domain.ValidationError
	if errors.As(err, &v) && len(v.Problems) > 0 {
		p := v.Problems[0]
		return &p
	}
	return &domain.FieldProblem{Field: "", Message: "could not be read"}
}

// Checked reports what Store would do without storing anything: each item is Failed with its
// problem, or Created (whether it would create or update is the store's to say). An import's dry
// run uses it.
func (p Prepared) Checked() Report {
	report := p.report
	report.Results = slices.Clone(report.Results)
	for _, i := range p.validIndex {
		report.Results[i].Status = Created
		report.Created++
	}
	return report
}
