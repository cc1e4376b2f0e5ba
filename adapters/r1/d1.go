package r1

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"sync/atomic"

	"github.com/cloudflare/cloudflare-go/v7/d1"
	"github.com/cloudflare/cloudflare-go/v7/option"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/torrent-streamer/streamer/adapters/cfapi"
	"github.com/torrent-streamer/streamer/domain"
)

// ErrNoSuchDatabase means the account has no D1 database of the name or UUID given.
var ErrNoSuchDatabase = errors.New("no such D1 database in the account")

// maxD1Request bounds the body of one D1 request. A batch above it is an error (errBatchTooLarge):
// a batch is one transaction, which several requests would not be. The repositories' largest batch
// (an ingest chunk: at most 1 MiB of torrent rows as they travel, escapes included, see
// upsertChunkBytes, plus a few KB of SQL) stays under it; the bound also keeps what one retry
// re-sends small. D1 itself takes up to 2 MB in one string or row, and the gateway
// Worker 10 MiB in one request.
const maxD1Request = 2 << 20

// OpenD1 opens the D1 database named by database (its name or UUID) in the account, through client
// (see cfapi.NewClient). The name is resolved to the UUID once, here: a missing database or a
// refused token fails now, with an error that says so (ErrNoSuchDatabase, cfapi.ErrAuth), rather
// than at the first request. The database is not migrated: call Migrate.
func OpenD1(ctx context.Context, client *cfapi.Client, accountID, database string) (*Database, error) {
	if accountID == "" || database == "" {
		return nil, errors.New("r1: the Cloudflare account id and the D1 database are required")
	}
	uuid, err := resolveD1(ctx, client, accountID, database)
	if err != nil {
		return nil, err
	}
	return New(&d1Engine{client: client, account: accountID, database: uuid, turns: newTurns(d1InFlight)}), nil
}

// d1InFlight bounds the requests one instance has in flight to its D1 database; past it, a request
// waits its turn here (within its context), ranked by turns: what a client waits for first. A D1 database runs its queries
// one at a time: a request sent beyond what it is running only waits in D1's own queue, which
// answers "overloaded" when it grows too long, and every retry of such a request adds to that queue.
// Measured on the emulator (workerd's D1): about 380 small writes a second with 16 requests in
// flight, 124 with 64; the soak, which had 35 to 50 in flight, ran D1's reads at p50 400 ms.
const d1InFlight = 8

var uuidPattern = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)

// resolveD1 returns the UUID of the database: a UUID is checked with one GET, a name is looked up
// in the account's list (GET /accounts/{id}/d1/database?name=, which matches by substring, so the
// exact name is picked out of the answer).
func resolveD1(ctx context.Context, client *cfapi.Client, accountID, database string) (string, error) {
	if uuidPattern.MatchString(database) {
		var params d1.DatabaseGetParams
		params.AccountID.Value = accountID
		db, err := client.D1.Get(ctx, database, params)
		if err != nil {
			return "", lookupError(database, err)
		}
		return db.UUID, nil
	}
	const perPage = 100
	for page := 1; page <= 100; page++ {
		// The SDK's request fields are set in place: its helper that makes them lives in the root
		// package, which this project does not import (see cfapi.Client).
		var params d1.DatabaseListParams
		params.AccountID.Value = accountID
		params.Name.Value, params.Name.Present = database, true
		params.Page.Value, params.Page.Present = float64(page), true
		params.PerPage.Value, params.PerPage.Present = perPage, true
		list, err := client.D1.List(ctx, params)
		if err != nil {
			return "", lookupError(database, err)
		}
		for _, db := range list.Result {
			if db.Name == database {
				return db.UUID, nil
			}
		}
		if len(list.Result) < perPage {
			break
		}
	}
	return "", fmt.Errorf("r1: %q: %w", database, ErrNoSuchDatabase)
}

func lookupError(database string, err error) error {
	err = cfapi.Translate(cfapi.R1, err)
	var api *cfapi.Error
	if errors.As(err, &api) && api.Status == http.StatusNotFound {
		return fmt.Errorf("r1: %q: %w", database, ErrNoSuchDatabase)
	}
	return fmt.Errorf("r1: look up the D1 database %q: %w", database, err)
}

