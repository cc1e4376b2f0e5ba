package soak

import (
	"context"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/torrent-streamer/streamer/tests/binary"
)

// TestCrashLoop kill -9s the service at random moments while ingests (new torrents and updates)
// and sign-ups run concurrently, CRASH_ITERATIONS times (default 20), restarting it each time with
// nothing but the same command: every acknowledged write is there afterwards, with the fields it
// was acknowledged with, nothing is half-written, and SQLite's and the full-text index's own checks
// pass after every restart (every fifth under -race, and after the last).
func TestCrashLoop(t *testing.T) {
	if testing.Short() {
		t.Skip("drives the built binary")
	}
	iterations := 20
	if v := os.Getenv("CRASH_ITERATIONS"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			t.Fatalf("CRASH_ITERATIONS=%q", v)
		}
		iterations = n
	}
	bin := binary.Build(t)
	dir := t.TempDir()
	dbPath := filepath.Join(dir, "streamer.db")
	proc := binary.Start(t, bin, dir, serviceEnv("R1_DATABASE="+dbPath)...)
	l := newLoad(proc.Base, 11)
	l.http.Timeout = 10 * time.Second
	total := newLedger()
	rng := rand.New(rand.NewPCG(11, 12))
	var slowestStart time.Duration
	for i := range iterations {
		l.ledger = newLedger()
		ctx, cancel := context.WithCancel(context.Background())
		var wg sync.WaitGroup
		// Two ingesters: both send new torrents, one of them also updates this round's (one only, so
		// the order of the acknowledgements is the order of the commits).
		for w := range 2 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				ing := l.newIngester(50)
				ing.rng = rand.New(rand.NewPCG(uint64(i), uint64(w)))
				ing.count = (i*2 + w) * 100_000
				for ctx.Err() == nil {
					ing.post(20+ing.rng.IntN(80), w == 0)
				}
			}()
		}
		for w := range 3 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				c := l.newClient(i*10 + w)
				for ctx.Err() == nil {
					c.signUp()
				}
			}()
		}
		time.Sleep(time.Duration(150+rng.IntN(1200)) * time.Millisecond)
		proc.Kill()
		cancel()
		wg.Wait()
		l.http.CloseIdleConnections()

		began := time.Now()
		if err := proc.Restart(t); err != nil {
			t.Fatalf("round %d: the service did not start again by itself: %v", i+1, err)
		}
		slowestStart = max(slowestStart, time.Since(began))
		v := l.verifyLedger(l.ledger, 0)
		if v.Lost() > 0 {
			t.Fatalf("round %d: %d acknowledged writes lost or wrong after kill -9: %v", i+1, v.Lost(), v.Problems)
		}
		total.merge(l.ledger)
		if !raceDetector || (i+1)%5 == 0 {
			checkDatabase(t, dbPath) // under -race, every fifth round: SQLite in the test is slow there
		}
		t.Logf("round %d: killed after %d torrents and %d accounts acknowledged this round; restarted in %v",
			i+1, len(l.ledger.torrents), len(l.ledger.accounts), time.Since(began).Round(time.Millisecond))
	}
	v := l.verifyLedger(total, 0)
	if v.Lost() > 0 {
		t.Fatalf("after %d kills: %d acknowledged writes lost or wrong: %v", iterations, v.Lost(), v.Problems)
	}
	t.Logf("crash loop: %d kill -9s; %d torrents (%d with an update whose answer was lost: present) and %d accounts acknowledged, all served as acknowledged; slowest restart %v",
		iterations, v.Torrents, v.TorrentsUncertain, v.AccountsChecked, slowestStart.Round(time.Millisecond))
	if err := proc.Stop(); err != nil {
		t.Fatal(err)
	}
	checkDatabase(t, dbPath)
}
