package bootstrap

import (
	"io"
	"log/slog"
	"math"
	"runtime"
	"runtime/debug"
	"testing"
)

// The service's memory budget is the sum of its parts (memory.go), and Serve sets the Go runtime's
// memory limit to it unless GOMEMLIMIT is set. Before, nothing bounded the heap but the collector's
// default target (twice what was live at the last collection): with password hashes in flight at a
// collection, the heap and RSS rose with it (the 10-minute soak: RSS +10.7 % from its middle to
// its end).
func TestServeLimitsTheGoHeapToTheMemoryBudget(t *testing.T) {
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	svc, err := NewInMemory(Config{CacheMaxMiB: 64}, log)
	if err != nil {
		t.Fatal(err)
	}
	defer svc.Close()
	b := svc.memory
	want := memoryBudget{cache: 64 << 20, hashing: int64(runtime.NumCPU()) * 19 << 20, legacyHashing: 32 << 20, requests: memoryForRequests}
	if b != want {
		t.Fatalf("budget %v, want %v", b, want)
	}
	before := debug.SetMemoryLimit(-1)
	defer debug.SetMemoryLimit(before)
	t.Setenv("GOMEMLIMIT", "")
	if got := applyMemoryLimit(b, log); got != b.total() || debug.SetMemoryLimit(-1) != b.total() {
		t.Fatalf("limit %d (runtime: %d), want the budget %d", got, debug.SetMemoryLimit(-1), b.total())
	}
	// An operator's GOMEMLIMIT wins (the runtime read it at start; here, as if it had).
	debug.SetMemoryLimit(math.MaxInt64)
	t.Setenv("GOMEMLIMIT", "1GiB")
	if got := applyMemoryLimit(b, log); got != math.MaxInt64 || debug.SetMemoryLimit(-1) != math.MaxInt64 {
		t.Fatalf("with GOMEMLIMIT set the limit became %d", debug.SetMemoryLimit(-1))
	}
	// The cache's share follows CACHE_MAX_MIB, and is none with the cache off.
	off := false
	svc2, err := NewInMemory(Config{CacheMaxMiB: 16, CacheEnabled: &off}, log)
	if err != nil {
		t.Fatal(err)
	}
	defer svc2.Close()
	if svc2.memory.cache != 0 {
		t.Fatalf("cache off: the budget counts %d bytes for it", svc2.memory.cache)
	}
}
