package soak

import (
	"bufio"
	"context"
	"fmt"
	"github.com/torrent-streamer/streamer/tests/faultproxy"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/torrent-streamer/streamer/tests/binary"
	"github.com/torrent-streamer/streamer/tests/emulator"
)

// settings of one soak, from the environment (make soak sets them; make test runs the defaults).
type settings struct {
	duration time.Duration
	clients  int
	torrents int  // ingested before the load starts
	write    bool // write the table under soak/
	backends []string
	// profiles, when set (SOAK_PROFILE), is a directory: the service serves /metrics and Go's
	// profiles on an address of their own on 127.0.0.1 (METRICS_ADDR, PPROF=true), and the soak
	// saves a heap profile there at each sample (<backend>-<start|middle|end|after>.heap.pb.gz).
	profiles string
}

func soakSettings(t *testing.T) settings {
	s := settings{duration: 30 * time.Second, clients: 16, torrents: 500, backends: []string{"local", "emulator"}}
	if v := os.Getenv("SOAK_DURATION"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d < 5*time.Second {
			t.Fatalf("SOAK_DURATION=%q: want a duration of at least 5s (10m, 90s)", v)
		}
		s.duration = d
	}
	if v := os.Getenv("SOAK_CLIENTS"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 4096 {
			t.Fatalf("SOAK_CLIENTS=%q: want 1 to 4096", v)
		}
		s.clients = n
	}
	if v := os.Getenv("SOAK_TORRENTS"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			t.Fatalf("SOAK_TORRENTS=%q: want a count", v)
		}
		s.torrents = n
	}
	if v := os.Getenv("SOAK_BACKENDS"); v != "" {
		s.backends = strings.Split(v, ",")
	}
	s.write = os.Getenv("SOAK_WRITE") == "1"
	s.profiles = os.Getenv("SOAK_PROFILE")
	return s
}

// TestSoak drives the built binary on each backend for SOAK_DURATION with SOAK_CLIENTS clients
// (make test: 30 s, 16 clients; make soak: 10 minutes, 64), then checks every acknowledged write.
func TestSoak(t *testing.T) {
	if testing.Short() {
		t.Skip("the soak is not short")
	}
	cfg := soakSettings(t)
	bin := binary.Build(t)
	var reports []string
	for _, backend := range cfg.backends {
		t.Run(backend, func(t *testing.T) {
			emulator.Turn(t) // its load not beside tests/integration's latency measurement
			dir := t.TempDir()
			env := serviceEnv()
			var dbSize func() int64
			var emuCPU func() float64
			switch backend {
			case "local":
				env = append(env, "R1_DATABASE="+filepath.Join(dir, "streamer.db"))
				dbSize = func() int64 { return dirSize(dir) }
			case "emulator":
				emu := emulator.Start(t, emulator.WithState(t))
				env = append(env, emu.Env(upstreamLog(t, emu))...)
				dbSize = func() int64 { return dirSize(emu.State) }
				emuCPU = emu.CPUSeconds
			default:
				t.Fatalf("SOAK_BACKENDS: unknown backend %q (local, emulator)", backend)
			}
			metrics := ""
			if cfg.profiles != "" {
				metrics = fmt.Sprintf("127.0.0.1:%d", emulator.FreePort(t))
				env = append(env, "METRICS_ADDR="+metrics, "PPROF=true")
			}
			proc := binary.Start(t, bin, dir, env...)
			r := soak(t, cfg, backend, &service{Process: proc, metrics: metrics}, dbSize, emuCPU)
			reports = append(reports, r.markdown())
			t.Log("\n" + r.markdown())
			r.check(t, cfg)
		})
	}
	if cfg.write && len(reports) > 0 {
		writeReport(t, strings.Join(reports, "\n"))
	}
}

