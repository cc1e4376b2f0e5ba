package r1

import "context"

// Engine runs SQL for the repositories. Both SQLite engines sit behind it: the local file (OpenFile)
// and Cloudflare D1 over REST. Its shapes are D1's: a batch is one transaction, and a result is what
// D1 answers in JSON, so a row value is int64, float64, string or nil on the local engine and may be a
// float64, json.Number or string for any number on D1 (the repositories' scanners accept all of them).
//
// Errors are the domain's: a constraint violation is a *domain.ConflictError, a store that does not
// answer (busy, locked, I/O, closed, network) wraps domain.ErrUnavailable, and a cancelled context
// comes back as ctx.Err(). Nothing driver-specific reaches the caller.
type Engine interface {
	// Query runs one read-only statement. Writes go through Batch, so the local engine can serve reads
	// from a pool while one connection writes.
	Query(ctx context.Context, s Statement) (Result, error)
	// QueryBatch runs read-only statements in order in one call: one request on D1, which is what
	// it is for (each call there is a round trip to Cloudflare); the local engine runs them one
	// after the other, in one read transaction. Either way the statements see one snapshot.
	QueryBatch(ctx context.Context, statements []Statement) ([]Result, error)
	// Batch runs the statements in order as one transaction: all of them or none. D1 has no
	// interactive transactions, so every write that must be atomic is a batch, and nothing reads
	// inside one to decide what to write next. (The D1 engine refuses a batch above maxD1Request, which
	// could not be one request; the repositories' batches stay well under it.)
	Batch(ctx context.Context, statements []Statement) ([]Result, error)
	// Costs are what the engine's work costs, for the search planner (search_costs.go).
	Costs() Costs
	// Close releases the engine; later calls fail with domain.ErrUnavailable.
	Close() error
}

// Statement is one SQL statement with its positional (?) parameters. A parameter is a string, an
// integer or a float64, never nil: D1's REST API sends every parameter as a JSON string and has no
// way to send NULL (send an empty string and write NULLIF where NULL is meant). So every number must be
// written so it stays correct when it arrives as text: CAST(? AS INTEGER) wherever column affinity
// would not convert it (LIMIT, OFFSET, expressions, row values).
type Statement struct {
	SQL    string
	Params []any
	// local is a statement only the local file's engine runs (a bound upsert, rowvalues.go): D1's
	// bounds do not apply, a parameter may be nil (NULL), and D1 refuses it.
	local bool
}

// Row is one result row keyed by column name, as D1 returns it; every selected column needs a
// distinct name.
type Row map[string]any

// Result is what one statement produced: its rows (RETURNING included) and D1's meta.
type Result struct {
	Rows      []Row
	Changes   int64
	LastRowID int64
}

// D1's limits. The repositories size their statements and batches by them; Database checks every
// statement against them, on every engine, so the local engine proves what D1 would refuse.
const (
	maxParams   = 100
	maxSQLBytes = 100_000
	// maxCompoundTerms is the most terms of one compound SELECT (D1's SQLITE_LIMIT_COMPOUND_SELECT;
	// SQLite's own default is 500): "too many terms in compound SELECT" past it.
	maxCompoundTerms = 5
	// maxRowBytes is D1's 2 MB per row, with room for the columns the repositories add.
	maxRowBytes = 2_000_000 - 16<<10
)
