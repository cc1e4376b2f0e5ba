package postgres

import (
	"context"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"
)

// merged is what a read of a kind with child mappings holds beside its own stream: a connection
// a child, each reading in the parent's snapshot, and the merge.
type merged struct {
	tx     pgx.Tx // the parent's read, REPEATABLE READ, whose snapshot the children share
	conns  []*pgx.Conn
	merger merger
	// apply puts what a child gathered for the current parent into the parent's row values, and
	// returns why the row cannot be read ("" when it can)
	apply []func(values []any) string
}

// openChildren starts q's child streams after the key after ("" for all). Each child has a
// connection of its own, so that all stream at once; they read the parent's snapshot
// (pg_export_snapshot), so a torrent and its files are read as of the same moment on a live
// database. A server that cannot export one (a standby of PostgreSQL before 10) is read without.
func (s *Source) openChildren(ctx context.Context, kind string, q *query, after string) (*merged, error) {
	m := &merged{merger: merger{name: kind + " mapping"}}
	snapshot := ""
	if tx, err := s.conn.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly}); err == nil {
		if err := tx.QueryRow(ctx, "SELECT pg_export_snapshot()").Scan(&snapshot); err != nil || strings.Trim(snapshot, "0123456789ABCDEFabcdef-") != "" {
			_ = tx.Rollback(ctx)
			snapshot = ""
		} else {
			m.tx = tx
		}
	}
	for _, c := range q.children {
		conn, err := pgx.ConnectConfig(ctx, s.conn.Config())
		if err != nil {
			m.close()
			return nil, fmt.Errorf("connect to PostgreSQL for %s: %w", c.file, err)
		}
		m.conns = append(m.conns, conn)
		_, _ = conn.Exec(ctx, "SET jit = off")
		if snapshot != "" {
			if _, err := conn.Exec(ctx, "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY"); err != nil {
				m.close()
				return nil, fmt.Errorf("%s: %w", c.file, err)
			}
			if _, err := conn.Exec(ctx, "SET TRANSACTION SNAPSHOT '"+snapshot+"'"); err != nil {
				m.close()
				return nil, fmt.Errorf("%s: %w", c.file, err)
			}
		}
		sql, args := c.sql, []any(nil)
		if after != "" {
			sql += " AND c." + parentKey + " > CAST($1::text AS " + c.pkType + ")" + q.keyClass.collate()
			args = []any{after}
		}
		rows, err := conn.Query(ctx, sql+c.order, args...)
		if err != nil {
			m.close()
			return nil, fmt.Errorf("%s: %w", c.file, err)
		}
		stream, apply := c.gather(rows, q.keyClass)
		m.merger.streams = append(m.merger.streams, stream)
		m.apply = append(m.apply, apply)
	}
	return m, nil
}

// close ends the parent's transaction and the children's connections. A child connection closed in
// the middle of its rows is not drained: the server stops sending them.
func (m *merged) close() {
	if m.tx != nil {
		_ = m.tx.Rollback(context.Background())
	}
	for _, c := range m.conns {
		_ = c.Close(context.Background())
	}
}

// row applies every child's gathering to a parent's row values.
func (m *merged) row(values []any) string {
	problem := ""
	for _, apply := range m.apply {
		if p := apply(values); p != "" && problem == "" {
			problem = p
		}
	}
	return problem
}

// pgCursor is a child query's rows as the merge reads them: parent_key is the first column.
type pgCursor struct {
	rows  pgx.Rows
	class keyClass
	buf   []byte
}

func (c *pgCursor) Next() bool { return c.rows.Next() }
func (c *pgCursor) Err() error { return c.rows.Err() }
func (c *pgCursor) Key() ([]byte, error) {
	var err error
	c.buf, err = keyOf(c.buf[:0], c.class, c.rows.FieldDescriptions()[0].Format, c.rows.RawValues()[0])
	return c.buf, err
}

// gather makes the merge's stream of a child's rows, and how what it gathered for a parent goes
// into the parent's row (see child: a list fills the parent's columns the parent leaves NULL; a
// part's first row replaces them with its values that are not NULL).
func (c *childQuery) gather(rows pgx.Rows, class keyClass) (*childStream, func(values []any) string) {
	stream := &childStream{name: c.file, rows: &pgCursor{rows: rows, class: class}}
	if c.list == nil {
		var dest, got []any
		found := false
		stream.reset = func() { found = false }
		stream.take = func() error {
			if found {
				return nil
			}
			if dest == nil {
				dest = scanTargets(rows.FieldDescriptions())
				dest[0] = nil // parent_key
			}
			if err := rows.Scan(dest...); err != nil {
				return err
			}
			got, found = valuesOf(dest)[1:], true
			return nil
		}
		return stream, func(values []any) string {
			if found {
				for j, at := range c.targets {
					if got[j] != nil {
						values[at] = got[j]
					}
				}
			}
			return ""
		}
	}
	l := c.list
	dest := make([]any, 1+len(l.columns))
	for j := range l.columns {
		if l.ints[j] {
			dest[j+1] = new(pgtype.Int8)
		} else {
			dest[j+1] = new(pgtype.Text)
		}
	}
	texts := make([][]pgtype.Text, len(l.columns))
	ints := make([][]pgtype.Int8, len(l.columns))
	n, first, found := 0, "", false
	stream.reset = func() {
		n, found = 0, false
		for j := range l.columns {
			texts[j], ints[j] = texts[j][:0], ints[j][:0]
		}
	}
	stream.take = func() error {
		if found {
			return nil
		}
		if n++; n > listLimit {
			return nil // counted, not kept
		}
		if err := rows.Scan(dest...); err != nil {
			return err
		}
		if l.first {
			if t := dest[1].(*pgtype.Text); t.Valid && t.String != "" {
				first, found = t.String, true
			}
			return nil
		}
		for j := range l.columns {
			switch d := dest[j+1].(type) {
			case *pgtype.Int8:
				ints[j] = append(ints[j], *d)
			case *pgtype.Text:
				texts[j] = append(texts[j], *d)
			}
		}
		return nil
	}
	return stream, func(values []any) string {
		for _, at := range c.targets {
			if values[at] != nil {
				return "" // the parent's own row gives them
			}
		}
		switch {
		case l.first:
			if found {
				values[c.targets[0]] = first
			}
		case n > listLimit:
			return fmt.Sprintf("%s: %s gives %d rows for it, more than %d", l.adds[0], c.file, n, listLimit)
		case n > 0:
			for j, at := range c.targets {
				if l.ints[j] {
					values[at] = ints[j]
				} else {
					values[at] = texts[j]
				}
			}
		}
		return ""
	}
}