// sample is the service's process, as /metrics and /proc tell it.
type sample struct {
	at         time.Duration
	rss        int64
	goroutines int
	fds        int
	heap       int64
	// What makes up RSS: the memory the Go runtime holds from the OS (all it obtained, less what its
	// heap returned), and its next collection's heap target; the rest of RSS is outside Go's runtime
	// (SQLite's page caches, which modernc's C allocates outside the Go heap, and the binary's text).
	goSys, goReleased, nextGC int64
	memLimit                  int64 // the Go runtime's memory limit (the service's budget, or GOMEMLIMIT)
	cacheBytes, cacheMax      int64 // the weight of the cache's process tier, and its bound
	// Where the time went: the service's CPU seconds, the upstream requests it sent by service
	// (r1: D1, kv: KV), and its cache's hits and misses, all since it started.
	cpu                    float64
	upstream               map[string]float64
	cacheHits, cacheMisses float64
	emulatorCPU            float64 // the emulator container's CPU seconds (Cloudflare mode on the emulator)
}

// service is the process under the soak, and where it serves /metrics and profiles when not on
// its API's address.
type service struct {
	*binary.Process
	metrics string // host:port of METRICS_ADDR, "" when /metrics is on the API's address
}

func (p *service) metricsBase() string {
	if p.metrics != "" {
		return "http://" + p.metrics
	}
	return p.Base
}

// saveHeapProfile writes the service's heap profile (after a collection) to dir/name.heap.pb.gz
// when profiles are on (SOAK_PROFILE).
func (p *service) saveHeapProfile(t *testing.T, dir, name string) {
	if dir == "" || p.metrics == "" {
		return
	}
	resp, err := http.Get(p.metricsBase() + "/debug/pprof/heap?gc=1")
	if err != nil {
		t.Logf("heap profile %s: %v", name, err)
		return
	}
	defer resp.Body.Close()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Logf("heap profile %s: %v", name, err)
		return
	}
	f, err := os.Create(filepath.Join(dir, name+".heap.pb.gz"))
	if err != nil {
		t.Logf("heap profile %s: %v", name, err)
		return
	}
	defer f.Close()
	if _, err := io.Copy(f, resp.Body); err != nil {
		t.Logf("heap profile %s: %v", name, err)
	}
}

// traceMemory writes a line every 15 s until ctx ends: what makes up the service's RSS (anonymous,
// file-backed and shared pages from /proc, what Go's runtime holds), to find when and where it grows.
func (p *service) traceMemory(ctx context.Context, t *testing.T, path string, began time.Time) {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Logf("memory trace: %v", err)
		return
	}
	f, err := os.Create(path)
	if err != nil {
		t.Logf("memory trace: %v", err)
		return
	}
	defer f.Close()
	fmt.Fprintln(f, "seconds\trss_mib\tanon_mib\tfile_mib\tshmem_mib\tgo_held_mib\theap_inuse_mib\tnext_gc_mib\tanon_outside_go_mib")
	tick := time.NewTicker(15 * time.Second)
	defer tick.Stop()
	for {
		s := takeSample(p, began)
		st := procStatus(p.Pid())
		held := s.goSys - s.goReleased
		m := func(n int64) string { return fmt.Sprintf("%.1f", float64(n)/(1<<20)) }
		fmt.Fprintf(f, "%.0f\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", s.at.Seconds(), m(s.rss), m(st["RssAnon:"]), m(st["RssFile:"]), m(st["RssShmem:"]),
			m(held), m(s.heap), m(s.nextGC), m(st["RssAnon:"]-held))
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}

// procStatus is /proc/<pid>/status's sizes, in bytes, by field ("RssAnon:").
func procStatus(pid int) map[string]int64 {
	out := map[string]int64{}
	raw, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		return out
	}
	for _, line := range strings.Split(string(raw), "\n") {
		f := strings.Fields(line)
		if len(f) == 3 && f[2] == "kB" {
			if v, err := strconv.ParseInt(f[1], 10, 64); err == nil {
				out[f[0]] = v << 10
			}
		}
	}
	return out
}

