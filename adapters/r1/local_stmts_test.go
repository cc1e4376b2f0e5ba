package r1

import (
	"context"
	"fmt"
	"sync"
	"testing"
)

// The read statements kept prepared stay bounded, and a statement evicted while others run (or
// after) answers as before: every query gives its own answer, from many goroutines at once.
func TestKeptStatementsAreBoundedAndAnswerRight(t *testing.T) {
	db := openMigrated(t, LocalOptions{})
	engine := db.engine.(*localEngine)
	ctx := context.Background()
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 3 * stmtCacheSize {
				n := (i*7 + g) % (2 * stmtCacheSize) // shapes come back after being evicted
				res, err := db.query(ctx, Statement{SQL: fmt.Sprintf("SELECT %d + CAST(? AS INTEGER) AS n", n), Params: []any{g}})
				if err != nil {
					errs <- err
					return
				}
				if got := (&rowReader{row: firstRow(res)}).int("n"); got != int64(n+g) {
					errs <- fmt.Errorf("SELECT %d + %d gave %d", n, g, got)
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	engine.stmts.mu.Lock()
	kept, listed := len(engine.stmts.bySQL), engine.stmts.order.Len()
	engine.stmts.mu.Unlock()
	if kept != stmtCacheSize || listed != stmtCacheSize {
		t.Fatalf("%d statements kept (%d listed), want the bound %d", kept, listed, stmtCacheSize)
	}
}
