package r1

import (
	"container/heap"
	"context"
	"sync"
	"time"

	"github.com/torrent-streamer/streamer/ports"
)

// turns bounds the requests in flight to one database and hands the free turns to those waiting
// in the order of their rank (ports.TurnRank): what someone waits for before background work that
// began less than ports.BackgroundYield earlier, and, within that, the oldest work first, so a read
// that needs several requests in a row keeps the place of its first.
type turns struct {
	mu      sync.Mutex
	n       int // turns in all
	free    int
	waiting waitQueue
	seq     uint64
}

func newTurns(n int) *turns { return &turns{n: n, free: n} }

// coreShare is the share of a core each request holding a turn gets when more of them run at once
// than procs, the cores they run on; 1 otherwise.
func (t *turns) coreShare(procs int) float64 {
	t.mu.Lock()
	inUse := t.n - t.free
	t.mu.Unlock()
	if inUse <= procs {
		return 1
	}
	return float64(procs) / float64(inUse)
}

// waiter is one request waiting for a turn; ready is closed when the turn is handed to it.
type waiter struct {
	rank  time.Time
	seq   uint64 // ties: in the order they came
	ready chan struct{}
	index int // in waitQueue, -1 once handed a turn or gone
}

// take waits for a turn within ctx; the caller must call release when its request ends. A caller
// that waits says so to its budget (ports.WaitingForTurn).
func (t *turns) take(ctx context.Context) error {
	t.mu.Lock()
	if t.free > 0 && t.waiting.Len() == 0 {
		t.free--
		t.mu.Unlock()
		return nil
	}
	t.seq++
	w := &waiter{rank: ports.TurnRank(ctx, time.Now()), seq: t.seq, ready: make(chan struct{})}
	heap.Push(&t.waiting, w)
	t.mu.Unlock()

	done := ports.WaitingForTurn(ctx)
	defer done()
	select {
	case <-w.ready:
		return nil
	case <-ctx.Done():
		t.mu.Lock()
		if w.index >= 0 {
			heap.Remove(&t.waiting, w.index)
			t.mu.Unlock()
			return ctx.Err()
		}
		t.mu.Unlock()
		t.release() // handed a turn just as ctx ended: pass it on
		return ctx.Err()
	}
}

// release ends a request: its turn goes to the first waiting, or back to the free ones.
func (t *turns) release() {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.waiting.Len() > 0 {
		w := heap.Pop(&t.waiting).(*waiter)
		close(w.ready)
		return
	}
	t.free++
}

// waitQueue is a heap of waiters, the first-ranked on top.
type waitQueue []*waiter

func (q waitQueue) Len() int { return len(q) }
func (q waitQueue) Less(i, j int) bool {
	if !q[i].rank.Equal(q[j].rank) {
		return q[i].rank.Before(q[j].rank)
	}
	return q[i].seq < q[j].seq
}
func (q waitQueue) Swap(i, j int) {
	q[i], q[j] = q[j], q[i]
	q[i].index, q[j].index = i, j
}
func (q *waitQueue) Push(x any) {
	w := x.(*waiter)
	w.index = len(*q)
	*q = append(*q, w)
}
func (q *waitQueue) Pop() any {
	old := *q
	w := old[len(old)-1]
	old[len(old)-1] = nil
	w.index = -1
	*q = old[:len(old)-1]
	return w
}
