package r1

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"
	"unicode/utf8"

	"github.com/torrent-streamer/streamer/domain"
)

// Database is the catalog's R1 database: an Engine plus what every repository shares (the D1 limits,
// the count of engine calls, the migrations).
type Database struct {
	engine Engine
	calls  atomic.Int64
}

// New wraps an engine; the D1 engine plugs in here. The database is not migrated: call Migrate.
func New(engine Engine) *Database {
	return &Database{engine: engine}
}

// Calls counts the engine calls made so far: one per Query and one per Batch, which on D1 is one
// Cloudflare API request each.
func (db *Database) Calls() int64 { return db.calls.Load() }

// costs are the engine's (see Costs).
func (db *Database) costs() Costs { return db.engine.Costs() }

// Settle finishes now what the local engine leaves for when it is idle: merging the full-text
// index's segments, and checkpointing the WAL (see upkeep.go). A bulk load calls it at its end, so
// what it measures includes them; nothing else needs to. On D1 it does nothing.
func (db *Database) Settle(ctx context.Context) error {
	if e, ok := db.engine.(*localEngine); ok {
		return e.settle(ctx)
	}
	return nil
}

// Close releases the engine.
func (db *Database) Close() error { return db.engine.Close() }

// Ping fails unless the database answers and every embedded migration is applied; it backs /readyz
// and the health check. Every failure wraps domain.ErrUnavailable, but a full disk (the last write
// found no space, and there is still none), which wraps domain.ErrStorageFull.
func (db *Database) Ping(ctx context.Context) error {
	names := migrationNames()
	res, err := db.query(ctx, Statement{
		SQL:    "SELECT count(*) AS applied FROM d1_migrations WHERE name IN (" + placeholders(len(names)) + ")",
		Params: stringParams(names),
	})
	if err != nil {
		return fmt.Errorf("%w: r1 did not answer or is not migrated: %w", domain.ErrUnavailable, err)
	}
	r := rowReader{row: firstRow(res)}
	applied := r.int("applied")
	if r.err != nil {
		return fmt.Errorf("%w: %w", domain.ErrUnavailable, r.err)
	}
	if applied != int64(len(names)) {
		return fmt.Errorf("%w: r1 has %d of %d migrations applied", domain.ErrUnavailable, applied, len(names))
	}
	if f, ok := db.engine.(interface{ storageFull() bool }); ok && f.storageFull() {
		return fmt.Errorf("r1: reads answer, but the disk has no space left for writes: %w", domain.ErrStorageFull)
	}
	return nil
}

func (db *Database) query(ctx context.Context, s Statement) (Result, error) {
	if err := checkStatement(s); err != nil {
		return Result{}, err
	}
	db.calls.Add(1)
	return db.engine.Query(ctx, s)
}

// queryAll runs read-only statements in one engine call (one request on D1).
func (db *Database) queryAll(ctx context.Context, statements []Statement) ([]Result, error) {
	for _, s := range statements {
		if s.local {
			if e, ok := db.engine.(*localEngine); !ok || e.opts.ParamsAsText {
				return nil, errLocalOnly
			}
			continue
		}
		if err := checkStatement(s); err != nil {
			return nil, err
		}
	}
	db.calls.Add(1)
	results, err := db.engine.QueryBatch(ctx, statements)
	if err == nil && len(results) != len(statements) {
		return nil, fmt.Errorf("r1: the engine answered %d results for %d statements", len(results), len(statements))
	}
	return results, err
}

func (db *Database) batch(ctx context.Context, statements []Statement) ([]Result, error) {
	return db.batchOf(ctx, statements, false)
}

// batchOf is batch; rowsChecked says the caller checked its rows against the tables' CHECK
// constraints itself (rowchecks.go), so the local engine may run them with SQLite's off.
func (db *Database) batchOf(ctx context.Context, statements []Statement, rowsChecked bool) ([]Result, error) {
	for _, s := range statements {
		if s.local {
			if e, ok := db.engine.(*localEngine); !ok || e.opts.ParamsAsText {
				return nil, errLocalOnly
			}
			continue
		}
		if err := checkStatement(s); err != nil {
			return nil, err
		}
	}
	db.calls.Add(1)
	var results []Result
	var err error
	if e, ok := db.engine.(*localEngine); ok && rowsChecked {
		results, err = e.batch(ctx, statements, true)
	} else {
		results, err = db.engine.Batch(ctx, statements)
	}
	if err == nil && len(results) != len(statements) {
		return nil, fmt.Errorf("r1: the engine answered %d results for %d statements", len(results), len(statements))
	}
	return results, err
}

// errLocalOnly is a statement for the local file (Statement.local) sent to another engine: a bug.
var errLocalOnly = errors.New("r1: a statement for the local file only, sent to another engine")

// checkStatement refuses what D1 would: the local engine would run it, and the bug would show only in
// production.
func checkStatement(s Statement) error {
	if len(s.SQL) > maxSQLBytes {
		return fmt.Errorf("r1: statement of %d bytes is over D1's %d", len(s.SQL), maxSQLBytes)
	}
	if len(s.Params) > maxParams {
		return fmt.Errorf("r1: statement with %d parameters is over D1's %d", len(s.Params), maxParams)
	}
	if strings.Count(s.SQL, "UNION") >= maxCompoundTerms {
		if n := compoundTerms(s.SQL); n > maxCompoundTerms {
			return fmt.Errorf("r1: a compound SELECT of %d terms is over D1's %d (too many terms in compound SELECT)", n, maxCompoundTerms)
		}
	}
	for i, p := range s.Params {
		if p == nil {
			return fmt.Errorf("parameter %d: %w", i+1, errNilParam)
		}
		if text, ok := p.(string); ok && !utf8.ValidString(text) {
			// JSON (D1's transport) cannot carry it unchanged.
			return fmt.Errorf("r1: parameter %d is not valid UTF-8", i+1)
		}
	}
	return nil
}

func firstRow(r Result) Row {
	if len(r.Rows) == 0 {
		return Row{}
	}
	return r.Rows[0]
}

// placeholders is "?, ?, ?" for n parameters.
func placeholders(n int) string {
	if n <= 0 {
		return ""
	}
	b := make([]byte, 0, 3*n)
	for i := range n {
		if i > 0 {
			b = append(b, ", "...)
		}
		b = append(b, '?')
	}
	return string(b)
}

func stringParams(values []string) []any {
	out := make([]any, len(values))
	for i, v := range values {
		out[i] = v
	}
	return out
}

// compoundTerms is the most terms any one compound SELECT of sql has: the UNIONs (and INTERSECTs,
// EXCEPTs) counted per level of parentheses, outside string literals (a subquery counts its own).
func compoundTerms(sql string) int {
	most := 1
	counts := []int{1}
	for i := 0; i < len(sql); i++ {
		switch c := sql[i]; {
		case c == '\'':
			for i++; i < len(sql) && sql[i] != '\''; i++ {
			}
		case c == '(':
			counts = append(counts, 1)
		case c == ')' && len(counts) > 1:
			most = max(most, counts[len(counts)-1])
			counts = counts[:len(counts)-1]
		case c == 'U' && strings.HasPrefix(sql[i:], "UNION"), c == 'I' && strings.HasPrefix(sql[i:], "INTERSECT"),
			c == 'E' && strings.HasPrefix(sql[i:], "EXCEPT"):
			counts[len(counts)-1]++
		}
	}
	for _, n := range counts {
		most = max(most, n)
	}
	return most
}