// d1Engine runs statements on D1 through its REST API: POST /accounts/{id}/d1/database/{uuid}/query
// with {sql, params} for a Query, {batch: [...]} for a Batch (D1 runs a batch as one transaction).
// Parameters travel as strings, as the API types them (see paramText).
type d1Engine struct {
	client   *cfapi.Client
	account  string
	database string // the UUID
	closed   atomic.Bool
	turns    *turns // the requests in flight (d1InFlight); nil: no bound
}

func (e *d1Engine) Query(ctx context.Context, s Statement) (Result, error) {
	if e.closed.Load() {
		return Result{}, errClosed
	}
	params, err := textParams(s.Params)
	if err != nil {
		return Result{}, err
	}
	body, err := encodeBody(d1Query{SQL: s.SQL, Params: params})
	if err != nil {
		return Result{}, err
	}
	results, err := e.send(ctx, body, 1)
	if err != nil {
		return Result{}, err
	}
	return results[0], nil
}

// QueryBatch is a batch: D1 runs it as one transaction, which a read does not need but does not mind.
func (e *d1Engine) QueryBatch(ctx context.Context, statements []Statement) ([]Result, error) {
	return e.Batch(ctx, statements)
}

func (e *d1Engine) Batch(ctx context.Context, statements []Statement) ([]Result, error) {
	if e.closed.Load() {
		return nil, errClosed
	}
	if len(statements) == 0 {
		return nil, nil
	}
	entries := make([]d1Query, len(statements))
	for i, s := range statements {
		params, err := textParams(s.Params)
		if err != nil {
			return nil, fmt.Errorf("statement %d: %w", i+1, err)
		}
		entries[i] = d1Query{SQL: s.SQL, Params: params}
	}
	body, err := encodeBody(d1Batch{Batch: entries})
	if err != nil {
		return nil, err
	}
	// A batch is one transaction only as one request: one that does not fit is refused whole,
	// never cut into requests that would each commit on their own.
	if len(body) > maxD1Request {
		return nil, fmt.Errorf("%w: a batch of %d statements is %d bytes, over the %d of one D1 request, so it cannot be one transaction",
			errBatchTooLarge, len(statements), len(body), maxD1Request)
	}
	return e.send(ctx, body, len(statements))
}

// errBatchTooLarge is a batch the repositories should have bounded: a bug, never split.
var errBatchTooLarge = errors.New("r1: batch too large")

func (e *d1Engine) Costs() Costs { return d1Costs }

func (e *d1Engine) Close() error {
	e.closed.Store(true)
	return nil
}

func textParams(in []any) ([]string, error) {
	out := make([]string, len(in))
	for i, p := range in {
		text, err := paramText(p)
		if err != nil {
			return nil, fmt.Errorf("parameter %d: %w", i+1, err)
		}
		out[i] = text
	}
	return out, nil
}

// d1Query is one statement of a request body: {sql, params}, alone or in a {batch: [...]}.
type d1Query struct {
	SQL    string   `json:"sql"`
	Params []string `json:"params,omitempty"`
}

type d1Batch struct {
	Batch []d1Query `json:"batch"`
}

// encodeBody is the JSON of a request body, with SQL's < > & left as they are.
func encodeBody(v any) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// d1Answer is D1's envelope, read with json.Number so integers arrive exact.
type d1Answer struct {
	Success bool `json:"success"`
	Errors  []struct {
		Code    int64  `json:"code"`
		Message string `json:"message"`
	} `json:"errors"`
	Result []struct {
		Results []map[string]any `json:"results"`
		Success bool             `json:"success"`
		Meta    struct {
			Changes   json.Number `json:"changes"`
			LastRowID json.Number `json:"last_row_id"`
		} `json:"meta"`
	} `json:"result"`
}

