package main

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"time"
)

// redate rewrites the upload dates of the kept database of a corpus (cfg.ReuseDB/<shape>.db), in
// place, to what the corpus's law (cfg.Dates) gives each torrent: a database built under one law
// is measured under the other without building it again (a quarter of an hour and more at a
// million). Torrent i is stored with id i+1 by the bench's ingest. Only uploaded_at changes, so
// names, files and the full-text index stay as they were; the indexes keyed by date are rewritten
// by SQLite in id order, which is the order a build under the new law would have given them.
func redate(ctx context.Context, cfg Config, shape Shape, progress func(string, ...any)) error {
	path := filepath.Join(cfg.ReuseDB, string(shape)+".db")
	n, err := largestID(ctx, path)
	if err != nil {
		return err
	}
	corpus := NewShapedCorpus(cfg.Seed, shape).WithDates(cfg.Dates, n)
	db, err := sql.Open("sqlite", path+"?_pragma=journal_mode(WAL)&_pragma=cache_size(-65536)")
	if err != nil {
		return err
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	progress("%s corpus: rewriting the upload dates of %d torrents to the %s law", shape, n, cfg.Dates)
	start := time.Now()
	const step = 50000
	for from := 0; from < n; from += step {
		tx, err := db.BeginTx(ctx, nil)
		if err != nil {
			return err
		}
		stmt, err := tx.PrepareContext(ctx, "UPDATE torrents SET uploaded_at = ? WHERE id = ?")
		if err != nil {
			tx.Rollback() //nolint:errcheck // the error above wins
			return err
		}
		for i := from; i < min(from+step, n); i++ {
			var at int64
			if cfg.Dates == DatesArrival {
				at = corpus.arrivalDate(i).Unix()
			} else {
				at = corpus.Item(i).UploadedAt.Unix()
			}
			if _, err := stmt.ExecContext(ctx, at, i+1); err != nil {
				tx.Rollback() //nolint:errcheck // the error above wins
				return fmt.Errorf("torrent %d: %w", i+1, err)
			}
		}
		if err := tx.Commit(); err != nil {
			return err
		}
	}
	if _, err := db.ExecContext(ctx, "PRAGMA wal_checkpoint(TRUNCATE)"); err != nil {
		return err
	}
	progress("%s corpus: rewrote the dates in %s", shape, time.Since(start).Round(time.Millisecond))
	return nil
}