func takeSample(p *service, began time.Time) sample {
	s := sample{at: time.Since(began)}
	s.rss, _ = p.RSS()
	s.fds, _ = p.FDs()
	resp, err := http.Get(p.metricsBase() + "/metrics")
	if err != nil {
		return s
	}
	defer resp.Body.Close()
	sc := bufio.NewScanner(io.LimitReader(resp.Body, 4<<20))
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		name, value, ok := strings.Cut(sc.Text(), " ")
		if !ok {
			continue
		}
		f, err := strconv.ParseFloat(value, 64)
		if err != nil {
			continue
		}
		switch {
		case strings.HasPrefix(name, `streamer_upstream_calls_total{service="`):
			if s.upstream == nil {
				s.upstream = map[string]float64{}
			}
			s.upstream[strings.TrimSuffix(strings.TrimPrefix(name, `streamer_upstream_calls_total{service="`), `"}`)] = f
		case strings.HasPrefix(name, "streamer_cache_hits_total"):
			s.cacheHits += f
		}
		switch name {
		case "process_cpu_seconds_total":
			s.cpu = f
		case "streamer_cache_misses_total":
			s.cacheMisses = f
		case "go_goroutines":
			s.goroutines = int(f)
		case "go_memstats_heap_inuse_bytes":
			s.heap = int64(f)
		case "go_memstats_sys_bytes":
			s.goSys = int64(f)
		case "go_memstats_heap_released_bytes":
			s.goReleased = int64(f)
		case "go_memstats_next_gc_bytes":
			s.nextGC = int64(f)
		case "go_gc_gomemlimit_bytes":
			s.memLimit = int64(f)
		case "streamer_cache_process_bytes":
			s.cacheBytes = int64(f)
		case "streamer_cache_process_max_bytes":
			s.cacheMax = int64(f)
		}
	}
	return s
}

// result is one backend's soak.
type result struct {
	backend                   string
	cfg                       settings
	seeded                    int
	seedTook, elapsed         time.Duration
	rows                      []routeRow
	start, middle, end, after sample
	dbSize                    int64
	verdict                   verdict
	verifyTook                time.Duration
	torznab                   bool
	ingested, uncertain       int
	settled                   time.Duration // how long after the load the "after" sample was taken
}

func soak(t *testing.T, cfg settings, backend string, proc *service, dbSize func() int64, emuCPU func() float64) *result {
	l := newLoad(proc.Base, uint64(time.Now().UnixNano()))
	res := &result{backend: backend, cfg: cfg}
	in := l.newIngester(20)
	began := time.Now()
	for res.seeded < cfg.torrents {
		n := min(999, cfg.torrents-res.seeded) // and the one bad item: 1000, the most a batch holds
		if !in.post(n, false) {
			t.Fatalf("seeding the catalog: an ingest of %d failed: %v; logs:\n%s", n, in.rec["POST /api/ingest"].unexpected, tail(proc.Logs()))
		}
		res.seeded += n
	}
	res.seedTook = time.Since(began)
	l.torznab = probeTorznab(l)
	res.torznab = l.torznab != ""

	res.start = takeSample(proc, began)
	proc.saveHeapProfile(t, cfg.profiles, backend+"-start")
	if emuCPU != nil {
		res.start.emulatorCPU = emuCPU()
	}
	ctx, cancel := context.WithTimeout(context.Background(), cfg.duration)
	defer cancel()
	samples := make(chan sample, 1)
	go func() {
		loadBegan := time.Now()
		var mid sample
		half := time.NewTimer(cfg.duration / 2)
		defer half.Stop()
		select {
		case <-half.C:
			mid = takeSample(proc, loadBegan)
			proc.saveHeapProfile(t, cfg.profiles, backend+"-middle")
		case <-ctx.Done():
		}
		samples <- mid
	}()
	// The end is sampled under load, just before the clients stop.
	ends := make(chan sample, 1)
	endAt := time.AfterFunc(cfg.duration-min(2*time.Second, cfg.duration/10), func() {
		e := takeSample(proc, began)
		if emuCPU != nil {
			e.emulatorCPU = emuCPU()
		}
		proc.saveHeapProfile(t, cfg.profiles, backend+"-end")
		ends <- e
	})
	loadBegan := time.Now()
	if cfg.profiles != "" {
		go proc.traceMemory(ctx, t, filepath.Join(cfg.profiles, backend+"-memory.tsv"), began)
	}
	l.runClients(ctx, cfg.clients, in, ingestInterval(cfg))
	res.elapsed = time.Since(loadBegan)
	if endAt.Stop() {
		res.end = takeSample(proc, began) // the load ended early
	} else {
		res.end = <-ends
	}
	res.middle = <-samples
	res.ingested, res.uncertain = in.count, in.uncertain
	l.http.CloseIdleConnections()
	// fasthttp keeps an idle worker goroutine 10 to 20 s after its last request: the goroutines
	// count as back when they are within 10 of the start before 30 s have passed.
	for idle := time.Now(); ; time.Sleep(time.Second) {
		res.after = takeSample(proc, began)
		res.settled = time.Since(idle)
		if res.after.goroutines <= res.start.goroutines+10 || res.settled > 30*time.Second {
			break
		}
	}

	proc.saveHeapProfile(t, cfg.profiles, backend+"-after")
	verifyBegan := time.Now()
	res.verdict = l.verify(40)
	res.verifyTook = time.Since(verifyBegan)
	res.dbSize = dbSize()
	res.rows = l.totals.rows(res.elapsed)
	if proc.Exited() {
		t.Fatalf("the service exited during the soak; logs:\n%s", tail(proc.Logs()))
	}
	return res
}

