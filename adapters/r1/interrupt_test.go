package r1

import (
	"context"
	"errors"
	"testing"
	"time"
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
