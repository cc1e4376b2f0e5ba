package ports

import (
	"context"
	"time"
)

// Cache is a shared key-value cache with expiry: Workers KV in production, a bounded in-process
// store by default. Values are opaque bytes; the caching policy in the application decides what
// goes in and for how long.
//
// A cache may be eventually consistent and may forget anything at any time: callers treat every
// answer as a hint and every error as a miss.
type Cache interface {
	// Get returns the value and true, or nil and false on a miss.
	Get(ctx context.Context, key string) ([]byte, bool, error)
	// Set stores value under key for ttl. A cache may round ttl up to its own minimum.
	Set(ctx context.Context, key string, value []byte, ttl time.Duration) error
	// Delete removes the keys; unknown keys are not an error.
	Delete(ctx context.Context, keys ...string) error
}

// ImmediateSetter is a Cache whose Set may wait in a queue (written behind, in bulk) and that can
// also write one value at once, reporting whether it landed: for writes that must not be lost.
type ImmediateSetter interface {
	SetNow(ctx context.Context, key string, value []byte, ttl time.Duration) error
}
