package r1

import (
	"container/list"
	"context"
	"database/sql"
	"sync"
)

// stmtCacheSize bounds the read statements kept prepared. Preparing costs the transpiled SQLite
// about as much as running a short query: a sixth of a one-word search's CPU at 100,000 torrents
// went to parsing its two statements again. Searches, details and listings are a few dozen shapes
// of SQL (their values are parameters); each kept statement costs some kilobytes on each reader
// connection it ran on.
const stmtCacheSize = 64

// stmtCache keeps the most recently used read statements prepared, by their SQL. database/sql
// prepares a kept statement again on each pooled connection the first time it runs there.
type stmtCache struct {
	db    *sql.DB
	mu    sync.Mutex
	order *list.List // of *cachedStmt, most recently used first
	bySQL map[string]*list.Element
}

type cachedStmt struct {
	sql  string
	stmt *sql.Stmt
}

func newStmtCache(db *sql.DB) *stmtCache {
	return &stmtCache{db: db, order: list.New(), bySQL: make(map[string]*list.Element)}
}

// query runs sql with params on a kept statement, preparing it first when it is not kept.
func (c *stmtCache) query(ctx context.Context, query string, params ...any) (*sql.Rows, error) {
	stmt, err := c.get(ctx, query)
	if err != nil {
		return nil, err
	}
	return stmt.QueryContext(ctx, params...)
}

func (c *stmtCache) get(ctx context.Context, query string) (*sql.Stmt, error) {
	c.mu.Lock()
	if e, ok := c.bySQL[query]; ok {
		c.order.MoveToFront(e)
		c.mu.Unlock()
		return e.Value.(*cachedStmt).stmt, nil
	}
	c.mu.Unlock()
	// Prepared outside the lock: two callers may prepare the same SQL, and the second keeps the
	// first's statement.
	stmt, err := c.db.PrepareContext(ctx, query)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if e, ok := c.bySQL[query]; ok {
		stmt.Close()
		c.order.MoveToFront(e)
		return e.Value.(*cachedStmt).stmt, nil
	}
	c.bySQL[query] = c.order.PushFront(&cachedStmt{sql: query, stmt: stmt})
	if c.order.Len() > stmtCacheSize {
		oldest := c.order.Remove(c.order.Back()).(*cachedStmt)
		delete(c.bySQL, oldest.sql)
		// database/sql closes it once no query of it is running.
		oldest.stmt.Close()
	}
	return stmt, nil
}

// close closes every kept statement.
func (c *stmtCache) close() {
	c.mu.Lock()
	defer c.mu.Unlock()
	for e := c.order.Front(); e != nil; e = e.Next() {
		e.Value.(*cachedStmt).stmt.Close()
	}
	c.order.Init()
	clear(c.bySQL)
}
