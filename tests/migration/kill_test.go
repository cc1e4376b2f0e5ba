package migration_test

import (
	"bytes"
	"database/sql"
	"os"
	"os/exec"
	"syscall"
	"testing"
	"time"

	"github.com/torrent-streamer/streamer/bootstrap"
	"github.com/torrent-streamer/streamer/tests/pgtest"
	"github.com/torrent-streamer/streamer/tests/servicebin"
)

// The binary killed with SIGKILL once it has checkpointed, then started again, ends with the same
// database as a clean run, and the second run reads on from the checkpoint.
func TestAnImportKilledHalfWayResumes(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary and imports 16,000 torrents twice")
	}
	pg := pgtest.Start(t)
	dsn := pg.CreateDatabase(t, "bitmagnet")
	pgtest.Exec(t, dsn, pgtest.BitmagnetSchema+pgtest.BitmagnetBulk(16000, 10))
	clean := config(t)
	importFrom(t, clean, dsn, bootstrap.ImportOptions{Presets: []string{"bitmagnet"}})

	bin := servicebin.Path(t)
	killed := config(t)
	run := func() *exec.Cmd {
		// A checkpoint after every batch: 16,000 torrents (four bulk batches) import in a few
		// seconds here, close to the default 5 s checkpoint, so the kill must come between two
		// batches.
		cmd := exec.Command(bin, "import", "--from", dsn, "--preset", "bitmagnet", "--checkpoint-every", "1ns")
		cmd.Env = append(os.Environ(), "R1_DATABASE="+killed.DatabasePath(), "AUTH_SECRET="+secret, "LOG_LEVEL=warn", "CI=true")
		return cmd
	}
	cmd := run()
	var output bytes.Buffer
	cmd.Stdout, cmd.Stderr = &output, &output
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	// Wait for the first checkpoint, then kill -9.
	deadline := time.After(2 * time.Minute)
	for !checkpointed(killed.DatabasePath()) {
		select {
		case err := <-exited:
			t.Fatalf("the import ended (%v) before it wrote a checkpoint:\n%s", err, output.String())
		case <-deadline:
			_ = cmd.Process.Kill()
			<-exited
			t.Fatalf("the import wrote no checkpoint within 2 minutes:\n%s", output.String())
		case <-time.After(2 * time.Millisecond):
		}
	}
	_ = cmd.Process.Signal(syscall.SIGKILL)
	<-exited
	if got := column(t, killed, "SELECT count(*) FROM torrents"); got == "16000" {
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
