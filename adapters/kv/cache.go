package kv

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"net/http"
	"net/url"
	"time"

	"github.com/cloudflare/cloudflare-go/v7/kv"
	"github.com/cloudflare/cloudflare-go/v7/shared"

	"github.com/torrent-streamer/streamer/adapters/cfapi"
	"github.com/torrent-streamer/streamer/domain"
	"github.com/torrent-streamer/streamer/ports"
)

// KV's limits.
const (
	// MinTTL is the shortest expiry KV accepts; shorter TTLs are rounded up to it.
	MinTTL = 60 * time.Second
	// MaxKeyBytes is the longest key KV accepts.
	MaxKeyBytes = 512
	// maxValueBytes is KV's largest value (25 MiB): a longer answer is not a value.
	maxValueBytes = 25 << 20
	// maxBulkKeys is the most keys one bulk write or delete carries: the API takes 10,000, but the
	// gateway Worker may make at most 1,000 KV operations per request.
	maxBulkKeys = 1000
)

// keyNotFound is KV's error code for a missing key. Another 404 (an unknown namespace) is a
// failure, not a miss.
const keyNotFound = 10009

// pingKey is the key Ping reads: its absence is an answer as good as its presence.
const pingKey = "health:ping"

// Cache is ports.Cache on one Workers KV namespace. A miss is a miss (404); every other failure is
// an error wrapping domain.ErrUnavailable, which the caching policy counts and answers from the
// store instead. Safe for concurrent use.
//
// With Options.WriteBehind, Set only queues the write: queued writes go out together in one bulk
// request (PUT .../bulk) a moment later, so a burst of cache fills costs one request instead of one
// each, and no request waits for a cache write. This instance reads its own queued writes; other
// instances see them after the flush, as they see any KV write only eventually. A Delete takes
// queued writes of its keys back first, so a deleted key never comes back from the queue.
type Cache struct {
	client    *cfapi.Client
	account   string
	namespace string
	behind    *writeBehind // nil: every Set is its own request
}

// Options tune a Cache.
type Options struct {
	// WriteBehind is how long a Set waits in the queue for others to share its bulk request; 0
	// writes each Set at once, in its own request.
	WriteBehind time.Duration
	// Logger reports failed queued writes (default slog.Default()).
	Logger *slog.Logger
}

var (
	_ ports.Cache           = (*Cache)(nil)
	_ ports.Pinger          = (*Cache)(nil)
	_ ports.ImmediateSetter = (*Cache)(nil)
)

// New returns the cache on the namespace (its id) of the account, through client (see
// cfapi.NewClient, which counts and retries the requests). Close it to write what is queued.
func New(client *cfapi.Client, accountID, namespaceID string, opts Options) *Cache {
	c := &Cache{client: client, account: accountID, namespace: url.PathEscape(namespaceID)}
	if opts.WriteBehind > 0 {
		if opts.Logger == nil {
			opts.Logger = slog.Default()
		}
		c.behind = newWriteBehind(c, opts.WriteBehind, opts.Logger)
	}
	return c
}

// Get reads one value: one request (GET .../values/{key}). A missing key is a miss; an unknown
// namespace is an error (a *cfapi.Error with status 404).
func (c *Cache) Get(ctx context.Context, key string) ([]byte, bool, error) {
	if key == "" {
		return nil, false, nil // KV has no empty key, so nothing is stored under it
	}
	if c.behind != nil {
		if value, ok := c.behind.queued(key); ok {
			return value, true, nil
		}
	}
	var params kv.NamespaceValueGetParams
	params.AccountID.Value = c.account
	res, err := c.client.KV.Values.Get(ctx, c.namespace, url.PathEscape(key), params)
	if err != nil {
		err = cfapi.Translate(cfapi.KV, err)
		var api *cfapi.Error
		if errors.As(err, &api) && api.Status == http.StatusNotFound && (api.Code == keyNotFound || api.Code == 0) {
			return nil, false, nil
		}
		return nil, false, fmt.Errorf("kv: get: %w", err)
	}
	defer res.Body.Close()
	value, err := io.ReadAll(io.LimitReader(res.Body, maxValueBytes+1))
	if err != nil {
		if ctxErr := ctx.Err(); ctxErr != nil {
			return nil, false, ctxErr
		}
		return nil, false, fmt.Errorf("kv: get: the answer was cut short: %w", domain.ErrUnavailable)
	}
	if len(value) > maxValueBytes {
		return nil, false, fmt.Errorf("kv: get: an answer longer than any value: %w", domain.ErrUnavailable)
	}
	return value, true, nil
}