// ingestInterval keeps the ingester under the key's limit of 60 batches a minute.
func ingestInterval(cfg settings) time.Duration { return 1500 * time.Millisecond }

// probeTorznab returns an API key Torznab accepts when this build has the route, "" otherwise.
func probeTorznab(l *load) string {
	resp, err := l.http.Get(l.base + "/torznab/api?t=caps")
	if err != nil {
		return ""
	}
	resp.Body.Close()
	if resp.StatusCode == http.StatusNotFound {
		return ""
	}
	c := l.newClient(1 << 30)
	c.signUp()
	if c.acc == nil {
		return ""
	}
	a := l.call(recorder{}, "setup", http.MethodPost, "/api/auth/api-keys", map[string]string{"name": "soak"}, c.headers(), http.StatusCreated)
	var doc struct {
		Key string `json:"key"`
	}
	if a.status != http.StatusCreated || jsonUnmarshal(a.body, &doc) != nil {
		return ""
	}
	return doc.Key
}

func dirSize(dir string) int64 {
	var n int64
	_ = filepath.Walk(dir, func(_ string, info os.FileInfo, err error) error {
		if err == nil && !info.IsDir() {
			n += info.Size()
		}
		return nil
	})
	return n
}

func tail(s string) string {
	if len(s) > 4000 {
		return "…" + s[len(s)-4000:]
	}
	return s
}

func (r *result) totals() (requests, errors, serverErrors int) {
	for _, row := range r.rows {
		requests += row.Requests
		errors += row.Errors
		serverErrors += row.ServerErr
	}
	return
}

// check fails the test on what the soak promises: no 5xx, no unexpected answer, nothing
// acknowledged lost, goroutines back to where they were; on a run of two minutes or more, RSS at the
// end within 10 % of the middle.
func (r *result) check(t *testing.T, cfg settings) {
	requests, errors, serverErrors := r.totals()
	if requests == 0 {
		t.Fatal("no request was made")
	}
	for _, row := range r.rows {
		for _, s := range row.Samples {
			t.Errorf("%s: %s", row.Route, s)
		}
	}
	// A 5xx nobody expected is an error; a search refused for its time budget (a designed 503 with
	// Retry-After) is not, and shows in the table's statuses.
	if errors > 0 {
		t.Errorf("%d errors (target: none); %d answers were 5xx", errors, serverErrors)
	}
	if lost := r.verdict.Lost(); lost > 0 {
		t.Errorf("%d acknowledged writes are not served as acknowledged: %v", lost, r.verdict.Problems)
	}
	if r.after.goroutines > r.start.goroutines+10 {
		t.Errorf("goroutines: %d before the load, %d %v after it (idle): not flat", r.start.goroutines, r.after.goroutines, r.settled.Round(time.Second))
	}
	if cfg.duration >= 2*time.Minute && r.middle.rss > 0 && float64(r.end.rss) > 1.1*float64(r.middle.rss) {
		t.Errorf("RSS %d MiB at the end, %d MiB in the middle: grew more than 10%%", r.end.rss>>20, r.middle.rss>>20)
	}
}

