package activity

import (
	"context"
	"errors"
	"log/slog"
	"sync/atomic"
	"time"

	"github.com/torrent-streamer/streamer/application/accounts"
	"github.com/torrent-streamer/streamer/domain"
	"github.com/torrent-streamer/streamer/ports"
)

// Options tune a Recorder; zero fields take their defaults.
type Options struct {
	Buffer     int           // activities waiting to be written (default 4096)
	BatchSize  int           // activities per write (default 200)
	FlushEvery time.Duration // longest wait before a partial batch is written (default 1 s)
	WriteLimit time.Duration // bound on one write (default 10 s)
}

// Recorder buffers activities and writes them in batches from one goroutine. Record never blocks
// and never fails the request it came from: when the buffer is full the activity is dropped,
// counted, and logged (at most once a minute).
type Recorder struct {
	repo  ports.ActivityRepository
	clock ports.Clock
	log   *slog.Logger
	opts  Options
	queue chan domain.Activity
	done  chan struct{}

	recorded, dropped, written, failed atomic.Uint64
	lastDropLog                        atomic.Int64
}

// NewRecorder returns a recorder; call Run to start writing.
func NewRecorder(repo ports.ActivityRepository, clock ports.Clock, log *slog.Logger, opts Options) *Recorder {
	if opts.Buffer <= 0 {
		opts.Buffer = 4096
	}
	if opts.BatchSize <= 0 {
		opts.BatchSize = 200
	}
	if opts.FlushEvery <= 0 {
		opts.FlushEvery = time.Second
	}
	if opts.WriteLimit <= 0 {
		opts.WriteLimit = 10 * time.Second
	}
	return &Recorder{repo: repo, clock: clock, log: log, opts: opts,
		queue: make(chan domain.Activity, opts.Buffer), done: make(chan struct{})}
}

// RecordView notes that the caller in ctx, if signed in, opened a torrent's details.
func (r *Recorder) RecordView(ctx context.Context, t domain.TorrentSummary) {
	if p, ok := accounts.PrincipalFrom(ctx); ok {
		r.record(domain.Activity{UserID: p.User.ID, Type: domain.ActivityView, TorrentID: t.ID, InfoHash: t.InfoHash})
	}
}

// RecordSearch notes that the caller in ctx, if signed in, searched for query.
func (r *Recorder) RecordSearch(ctx context.Context, query string) {
	if p, ok := accounts.PrincipalFrom(ctx); ok {
		r.record(domain.Activity{UserID: p.User.ID, Type: domain.ActivitySearch, Query: query})
	}
}

func (r *Recorder) record(a domain.Activity) {
	a.CreatedAt = r.clock.Now()
	select {
	case r.queue <- a:
		r.recorded.Add(1)
	default:
		r.dropped.Add(1)
		now := time.Now().Unix()
		if last := r.lastDropLog.Load(); now-last >= 60 && r.lastDropLog.CompareAndSwap(last, now) {
			r.log.Warn("activity buffer full: dropping activities", "buffer", r.opts.Buffer, "droppedTotal", r.dropped.Load())
		}
	}
}

// Run writes batches until ctx is done, then writes what is still buffered and returns.
func (r *Recorder) Run(ctx context.Context) {
	defer close(r.done)
	ticker := time.NewTicker(r.opts.FlushEvery)
	defer ticker.Stop()
	batch := make([]domain.Activity, 0, r.opts.BatchSize)
	for {
		select {
		case a := <-r.queue:
			batch = r.add(batch, a)
		case <-ticker.C:
			batch = r.write(batch)
		case <-ctx.Done():
			r.drain(batch)
			return
		}
	}
}

// Done is closed when Run has written everything and returned.
func (r *Recorder) Done() <-chan struct{} { return r.done }

func (r *Recorder) drain(batch []domain.Activity) {
	for {
		select {
		case a := <-r.queue:
			batch = r.add(batch, a)
		default:
			r.write(batch)
			return
		}
	}
}

// add appends a to the batch, writing the batch once it is full.
func (r *Recorder) add(batch []domain.Activity, a domain.Activity) []domain.Activity {
	batch = append(batch, a)
	if len(batch) >= r.opts.BatchSize {
		return r.write(batch)
	}
	return batch
}

func (r *Recorder) write(batch []domain.Activity) []domain.Activity {
	if len(batch) == 0 {
		return batch
	}
	ctx, cancel := context.WithTimeout(context.Background(), r.opts.WriteLimit)
	defer cancel()
	err := r.repo.Append(ctx, batch)
	if err == nil {
		r.written.Add(uint64(len(batch)))
		return batch[:0]
	}
	if errors.Is(err, domain.ErrConflict) {
		// A user deleted their account while activities of theirs were queued: the store refuses
		// the whole batch for them. Each user's activities go again on their own, so only the
		// deleted user's are lost.
		r.writeByUser(ctx, batch)
		return batch[:0]
	}
	r.failed.Add(uint64(len(batch)))
	r.log.Warn("could not write activities; they are lost", "count", len(batch), "err", err)
	return batch[:0]
}

func (r *Recorder) writeByUser(ctx context.Context, batch []domain.Activity) {
	byUser := make(map[string][]domain.Activity)
	var order []string
	for _, a := range batch {
		if _, ok := byUser[a.UserID]; !ok {
			order = append(order, a.UserID)
		}
		byUser[a.UserID] = append(byUser[a.UserID], a)
	}
	for _, id := range order {
		list := byUser[id]
		if err := r.repo.Append(ctx, list); err != nil {
			r.failed.Add(uint64(len(list)))
			r.log.Warn("could not write a user's activities; they are lost", "count", len(list), "err", err)
			continue
		}
		r.written.Add(uint64(len(list)))
	}
}

// Stats counts activities since start.
type Stats struct {
	Recorded, Dropped, Written, Failed uint64
	Queued                             int
}

// Stats returns the counters.
func (r *Recorder) Stats() Stats {
	return Stats{Recorded: r.recorded.Load(), Dropped: r.dropped.Load(), Written: r.written.Load(),
		Failed: r.failed.Load(), Queued: len(r.queue)}
}
