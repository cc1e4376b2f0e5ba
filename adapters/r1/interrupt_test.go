package r1

import (
	"context"
	"errors"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/torrent-streamer/streamer/ports"
)

// The local engine stops a statement when its context ends (SQLite is interrupted), so a search
// budget bounds the work, not only the wait. This query would count for hours.
func TestALocalQueryEndsWithItsContext(t *testing.T) {
	db := openMigrated(t, LocalOptions{})
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	_, err := db.query(ctx, Statement{SQL: `WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n)
SELECT count(*) AS c FROM n WHERE x < 1000000000000`})
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("a query past its deadline = %v; want context.DeadlineExceeded", err)
	}
	// The connection is usable again at once.
	if _, err := db.query(context.Background(), Statement{SQL: "SELECT 1 AS one"}); err != nil {
		t.Fatalf("the next query: %v", err)
	}
}

// A query that waits for one of the local file's readers waits its turn where its budget is told
// (ports.WaitingForTurn), as on D1: a search's time budget counts the store's work, not the wait
// for a reader. Before, it waited in database/sql's pool, which tells nobody, and the 10-minute
// local soak refused a search for its 5 s budget while 64 clients shared 8 readers.
func TestAQueryWaitingForALocalReaderTellsItsBudget(t *testing.T) {
	db := openMigrated(t, LocalOptions{Readers: 1})
	engine := db.engine.(*localEngine)
	slow, stopSlow := context.WithCancel(context.Background())
	defer stopSlow()
	slowDone := make(chan error, 1)
	go func() {
		_, err := db.query(slow, Statement{SQL: `WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n)
SELECT count(*) AS c FROM n WHERE x < 1000000000000`})
		slowDone <- err
	}()
	for engine.readers.Stats().InUse == 0 { // the only reader is busy
		time.Sleep(time.Millisecond)
	}
	waiting := make(chan struct{})
	var waits atomic.Int64
	ctx := ports.WithTurnWaits(context.Background(), func() func() {
		if waits.Add(1) == 1 {
			close(waiting)
		}
		return func() {}
	})
	answered := make(chan error, 1)
	go func() {
		res, err := db.query(ctx, Statement{SQL: "SELECT 1 AS one"})
		if err == nil && len(res.Rows) != 1 {
			err = errors.New("no row")
		}
		answered <- err
	}()
	select {
	case <-waiting:
	case <-time.After(5 * time.Second):
		t.Error("a query waiting for the only reader did not tell its budget")
	}
	stopSlow()
	if err := <-slowDone; !errors.Is(err, context.Canceled) {
		t.Fatalf("the slow query: %v", err)
	}
	if err := <-answered; err != nil {
		t.Fatalf("the query that waited: %v", err)
	}
}

// A query that runs while more of the local file's readers are busy than there are cores tells its
// budget the share of a core it gets (ports.SharingCores): the search budget charges that share of
// its wall time. Before, the 10-minute local soak refused searches for their 5 s budget while 64
// clients kept the 8 readers of 2 cores busy.
func TestALocalQueryBesideMoreQueriesThanCoresTellsItsShare(t *testing.T) {
	procs := runtime.GOMAXPROCS(0)
	db := openMigrated(t, LocalOptions{Readers: procs + 1})
	engine := db.engine.(*localEngine)
	slow, stopSlow := context.WithCancel(context.Background())
	var busy sync.WaitGroup
	for range procs {
		busy.Add(1)
		go func() {
			defer busy.Done()
			_, _ = db.query(slow, Statement{SQL: `WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n)
SELECT count(*) AS c FROM n WHERE x < 1000000000000`})
		}()
	}
	defer func() { stopSlow(); busy.Wait() }()
	for engine.readers.Stats().InUse < procs {
		time.Sleep(time.Millisecond)
	}
	var shares []float64
	var mu sync.Mutex
	ctx := ports.WithCoreShares(context.Background(), func(share float64) func() {
		mu.Lock()
		defer mu.Unlock()
		shares = append(shares, share)
		return func() {}
	})
	if _, err := db.query(ctx, Statement{SQL: "SELECT 1 AS one"}); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	if want := float64(procs) / float64(procs+1); len(shares) != 1 || shares[0] != want {
		t.Fatalf("a query beside %d busy readers on %d cores told its budget %v, want [%v]", procs, procs, shares, want)
	}
	// Alone, it runs on a core of its own and tells nothing.
	stopSlow()
	busy.Wait()
	shares = nil
	mu.Unlock()
	if _, err := db.query(ctx, Statement{SQL: "SELECT 1 AS one"}); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	if len(shares) != 0 {
		t.Fatalf("a query alone told its budget %v", shares)
	}
}