func (r *result) markdown() string {
	var b strings.Builder
	requests, errors, serverErrors := r.totals()
	host, _ := os.Hostname()
	fmt.Fprintf(&b, "### Soak on the %s backend\n\n", r.backend)
	fmt.Fprintf(&b, "%d clients for %v after ingesting %d torrents (%v); %s, %s/%s, %d CPUs (host %s, shared with other work); %s UTC.\n\n",
		r.cfg.clients, r.elapsed.Round(time.Second), r.seeded, r.seedTook.Round(time.Millisecond), runtime.Version(), runtime.GOOS, runtime.GOARCH,
		runtime.NumCPU(), host, time.Now().UTC().Format("2006-01-02 15:04"))
	fmt.Fprintf(&b, "| Route | Requests | By status | req/s | p50 | p99 | max | Errors |\n|---|---|---|---|---|---|---|---|\n")
	for _, row := range r.rows {
		fmt.Fprintf(&b, "| %s | %d | %s | %.1f | %s | %s | %s | %d |\n", row.Route, row.Requests, row.Statuses, row.PerSecond,
			fmtDur(row.P50), fmtDur(row.P99), fmtDur(row.Max), row.Errors)
	}
	fmt.Fprintf(&b, "| **all** | %d | 5xx: %d (target 0) | %.1f | | | | %d |\n\n", requests, serverErrors,
		float64(requests)/r.elapsed.Seconds(), errors)
	for _, row := range r.rows {
		if len(row.OverBudget) > 0 {
			fmt.Fprintf(&b, "Refused for their time budget (%s, the first %d):\n", row.Route, len(row.OverBudget))
			for _, what := range row.OverBudget {
				fmt.Fprintf(&b, "- `%s`\n", what)
			}
			b.WriteString("\n")
		}
	}
	mib := func(n int64) string { return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20)) }
	fmt.Fprintf(&b, "| The service's process | start (idle, seeded) | middle | end (under load) | %v after (idle) | target |\n|---|---|---|---|---|---|\n", r.settled.Round(time.Second))
	fmt.Fprintf(&b, "| RSS | %s | %s | %s | %s | end within 10%% of middle: %+.1f%% |\n", mib(r.start.rss), mib(r.middle.rss), mib(r.end.rss), mib(r.after.rss),
		100*(float64(r.end.rss)/float64(max(1, r.middle.rss))-1))
	fmt.Fprintf(&b, "| Go heap in use | %s | %s | %s | %s | |\n", mib(r.start.heap), mib(r.middle.heap), mib(r.end.heap), mib(r.after.heap))
	limit := ""
	if r.start.memLimit > 0 && r.start.memLimit < 1<<50 {
		limit = "limit " + mib(r.start.memLimit)
	}
	fmt.Fprintf(&b, "| Go heap target (next GC) | %s | %s | %s | %s | %s |\n", mib(r.start.nextGC), mib(r.middle.nextGC), mib(r.end.nextGC), mib(r.after.nextGC), limit)
	fmt.Fprintf(&b, "| cache's process tier (weighed) | %s | %s | %s | %s | bound %s |\n", mib(r.start.cacheBytes), mib(r.middle.cacheBytes), mib(r.end.cacheBytes), mib(r.after.cacheBytes), mib(r.start.cacheMax))
	held := func(s sample) int64 { return s.goSys - s.goReleased }
	fmt.Fprintf(&b, "| Go runtime, held from the OS | %s | %s | %s | %s | |\n", mib(held(r.start)), mib(held(r.middle)), mib(held(r.end)), mib(held(r.after)))
	outside := func(s sample) int64 { return s.rss - held(s) }
	fmt.Fprintf(&b, "| RSS outside Go's runtime (SQLite, text) | %s | %s | %s | %s | |\n", mib(outside(r.start)), mib(outside(r.middle)), mib(outside(r.end)), mib(outside(r.after)))
	fmt.Fprintf(&b, "| goroutines | %d | %d | %d | %d | flat |\n", r.start.goroutines, r.middle.goroutines, r.end.goroutines, r.after.goroutines)
	fmt.Fprintf(&b, "| open fds | %d | %d | %d | %d | |\n", r.start.fds, r.middle.fds, r.end.fds, r.after.fds)
	fmt.Fprintf(&b, "| database size | | | %s | | |\n\n", mib(r.dbSize))
	b.WriteString(r.whereTimeWent())
	v := r.verdict
	fmt.Fprintf(&b, "Acknowledged writes read back in %v: %d torrents (%d of them in a batch without a clear answer, checked for presence only), "+
		"%d accounts (%d through /me with their live session), %d sign-ins with the stored password, %d logged-out sessions refused: **%d lost or wrong** (target 0). "+
		"Torznab in the mix: %v.\n", r.verifyTook.Round(time.Millisecond), v.Torrents, v.TorrentsUncertain, v.Accounts, v.AccountsChecked, v.SignIns, v.Logouts, v.Lost(), r.torznab)
	for _, p := range v.Problems {
		fmt.Fprintf(&b, "- %s\n", p)
	}
	return b.String()
}

