package soak

import (
	"database/sql"
	"strings"
	"testing"

	_ "modernc.org/sqlite" // the same driver the service uses
)

// checkDatabase runs SQLite's own checks on the service's database file (the service may be
// running: WAL lets this connection read beside it, and the FTS check waits for the write lock):
// PRAGMA integrity_check, the full-text index's 'integrity-check' command, PRAGMA
// foreign_key_check, and no session without its user.
func checkDatabase(t *testing.T, path string) {
	t.Helper()
	db, err := sql.Open("sqlite", path+"?_pragma=busy_timeout(10000)")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	rows, err := db.Query("PRAGMA integrity_check")
	if err != nil {
		t.Fatalf("integrity_check: %v", err)
	}
	var lines []string
	for rows.Next() {
		var s string
		_ = rows.Scan(&s)
		lines = append(lines, s)
	}
	rows.Close()
	if len(lines) != 1 || lines[0] != "ok" {
		t.Errorf("PRAGMA integrity_check: %s", strings.Join(lines, "; "))
	}
	if _, err := db.Exec("INSERT INTO torrents_fts(torrents_fts) VALUES ('integrity-check')"); err != nil {
		t.Errorf("the full-text index's integrity-check: %v", err)
	}
	var broken int
	if err := db.QueryRow("SELECT count(*) FROM pragma_foreign_key_check").Scan(&broken); err != nil || broken != 0 {
		t.Errorf("foreign_key_check: %d rows (%v)", broken, err)
	}
	var orphans int
	if err := db.QueryRow("SELECT count(*) FROM sessions WHERE user_id NOT IN (SELECT id FROM users)").Scan(&orphans); err != nil || orphans != 0 {
		t.Errorf("sessions without their user: %d (%v)", orphans, err)
	}
	var badFiles int
	if err := db.QueryRow("SELECT count(*) FROM torrents WHERE coalesce(file_count, json_array_length(files)) = 0 AND size > 0").Scan(&badFiles); err != nil || badFiles != 0 {
		t.Errorf("torrents with a size but no files: %d (%v)", badFiles, err)
	}
}
