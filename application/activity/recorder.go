package activity

import (
	"context"
	"crypto/rand"
	"encoding/hex"
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

	recorded, dropped, written, failed, retries atomic.Uint64
	pending                                     atomic.Int64 // in the batch being written
	lastDropLog, lastRetryLog                   atomic.Int64
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
	a.Key = newKey()
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

// Run writes batches until ctx is done, then writes what is still buffered and returns. A write
// that fails for a reason that may pass (the store does not answer) is tried again with backoff,
// 100 ms doubling to 30 s, while new activities wait in the buffer; every activity carries a key,
// so a write re-sent after its answer was lost stores nothing twice. A write the store refuses
// (a bad row, a user deleted meanwhile) is cut in halves until the refused rows stand alone, so
// only they are lost, and counted.
func (r *Recorder) Run(ctx context.Context) {
	defer close(r.done)
	ticker := time.NewTicker(r.opts.FlushEvery)
	defer ticker.Stop()
	retry := time.NewTimer(time.Hour)
	retry.Stop()
	var backoff time.Duration
	batch := make([]domain.Activity, 0, r.opts.BatchSize)
	flush := func() {
		var err error
		batch, err = r.write(ctx, batch)
		if err == nil {
			backoff = 0
			return
		}
		backoff = min(max(2*backoff, 100*time.Millisecond), 30*time.Second)
		r.retries.Add(1)
		r.warnRetry(len(batch), backoff, err)
		retry.Reset(backoff)
	}
	for {
		in := r.queue
		if len(batch) >= r.opts.BatchSize {
			in = nil // the batch waits for its write: new activities wait in the buffer
		}
		select {
		case a := <-in:
			batch = append(batch, a)
			r.pending.Store(int64(len(batch)))
			if len(batch) >= r.opts.BatchSize && backoff == 0 {
				flush()
			}
		case <-ticker.C:
			if backoff == 0 {
				flush()
			}
		case <-retry.C:
			flush()
		case <-ctx.Done():
			retry.Stop()
			r.drain(batch)
			return
		}
	}
}

// Done is closed when Run has written everything and returned.
func (r *Recorder) Done() <-chan struct{} { return r.done }

// drain writes what is buffered at shutdown: a few tries, within WriteLimit in all; what still
// cannot be written is counted as failed and logged.
func (r *Recorder) drain(batch []domain.Activity) {
	deadline := time.Now().Add(r.opts.WriteLimit)
	wait := 50 * time.Millisecond
	for {
		for len(batch) < r.opts.BatchSize {
			a, ok := r.next()
			if !ok {
				break
			}
			batch = append(batch, a)
		}
		if len(batch) == 0 {
			r.pending.Store(0)
			return
		}
		rest, err := r.write(context.Background(), batch)
		if err != nil {
			if time.Now().Add(wait).After(deadline) {
				lost := len(rest) + len(r.queue)
				for len(r.queue) > 0 {
					<-r.queue
				}
				r.failed.Add(uint64(lost))
				r.pending.Store(0)
				r.log.Warn("could not write activities at shutdown; they are lost", "count", lost, "err", err)
				return
			}
			time.Sleep(wait)
			wait *= 2
		}
		batch = rest
	}
}

func (r *Recorder) next() (domain.Activity, bool) {
	select {
	case a := <-r.queue:
		return a, true
	default:
		return domain.Activity{}, false
	}
}

// write writes batch, isolating the rows the store refuses, and returns what is left to write (all
// of it, or the part after a write that failed and may be tried again) with that failure.
func (r *Recorder) write(ctx context.Context, batch []domain.Activity) ([]domain.Activity, error) {
	if len(batch) == 0 {
		return batch, nil
	}
	// Nobody waits for these rows: the store's turns go first to the requests someone waits for.
	ctx = ports.WithPriority(context.WithoutCancel(ctx), ports.Background, time.Now())
	ctx, cancel := context.WithTimeout(ctx, r.opts.WriteLimit)
	defer cancel()
	rest, err := r.appendIsolating(ctx, batch)
	kept := append(batch[:0], rest...)
	r.pending.Store(int64(len(kept)))
	return kept, err
}

// appendIsolating appends batch; when the store refuses it, each half goes on its own, down to the
// single rows it refuses, which are dropped and counted. A failure that may pass stops it and
// returns what is not written yet.
func (r *Recorder) appendIsolating(ctx context.Context, batch []domain.Activity) ([]domain.Activity, error) {
	err := r.repo.Append(ctx, batch)
	switch {
	case err == nil:
		r.written.Add(uint64(len(batch)))
		return nil, nil
	case !refused(err):
		return batch, err
	case len(batch) == 1:
		r.failed.Add(1)
		r.log.Warn("the store refuses an activity; it is dropped", "type", batch[0].Type, "err", err)
		return nil, nil
	}
	mid := len(batch) / 2
	if rest, err := r.appendIsolating(ctx, batch[:mid]); err != nil {
		return append(rest, batch[mid:]...), err
	}
	return r.appendIsolating(ctx, batch[mid:])
}

// refused tells a write the store will never take (the rows are at fault) from one that may pass.
func refused(err error) bool {
	return errors.Is(err, domain.ErrInvalid) || errors.Is(err, domain.ErrConflict) || errors.Is(err, domain.ErrNotFound)
}

func (r *Recorder) warnRetry(n int, wait time.Duration, err error) {
	now := time.Now().Unix()
	if last := r.lastRetryLog.Load(); now-last >= 60 && r.lastRetryLog.CompareAndSwap(last, now) {
		r.log.Warn("could not write activities; retrying", "count", n, "retry_in", wait, "err", err)
	}
}

// Stats counts activities since start. Every recorded activity is written, failed (refused by the
// store, or not written at shutdown) or queued (in the buffer or the batch being written):
// Recorded = Written + Failed + Queued between writes. Retries counts the writes tried again.
type Stats struct {
	Recorded, Dropped, Written, Failed, Retries uint64
	Queued                                      int
}

// Stats returns the counters.
func (r *Recorder) Stats() Stats {
	return Stats{Recorded: r.recorded.Load(), Dropped: r.dropped.Load(), Written: r.written.Load(),
		Failed: r.failed.Load(), Retries: r.retries.Load(), Queued: len(r.queue) + int(r.pending.Load())}
}

// newKey is an activity's key: 16 random bytes, hex.
func newKey() string {
	var b [16]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails (Go 1.24)
	return hex.EncodeToString(b[:])
}