// writeReport writes the tables to soak/results-<time>.md and soak/latest.md at the repository root.
func writeReport(t *testing.T, md string) { writeNamed(t, "results", md) }

// writeNamed writes md to soak/<name>-<time>.md and soak/latest-<name>.md (soak/latest.md for the
// soak's own results).
func writeNamed(t *testing.T, name, md string) {
	root, err := emulator.RepoRoot()
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(root, "soak")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	latest := "latest-" + name + ".md"
	if name == "results" {
		latest = "latest.md"
	}
	file := filepath.Join(dir, name+"-"+time.Now().UTC().Format("20060102-150405")+".md")
	for _, p := range []string{file, filepath.Join(dir, latest)} {
		if err := os.WriteFile(p, []byte(md), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	t.Logf("wrote %s and soak/%s", file, latest)
}

// whereTimeWent is the load's cost between the start and end samples: CPU seconds of the service
// and (Cloudflare mode on the emulator) of the emulator's container, requests sent upstream per
// client request, and the cache's hit rate.
func (r *result) whereTimeWent() string {
	wall := (r.end.at - r.start.at).Seconds()
	if wall <= 0 {
		return ""
	}
	requests, _, _ := r.totals()
	perReq := func(n float64) float64 { return n / float64(max(1, requests)) }
	var b strings.Builder
	fmt.Fprintf(&b, "Where the time went, from the start sample to the end one (%.0f s of wall time): the service used %.0f CPU seconds (%.2f cores)",
		wall, r.end.cpu-r.start.cpu, (r.end.cpu-r.start.cpu)/wall)
	if r.end.emulatorCPU > 0 {
		fmt.Fprintf(&b, ", the emulator's container %.0f (%.2f cores)", r.end.emulatorCPU-r.start.emulatorCPU, (r.end.emulatorCPU-r.start.emulatorCPU)/wall)
	}
	hits, misses := r.end.cacheHits-r.start.cacheHits, r.end.cacheMisses-r.start.cacheMisses
	fmt.Fprintf(&b, "; the cache answered %.1f%% of its reads", 100*hits/max(1, hits+misses))
	for _, svc := range []string{"r1", "kv"} {
		if n := r.end.upstream[svc] - r.start.upstream[svc]; n > 0 {
			fmt.Fprintf(&b, "; %s requests upstream: %.0f (%.2f per client request, %.1f/s)", svc, n, perReq(n)*r.elapsed.Seconds()/wall, n/wall)
		}
	}
	b.WriteString(".\n\n")
	return b.String()
}

// upstreamLog puts a proxy that logs every request to the emulator (what, when, how long) between
// the service and the emulator when SOAK_UPSTREAM_LOG names a file, and returns the base URL the
// service must use ("" for the emulator itself).
func upstreamLog(t *testing.T, emu *emulator.Emulator) string {
	path := os.Getenv("SOAK_UPSTREAM_LOG")
	if path == "" {
		return ""
	}
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	up, _ := url.Parse(emu.BaseURL())
	px := faultproxy.Start(t, "http://"+up.Host)
	px.LogTo(f)
	t.Cleanup(func() { px.LogTo(nil); f.Close() })
	return px.URL + up.Path
}
