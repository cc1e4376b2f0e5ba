package kv

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/cloudflare/cloudflare-go/v7/kv"

	"github.com/torrent-streamer/streamer/adapters/cfapi"
	"github.com/torrent-streamer/streamer/domain"
)

const (
	// flushBytes starts a flush before the timer when this much is queued.
	flushBytes = 1 << 20
	// maxQueuedBytes bounds the queue; a Set beyond it fails (the cache forgets the value) rather
	// than let a KV outage grow the queue without end.
	maxQueuedBytes = 8 << 20
	// flushTimeout bounds one bulk write, re-sends included.
	flushTimeout = 30 * time.Second
)

var errClosed = errors.New("kv: the cache is closed")

// writeBehind queues the writes of a Cache and sends them in bulk requests.
type writeBehind struct {
	c     *Cache
	after time.Duration
	log   *slog.Logger

	// send is held while a bulk write or a delete is sent, so the two never overlap: a delete
	// first takes its keys out of the queue, and nothing queued before it can land after it.
	send sync.Mutex

	mu      sync.Mutex
	queue   map[string]queuedWrite
	sending map[string]queuedWrite // the batch on its way, still read by queued until it landed
	bytes   int
	timer   *time.Timer
	closed  bool
	flushes sync.WaitGroup
}

type queuedWrite struct {
	value []byte
	ttl   time.Duration
}

func newWriteBehind(c *Cache, after time.Duration, log *slog.Logger) *writeBehind {
	return &writeBehind{c: c, after: after, log: log, queue: make(map[string]queuedWrite)}
}

func (w *writeBehind) add(key string, value []byte, ttl time.Duration) error {
	v := append(make([]byte, 0, len(value)), value...)
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.closed {
		return errClosed
	}
	size := len(key) + len(v)
	if old, ok := w.queue[key]; ok {
		w.bytes -= len(key) + len(old.value)
	}
	if w.bytes+size > maxQueuedBytes {
		return fmt.Errorf("kv: set: %d bytes already wait to be written: %w", w.bytes, domain.ErrUnavailable)
	}
	w.queue[key] = queuedWrite{value: v, ttl: ttl}
	w.bytes += size
	switch {
	case len(w.queue) >= maxBulkKeys || w.bytes >= flushBytes:
		w.startFlush()
	case w.timer == nil:
		w.timer = time.AfterFunc(w.after, func() {
			w.mu.Lock()
			defer w.mu.Unlock()
			w.timer = nil
			if !w.closed { // close sends what is left itself
				w.startFlush()
			}
		})
	}
	return nil
}

// startFlush sends the queue in the background; w.mu is held.
func (w *writeBehind) startFlush() {
	if w.timer != nil {
		w.timer.Stop()
		w.timer = nil
	}
	w.flushes.Add(1)
	go w.flush()
}

func (w *writeBehind) flush() {
	defer w.flushes.Done()
	w.send.Lock()
	defer w.send.Unlock()
	w.mu.Lock()
	batch := w.queue
	w.queue, w.bytes, w.sending = make(map[string]queuedWrite), 0, batch
	w.mu.Unlock()
	if len(batch) == 0 {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), flushTimeout)
	defer cancel()
	err := w.c.bulkWrite(ctx, batch)
	w.mu.Lock()
	w.sending = nil
	w.mu.Unlock()
	if err != nil {
		// Logged by count only: keys can identify sessions.
		w.log.Warn("queued cache writes failed; the values are dropped", "keys", len(batch), "err", err)
	}
}

// queued returns the value this instance wrote last under key and has not sent yet.
func (w *writeBehind) queued(key string) ([]byte, bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	q, ok := w.queue[key]
	if !ok {
		q, ok = w.sending[key]
	}
	if !ok {
		return nil, false
	}
	return append(make([]byte, 0, len(q.value)), q.value...), true
}

// hold drops queued writes of keys and keeps flushes out until the returned func is called.
func (w *writeBehind) hold(keys []string) func() {
	w.send.Lock()
	w.mu.Lock()
	for _, k := range keys {
		if old, ok := w.queue[k]; ok {
			w.bytes -= len(k) + len(old.value)
			delete(w.queue, k)
		}
	}
	w.mu.Unlock()
	return w.send.Unlock
}

// close sends what is queued and waits for every flush; later Sets fail.
func (w *writeBehind) close() {
	w.mu.Lock()
	w.closed = true
	w.flushes.Add(1)
	if w.timer != nil {
		w.timer.Stop()
		w.timer = nil
	}
	w.mu.Unlock()
	w.flush()
	w.flushes.Wait()
}

// bulkWrite writes the values in bulk requests of at most maxBulkKeys keys. A value that is not
// valid UTF-8 (JSON cannot carry it as a string) travels base64-encoded, which KV decodes.
func (c *Cache) bulkWrite(ctx context.Context, batch map[string]queuedWrite) error {
	items := make([]kv.NamespaceBulkUpdateParamsBody, 0, len(batch))
	for key, q := range batch {
		var item kv.NamespaceBulkUpdateParamsBody
		item.Key.Value, item.Key.Present = key, true
		item.Value.Present = true
		if utf8.Valid(q.value) {
			item.Value.Value = string(q.value)
		} else {
			item.Value.Value = base64.StdEncoding.EncodeToString(q.value)
			item.Base64.Value, item.Base64.Present = true, true
		}
		if q.ttl > 0 {
			item.ExpirationTTL.Value, item.ExpirationTTL.Present = expirationTTL(q.ttl), true
		}
		items = append(items, item)
	}
	for start := 0; start < len(items); start += maxBulkKeys {
		chunk := items[start:min(start+maxBulkKeys, len(items))]
		params := kv.NamespaceBulkUpdateParams{Body: chunk}
		params.AccountID.Value = c.account
		res, err := c.client.KV.BulkUpdate(ctx, c.namespace, params)
		if err != nil {
			return fmt.Errorf("kv: bulk write: %w", cfapi.Translate(cfapi.KV, err))
		}
		if n := len(res.UnsuccessfulKeys); n > 0 {
			return fmt.Errorf("kv: bulk write: %d of %d keys were not written: %w", n, len(chunk), domain.ErrUnavailable)
		}
	}
	return nil
}

// Close writes what is queued, and waits for it. Later Sets fail; reads and deletes still work.
func (c *Cache) Close() error {
	if c.behind != nil {
		c.behind.close()
	}
	return nil
}