// send makes one request with the JSON body and reads its want results.
func (e *d1Engine) send(ctx context.Context, body []byte, want int) ([]Result, error) {
	if e.turns != nil {
		if err := e.turns.take(ctx); err != nil {
			return nil, err
		}
		defer e.turns.release()
	}
	var raw []byte
	var params d1.DatabaseQueryParams
	params.AccountID.Value = e.account
	_, err := e.client.D1.Query(ctx, e.database, params,
		option.WithRequestBody("application/json", body), option.WithResponseBodyInto(&raw))
	if err != nil {
		return nil, d1Error(ctx, err)
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var answer d1Answer
	if err := dec.Decode(&answer); err != nil {
		return nil, fmt.Errorf("r1: unreadable D1 answer: %w: %w", err, domain.ErrUnavailable)
	}
	if !answer.Success {
		msg := "D1 answered without success"
		if len(answer.Errors) > 0 {
			msg = answer.Errors[0].Message
		}
		return nil, d1StatementError(msg)
	}
	if len(answer.Result) != want {
		return nil, fmt.Errorf("r1: D1 answered %d results for %d statements: %w", len(answer.Result), want, domain.ErrUnavailable)
	}
	out := make([]Result, want)
	for i, r := range answer.Result {
		rows := make([]Row, len(r.Results))
		for j, values := range r.Results {
			row := make(Row, len(values))
			for col, v := range values {
				row[col] = d1Value(v)
			}
			rows[j] = row
		}
		changes, _ := asInt64(r.Meta.Changes)
		lastID, _ := asInt64(r.Meta.LastRowID)
		out[i] = Result{Rows: rows, Changes: changes, LastRowID: lastID}
	}
	return out, nil
}

// d1Value makes a JSON value what the local engine gives: integers int64, other numbers float64.
func d1Value(v any) any {
	n, ok := v.(json.Number)
	if !ok {
		return v
	}
	if i, err := n.Int64(); err == nil {
		return i
	}
	if f, err := n.Float64(); err == nil {
		return f
	}
	return n.String()
}

// d1Error maps a failed request: a statement D1 refused (HTTP 400, code 7500, SQLite's text) is
// read like the local engine's errors; anything else is cfapi's translation.
func d1Error(ctx context.Context, err error) error {
	if ctxErr := ctx.Err(); ctxErr != nil {
		return ctxErr
	}
	err = cfapi.Translate(cfapi.R1, err)
	var api *cfapi.Error
	if errors.As(err, &api) && api.Status == http.StatusBadRequest && api.Code == d1QueryError {
		return d1StatementError(api.Message)
	}
	return fmt.Errorf("r1: %w", err)
}

// d1QueryError is D1's error code for a statement that failed.
const d1QueryError = 7500

// d1StatementError reads D1's text for a failed statement ("UNIQUE constraint failed: users.email:
// SQLITE_CONSTRAINT", "D1_ERROR: database is locked: SQLITE_BUSY") into the domain's words, as
// localEngine.mapError does for the driver's.
func d1StatementError(msg string) error {
	msg = strings.TrimPrefix(strings.TrimPrefix(msg, "D1_ERROR: "), "D1_EXEC_ERROR: ")
	text := msg
	if i := strings.Index(text, ": SQLITE_"); i >= 0 {
		text = text[:i] // SQLite's own words, without D1's code suffix
	}
	switch {
	case strings.Contains(text, "UNIQUE constraint failed"):
		return constraintConflict(sqlite3.SQLITE_CONSTRAINT_UNIQUE, text)
	case strings.Contains(text, "FOREIGN KEY constraint failed"):
		return constraintConflict(sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY, text)
	case strings.Contains(text, "constraint failed") || strings.Contains(msg, "SQLITE_CONSTRAINT"):
		return constraintConflict(sqlite3.SQLITE_CONSTRAINT, text)
	}
	for _, transient := range []string{
		"SQLITE_BUSY", "SQLITE_LOCKED", "SQLITE_IOERR", "SQLITE_FULL", "SQLITE_NOMEM", "SQLITE_INTERRUPT",
		"database is locked", "Network connection lost", "overloaded", "reset because its code was updated",
		"storage caused object to be reset", "timed out", "Internal error",
	} {
		if strings.Contains(msg, transient) {
			return fmt.Errorf("r1: D1: %s: %w", msg, domain.ErrUnavailable)
		}
	}
	// A logic error (bad SQL, a missing table, a limit exceeded) is a bug or an unmigrated
	// database: its text only.
	return fmt.Errorf("r1: D1: %s", msg)
}
