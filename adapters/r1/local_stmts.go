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
	// refs counts the queries starting on stmt; an evicted statement is closed when none is (a
	// query that has started keeps it open itself until its rows are closed).
	refs    int
	evicted bool
}

func newStmtCache(db *sql.DB) *stmtCache {
	return &stmtCache{db: db, order: list.New(), bySQL: make(map[string]*list.Element)}
}

// query runs sql with params on a kept statement, preparing it first when it is not kept.
func (c *stmtCache) query(ctx context.Context, query string, params ...any) (*sql.Rows, error) {
	cs, err := c.acquire(ctx, query)
	if err != nil {
		return nil, err
	}
	defer c.release(cs)
	return cs.stmt.QueryContext(ctx, params...)
}

// acquire returns the kept statement of query, prepared if need be, counted as in use.
func (c *stmtCache) acquire(ctx context.Context, query string) (*cachedStmt, error) {
	c.mu.Lock()
	if e, ok := c.bySQL[query]; ok {
		c.order.MoveToFront(e)
		cs := e.Value.(*cachedStmt)
		cs.refs++
		c.mu.Unlock()
		return cs, nil
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
		cs := e.Value.(*cachedStmt)
		cs.refs++
		return cs, nil
	}
	cs := &cachedStmt{sql: query, stmt: stmt, refs: 1}
	c.bySQL[query] = c.order.PushFront(cs)
	if c.order.Len() > stmtCacheSize {
		oldest := c.order.Remove(c.order.Back()).(*cachedStmt)
		delete(c.bySQL, oldest.sql)
		oldest.evicted = true
		if oldest.refs == 0 {
			oldest.stmt.Close()
		}
	}
	return cs, nil
}

// release ends a query's start on cs, closing it when it was evicted meanwhile.
func (c *stmtCache) release(cs *cachedStmt) {
	c.mu.Lock()
	defer c.mu.Unlock()
	cs.refs--
	if cs.evicted && cs.refs == 0 {
		cs.stmt.Close()
	}
}

// close closes every kept statement.
func (c *stmtCache) close() {
	c.mu.Lock()
	defer c.mu.Unlock()
	for e := c.order.Front(); e != nil; e = e.Next() {
		cs := e.Value.(*cachedStmt)
		cs.evicted = true
		if cs.refs == 0 {
			cs.stmt.Close()
		}
	}
	c.order.Init()
	clear(c.bySQL)
}
