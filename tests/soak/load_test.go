package soak

import (
	"context"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"
)

// Regression (TestUpstreamFaults took 100 to 250 s): when a post outlasted the ingester's interval
// (an upstream fault holding it up to the service's 30 s deadline), the phase's end and the next
// tick were both ready, select picked either, and the ingester went on posting after its phase had
// ended, each post as long. Now no post starts once the run's context has ended. Before, each round
// below posted again with a chance of one half: 40 rounds all passing by luck is 2^-40.
func TestTheIngesterStartsNoPostOnceItsRunHasEnded(t *testing.T) {
	var posts atomic.Int32
	arrived := make(chan struct{}, 1)
	var release atomic.Pointer[chan struct{}]
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		posts.Add(1)
		select {
		case arrived <- struct{}{}:
		default:
		}
		<-*release.Load() // held, as a silent upstream holds it, until the round lets it go
		w.Header().Set("Retry-After", "5")
		w.WriteHeader(http.StatusServiceUnavailable)
	}))
	defer srv.Close()
	l := newLoad(srv.URL, 1)
	l.tolerate503.Store(true)
	in := l.newIngester(1)
	for round := range 40 {
		held := make(chan struct{})
		release.Store(&held)
		posts.Store(0)
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan struct{})
		go func() { defer close(done); in.run(ctx, time.Millisecond) }()
		<-arrived                        // the first post is held
		time.Sleep(5 * time.Millisecond) // the next tick is ready beside it
		cancel()                         // the run ends while the post is held
		close(held)
		<-done
		if n := posts.Load(); n != 1 {
			t.Fatalf("round %d: %d posts, want only the one under way when the run ended", round, n)
		}
	}
}
