package migration_test

import (
	"database/sql"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/torrent-streamer/streamer/bootstrap"
	"github.com/torrent-streamer/streamer/tests/pgtest"
)

// The binary killed with SIGKILL once it has checkpointed, then started again, ends with the same
// database as a clean run, and the second run reads on from the checkpoint.
func TestAnImportKilledHalfWayResumes(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary and imports 8,000 torrents twice")
	}
	pg := pgtest.Start(t)
	dsn := pg.CreateDatabase(t, "bitmagnet")
	pgtest.Exec(t, dsn, pgtest.BitmagnetSchema+pgtest.BitmagnetBulk(8000, 10))
	clean := config(t)
	importFrom(t, clean, dsn, bootstrap.ImportOptions{Presets: []string{"bitmagnet"}})

	dir := t.TempDir()
	bin := filepath.Join(dir, "streamer")
	if out, err := exec.Command("go", "build", "-o", bin, "../../cmd/streamer").CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	killed := config(t)
	run := func() *exec.Cmd {
		cmd := exec.Command(bin, "import", "--from", dsn, "--preset", "bitmagnet")
		cmd.Env = append(os.Environ(), "R1_DATABASE="+killed.DatabasePath(), "AUTH_SECRET="+secret, "LOG_LEVEL=warn", "CI=true")
		return cmd
	}
	cmd := run()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	// Wait for the first checkpoint (every 5 s), then kill -9.
	deadline := time.Now().Add(2 * time.Minute)
	for !checkpointed(killed.DatabasePath()) {
		if time.Now().After(deadline) {
			_ = cmd.Process.Kill()
			t.Fatal("the import wrote no checkpoint within 2 minutes")
		}
		time.Sleep(50 * time.Millisecond)
	}
	_ = cmd.Process.Signal(syscall.SIGKILL)
	_ = cmd.Wait()
	if got := column(t, killed, "SELECT count(*) FROM torrents"); got == "8000" {
		t.Skip("the import finished before it could be killed: no interruption to test")
	}
	if out, err := run().CombinedOutput(); err != nil {
		t.Fatalf("the run after kill -9: %v\n%s", err, out)
	}
	if a, b := dump(t, clean.DatabasePath()), dump(t, killed.DatabasePath()); a != b {
		t.Fatal("an import killed with SIGKILL and run again ends with another database than a clean run")
	}
}

func checkpointed(path string) bool {
	db, err := sql.Open("sqlite", "file:"+path+"?mode=ro")
	if err != nil {
		return false
	}
	defer db.Close()
	var n int
	return db.QueryRow("SELECT count(*) FROM import_checkpoints").Scan(&n) == nil && n > 0
}