// Set writes one value with an expiry of ttl rounded up to whole seconds, and to MinTTL (ttl <= 0:
// no expiry): one request (PUT .../values/{key}, the value as a multipart field, byte for byte).
func (c *Cache) Set(ctx context.Context, key string, value []byte, ttl time.Duration) error {
	if key == "" {
		return errors.New("kv: set: the key is empty")
	}
	if c.behind != nil {
		return c.behind.add(key, value, ttl)
	}
	return c.set(ctx, key, value, ttl)
}

// SetNow writes one value at once, past the write-behind queue, and reports whether it landed: one
// request. A queued write of the same key is dropped first, so it cannot land after this one.
func (c *Cache) SetNow(ctx context.Context, key string, value []byte, ttl time.Duration) error {
	if key == "" {
		return errors.New("kv: set: the key is empty")
	}
	if c.behind != nil {
		unlock := c.behind.hold([]string{key})
		defer unlock()
	}
	return c.set(ctx, key, value, ttl)
}

func (c *Cache) set(ctx context.Context, key string, value []byte, ttl time.Duration) error {
	// The SDK's request fields are set in place: its helper that makes them lives in the root
	// package, which this project does not import (see cfapi.Client).
	var params kv.NamespaceValueUpdateParams
	params.AccountID.Value = c.account
	params.Value.Value, params.Value.Present = shared.UnionString(value), true
	if ttl > 0 {
		params.ExpirationTTL.Value, params.ExpirationTTL.Present = expirationTTL(ttl), true
	}
	if _, err := c.client.KV.Values.Update(ctx, c.namespace, url.PathEscape(key), params); err != nil {
		return fmt.Errorf("kv: set: %w", cfapi.Translate(cfapi.KV, err))
	}
	return nil
}

// expirationTTL is ttl in whole seconds, rounded up, and never below KV's minimum.
func expirationTTL(ttl time.Duration) float64 {
	return max(math.Ceil(ttl.Seconds()), MinTTL.Seconds())
}

// Delete removes keys: one request for one key, one bulk delete per 1,000 keys for more.
func (c *Cache) Delete(ctx context.Context, keys ...string) error {
	live := make([]string, 0, len(keys))
	for _, k := range keys {
		if k != "" {
			live = append(live, k)
		}
	}
	if len(live) == 0 {
		return nil
	}
	if c.behind != nil {
		// Queued writes of these keys are dropped, and no flush runs until the delete is done, so a
		// write queued before the delete can never land after it.
		unlock := c.behind.hold(live)
		defer unlock()
	}
	return c.delete(ctx, live)
}

func (c *Cache) delete(ctx context.Context, live []string) error {
	switch len(live) {
	case 1:
		var params kv.NamespaceValueDeleteParams
		params.AccountID.Value = c.account
		_, err := c.client.KV.Values.Delete(ctx, c.namespace, url.PathEscape(live[0]), params)
		if err != nil {
			return fmt.Errorf("kv: delete: %w", cfapi.Translate(cfapi.KV, err))
		}
		return nil
	}
	for start := 0; start < len(live); start += maxBulkKeys {
		chunk := live[start:min(start+maxBulkKeys, len(live))]
		params := kv.NamespaceBulkDeleteParams{Body: chunk}
		params.AccountID.Value = c.account
		res, err := c.client.KV.BulkDelete(ctx, c.namespace, params)
		if err != nil {
			return fmt.Errorf("kv: bulk delete: %w", cfapi.Translate(cfapi.KV, err))
		}
		if n := len(res.UnsuccessfulKeys); n > 0 {
			return fmt.Errorf("kv: bulk delete: %d of %d keys were not deleted: %w", n, len(chunk), domain.ErrUnavailable)
		}
	}
	return nil
}

// Ping reads one key: any answer, a miss included, means KV answers.
func (c *Cache) Ping(ctx context.Context) error {
	_, _, err := c.Get(ctx, pingKey)
	return err
}
