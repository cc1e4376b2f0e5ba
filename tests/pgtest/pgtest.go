// Package pgtest starts a throwaway PostgreSQL for tests: Debian's postgresql package, a cluster in
// a temporary directory reached by a Unix socket only, stopped when the test ends. initdb refuses to
// run as root, so as root the cluster runs as the unprivileged user nobody.
package pgtest

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// Server is a running cluster.
type Server struct {
	Dir string // the data directory; the socket is in Dir too
	cmd *exec.Cmd
}

// binDir finds the newest installed PostgreSQL's programs.
func binDir() string {
	matches, _ := filepath.Glob("/usr/lib/postgresql/*/bin/initdb")
	if len(matches) == 0 {
		if p, err := exec.LookPath("initdb"); err == nil {
			return filepath.Dir(p)
		}
		return ""
	}
	sort.Slice(matches, func(i, j int) bool {
		a, _ := strconv.Atoi(filepath.Base(filepath.Dir(filepath.Dir(matches[i]))))
		b, _ := strconv.Atoi(filepath.Base(filepath.Dir(filepath.Dir(matches[j]))))
		return a < b
	})
	return filepath.Dir(matches[len(matches)-1])
}

// Start runs a new cluster for t, or skips t loudly when PostgreSQL is not installed (and fails
// it under CI=true, where it must be: .ci/run installs it).
func Start(t testing.TB) *Server {
	t.Helper()
	bin := binDir()
	if bin == "" {
		msg := "PostgreSQL IS NOT INSTALLED: skipping the tests against a real PostgreSQL (apt-get install postgresql)"
		if os.Getenv("CI") == "true" {
			t.Fatal(msg)
		}
		t.Skip("\n\n*** " + msg + " ***\n")
	}
	dir, err := os.MkdirTemp("", "pgtest-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	cred, err := unprivileged(dir)
	if err != nil {
		t.Fatal(err)
	}
	data := filepath.Join(dir, "data")
	initdb := exec.Command(filepath.Join(bin, "initdb"), "-D", data, "-U", "postgres", "--auth=trust", "--no-sync", "-E", "UTF8", "--locale=C")
	initdb.SysProcAttr = &syscall.SysProcAttr{Credential: cred}
	if out, err := initdb.CombinedOutput(); err != nil {
		t.Fatalf("initdb: %v\n%s", err, out)
	}
	s := &Server{Dir: dir}
	s.cmd = exec.Command(filepath.Join(bin, "postgres"), "-D", data, "-k", dir, "-c", "listen_addresses=",
		"-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off", "-p", "5432")
	s.cmd.SysProcAttr = &syscall.SysProcAttr{Credential: cred, Setpgid: true}
	logFile, _ := os.Create(filepath.Join(dir, "postgres.log"))
	s.cmd.Stdout, s.cmd.Stderr = logFile, logFile
	if err := s.cmd.Start(); err != nil {
		t.Fatalf("start postgres: %v", err)
	}
	t.Cleanup(s.stop)
	deadline := time.Now().Add(30 * time.Second)
	for {
		conn, err := pgx.Connect(context.Background(), s.DSN("postgres"))
		if err == nil {
			conn.Close(context.Background())
			break
		}
		if time.Now().After(deadline) {
			log, _ := os.ReadFile(filepath.Join(dir, "postgres.log"))
			t.Fatalf("postgres did not start: %v\n%s", err, log)
		}
		time.Sleep(100 * time.Millisecond)
	}
	return s
}

// unprivileged returns the credential to run PostgreSQL with, giving it dir: nobody when this
// process is root, nil (this process's own) otherwise.
func unprivileged(dir string) (*syscall.Credential, error) {
	if os.Geteuid() != 0 {
		return nil, nil
	}
	u, err := user.Lookup("nobody")
	if err != nil {
		return nil, fmt.Errorf("as root PostgreSQL needs an unprivileged user: %w", err)
	}
	uid, _ := strconv.Atoi(u.Uid)
	gid, _ := strconv.Atoi(u.Gid)
	if err := os.Chown(dir, uid, gid); err != nil {
		return nil, err
	}
	return &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid), NoSetGroups: true}, nil
}

// DSN is the connection string of a database on the server.
func (s *Server) DSN(database string) string {
	return fmt.Sprintf("host=%s port=5432 user=postgres dbname=%s sslmode=disable", s.Dir, database)
}

// CreateDatabase makes a new empty database and returns its DSN.
func (s *Server) CreateDatabase(t testing.TB, name string) string {
	t.Helper()
	conn, err := pgx.Connect(context.Background(), s.DSN("postgres"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	if _, err := conn.Exec(context.Background(), "CREATE DATABASE "+pgx.Identifier{name}.Sanitize()); err != nil {
		t.Fatal(err)
	}
	return s.DSN(name)
}

// Exec runs SQL (several statements allowed) on a database.
func Exec(t testing.TB, dsn, sql string) {
	t.Helper()
	conn, err := pgx.Connect(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	if _, err := conn.Exec(context.Background(), sql); err != nil {
		t.Fatalf("%v\n%s", err, sql)
	}
}

func (s *Server) stop() {
	if s.cmd.Process == nil {
		return
	}
	_ = s.cmd.Process.Signal(syscall.SIGINT) // fast shutdown
	done := make(chan struct{})
	go func() { _ = s.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		_ = s.cmd.Process.Kill()
		<-done
	}
}

// CPU is the CPU time the cluster's processes have used so far (Linux only; 0 elsewhere): the
// postmaster's own, its exited children's (a backend whose connection closed), and its live
// children's (backends, autovacuum, the checkpointer). The difference across a run is what
// PostgreSQL spent serving it, beside the CPU of the client.
func (s *Server) CPU() time.Duration {
	ticks := func(pid string, children bool) int64 {
		raw, err := os.ReadFile("/proc/" + pid + "/stat")
		if err != nil {
			return 0
		}
		// After "pid (comm) ": state is field 0, utime 11, stime 12, cutime 13, cstime 14.
		end := strings.LastIndexByte(string(raw), ')')
		if end < 0 {
			return 0
		}
		f := strings.Fields(string(raw[end+1:]))
		if len(f) < 15 {
			return 0
		}
		var n int64
		idx := []int{11, 12}
		if children {
			idx = append(idx, 13, 14)
		}
		for _, i := range idx {
			v, _ := strconv.ParseInt(f[i], 10, 64)
			n += v
		}
		return n
	}
	raw, err := os.ReadFile(filepath.Join(s.Dir, "data", "postmaster.pid"))
	if err != nil {
		return 0
	}
	pid, _, _ := strings.Cut(string(raw), "\n")
	total := ticks(pid, true)
	kids, _ := os.ReadFile("/proc/" + pid + "/task/" + pid + "/children")
	for _, k := range strings.Fields(string(kids)) {
		total += ticks(k, false)
	}
	return time.Duration(total) * time.Second / 100 // USER_HZ is 100 on Linux
}
