package r1

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"slices"
	"strings"
	"unicode"

	"github.com/torrent-streamer/streamer/domain"
)

// The migrations are wrangler's layout (migrations/NNNN_name.sql), so `wrangler d1 migrations apply`
// and Migrate read the same files and record them in the same table.
//
//go:embed migrations/*.sql
var migrationFiles embed.FS

type migration struct {
	name       string // the file name, as wrangler records it
	statements []string
}

var migrations = mustLoadMigrations()

func mustLoadMigrations() []migration {
	entries, err := fs.ReadDir(migrationFiles, "migrations")
	if err != nil {
		panic(err)
	}
	var out []migration
	for _, e := range entries {
		if e.IsDir() || !strings.HasSuffix(e.Name(), ".sql") {
			continue
		}
		raw, err := migrationFiles.ReadFile("migrations/" + e.Name())
		if err != nil {
			panic(err)
		}
		out = append(out, migration{name: e.Name(), statements: splitStatements(string(raw))})
	}
	slices.SortFunc(out, func(a, b migration) int { return strings.Compare(a.name, b.name) })
	return out
}

func migrationNames() []string {
	names := make([]string, len(migrations))
	for i, m := range migrations {
		names[i] = m.name
	}
	return names
}

// wrangler's own definition of its table, so either tool sees what the other applied.
const createMigrationsTable = `CREATE TABLE IF NOT EXISTS d1_migrations (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    name       TEXT UNIQUE,
    applied_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP
)`

// Migrate applies the migrations not yet applied, in order, then inserts the default categories
// (INSERT OR IGNORE: the seed's db:init). Each migration is one batch that starts by recording
// itself in d1_migrations: when two processes migrate at once, the second one's insert hits the
// unique name and its whole batch rolls back, which means "already applied".
func (db *Database) Migrate(ctx context.Context) error {
	if _, err := db.batch(ctx, []Statement{{SQL: createMigrationsTable}}); err != nil {
		return fmt.Errorf("r1: create d1_migrations: %w", err)
	}
	applied, err := db.appliedMigrations(ctx)
	if err != nil {
		return err
	}
	if e, ok := db.engine.(*localEngine); ok && applied[bulkLoadMigration] {
		// Before any migration, which may change what it makes again (the full-text triggers).
		loading, err := e.finishInterruptedBulkLoad(ctx)
		if err != nil {
			return err
		}
		for _, m := range migrations {
			if loading && !applied[m.name] {
				return fmt.Errorf("r1: another process is bulk loading this database; migration %s waits until it has finished: %w", m.name, domain.ErrUnavailable)
			}
		}
		if loading {
			e.noticeLoadingElsewhere()
		}
	}
	for _, m := range migrations {
		if applied[m.name] {
			continue
		}
		batch := make([]Statement, 0, 1+len(m.statements))
		batch = append(batch, Statement{SQL: "INSERT INTO d1_migrations (name) VALUES (?)", Params: []any{m.name}})
		for _, s := range m.statements {
			batch = append(batch, Statement{SQL: s})
		}
		_, err := db.batch(ctx, batch)
		if errors.Is(err, domain.ErrConflict) {
			// Someone else applied it first; make sure that is what the conflict meant.
			now, qerr := db.appliedMigrations(ctx)
			if qerr == nil && now[m.name] {
				continue
			}
		}
		if err != nil {
			return fmt.Errorf("r1: migration %s: %w", m.name, err)
		}
	}
	if e, ok := db.engine.(*localEngine); ok {
		if err := e.setAutomerge(ctx); err != nil {
			return fmt.Errorf("r1: full-text merge setting: %w", err)
		}
	}
	if err := NewCategoryRepository(db).Ensure(ctx, domain.DefaultCategories()); err != nil {
		return fmt.Errorf("r1: default categories: %w", err)
	}
	if err := db.deriveReleases(ctx); err != nil {
		return fmt.Errorf("r1: read the release names of stored torrents: %w", err)
	}
	return nil
}

func (db *Database) appliedMigrations(ctx context.Context) (map[string]bool, error) {
	res, err := db.query(ctx, Statement{SQL: "SELECT name FROM d1_migrations"})
	if err != nil {
		return nil, fmt.Errorf("r1: read d1_migrations: %w", err)
	}
	applied := make(map[string]bool, len(res.Rows))
	for _, row := range res.Rows {
		r := rowReader{row: row}
		name := r.text("name")
		if r.err != nil {
			return nil, r.err
		}
		applied[name] = true
	}
	return applied, nil
}

// splitStatements cuts a migration file into single statements, because a D1 batch entry and the
// local engine's per-statement results both want one statement each. It knows what the files use:
// quotes, comments, and CREATE TRIGGER bodies whose inner semicolons end at END (CASE ... END
// inside a body is counted so it does not end the trigger).
func splitStatements(script string) []string {
	var (
		out       []string
		start     int
		word      strings.Builder
		words     []string // the first words of the current statement
		inTrigger bool
		caseDepth int
		lastWord  string
		hasCode   bool // something other than comments and blanks since start
	)
	flushWord := func() {
		if word.Len() == 0 {
			return
		}
		w := strings.ToUpper(word.String())
		word.Reset()
		if len(words) < 4 {
			words = append(words, w)
			if w == "TRIGGER" && len(words) >= 2 && words[0] == "CREATE" {
				inTrigger = true
			}
		}
		if inTrigger {
			switch w {
			case "CASE":
				caseDepth++
			case "END":
				if caseDepth > 0 {
					caseDepth--
					w = "" // a CASE's END, not the body's
				}
			}
		}
		lastWord = w
	}
	emit := func(end int) {
		if hasCode {
			out = append(out, strings.TrimSpace(script[start:end]))
		}
		start = end + 1
		words, inTrigger, caseDepth, lastWord, hasCode = nil, false, 0, "", false
	}
	for i := 0; i < len(script); i++ {
		c := script[i]
		isComment := i+1 < len(script) && (c == '-' && script[i+1] == '-' || c == '/' && script[i+1] == '*')
		if !isComment && c != ';' && !unicode.IsSpace(rune(c)) {
			hasCode = true
		}
		switch {
		case c == '-' && i+1 < len(script) && script[i+1] == '-':
			flushWord()
			for i < len(script) && script[i] != '\n' {
				i++
			}
		case c == '/' && i+1 < len(script) && script[i+1] == '*':
			flushWord()
			end := strings.Index(script[i+2:], "*/")
			if end < 0 {
				i = len(script)
			} else {
				i += 2 + end + 1
			}
		case c == '\'' || c == '"' || c == '`' || c == '[':
			flushWord()
			closing := c
			if c == '[' {
				closing = ']'
			}
			for i++; i < len(script); i++ {
				if script[i] == closing {
					// A doubled quote is an escaped quote, inside the string.
					if closing != ']' && i+1 < len(script) && script[i+1] == closing {
						i++
						continue
					}
					break
				}
			}
			lastWord = "'"
		case c == ';':
			flushWord()
			if !inTrigger || lastWord == "END" {
				emit(i)
			}
		case c == '_' || unicode.IsLetter(rune(c)) || unicode.IsDigit(rune(c)):
			word.WriteByte(c)
		default:
			flushWord()
		}
	}
	flushWord()
	emit(len(script))
	return out
}
