package soak

import (
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/torrent-streamer/streamer/tests/binary"
)

// TestSlowAndIdleClients holds a few thousand connections open against the service, half of them
// idle and half sending a header a byte a second (slowloris), from many loopback addresses (100
// each, under the per-client cap, so the read timeout and the global cap are what protect the
// service), while a normal client keeps asking: every normal request answers, quickly, and the
// server closes the slow and idle connections once the read timeout (10 s) has passed.
func TestSlowAndIdleClients(t *testing.T) {
	if testing.Short() {
		t.Skip("drives the built binary")
	}
	bin := binary.Build(t)
	dir := t.TempDir()
	proc := binary.Start(t, bin, dir, "R1_DATABASE="+filepath.Join(dir, "streamer.db"), "SAMPLE_DATA=true")
	_, port, _ := net.SplitHostPort(proc.Addr)
	hostile := 2000
	if os.Getenv("SLOW_CLIENTS") == "many" {
		hostile = 6000
	}

	type held struct {
		conn   net.Conn
		closed chan time.Duration // when the server closed it, counted from its opening
	}
	var conns []*held
	var dialErrors int
	stop := make(chan struct{})
	var wg sync.WaitGroup
	opened := time.Now()
	for i := range hostile {
		local := &net.TCPAddr{IP: net.IPv4(127, 1, byte(i/100/250), byte(1+(i/100)%250))}
		d := net.Dialer{LocalAddr: local, Timeout: 5 * time.Second}
		c, err := d.Dial("tcp", "127.0.0.1:"+port)
		if err != nil {
			dialErrors++
			continue
		}
		h := &held{conn: c, closed: make(chan time.Duration, 1)}
		conns = append(conns, h)
		slow := i%2 == 1
		wg.Add(1)
		go func() {
			defer wg.Done()
			began := time.Now()
			if slow {
				// One byte a second of a request that never ends.
				go func() {
					msg := []byte("GET /api/categories HTTP/1.1\r\nHost: x\r\nX-Slow: ")
					for i := 0; ; i++ {
						b := byte('a')
						if i < len(msg) {
							b = msg[i]
						}
						select {
						case <-stop:
							return
						case <-time.After(time.Second):
						}
						if _, err := c.Write([]byte{b}); err != nil {
							return
						}
					}
				}()
			}
			// The read ends when the server closes the connection (a 408, or nothing).
			_, _ = io.Copy(io.Discard, c)
			h.closed <- time.Since(began)
		}()
	}
	t.Logf("%d connections held open (%d idle, %d a byte a second) from %d addresses in %v; %d refused at dial",
		len(conns), (len(conns)+1)/2, len(conns)/2, (hostile+99)/100, time.Since(opened).Round(time.Millisecond), dialErrors)

	// A normal client, meanwhile.
	client := &http.Client{Timeout: 5 * time.Second}
	var took []time.Duration
	var failures []string
	for i := range 100 {
		path := []string{"/api/categories", "/api/torrents/latest", "/api/torrents/search?q=sintel", "/livez"}[i%4]
		began := time.Now()
		resp, err := client.Get(proc.Base + path)
		d := time.Since(began)
		if err != nil {
			failures = append(failures, err.Error())
			continue
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			failures = append(failures, fmt.Sprintf("%s: %d", path, resp.StatusCode))
		}
		took = append(took, d)
		time.Sleep(20 * time.Millisecond)
	}
	slices.Sort(took)
	if len(failures) > 0 {
		t.Fatalf("%d of 100 normal requests failed beside %d hostile connections: %v", len(failures), len(conns), failures[:min(5, len(failures))])
	}
	p50, worst := took[len(took)/2], took[len(took)-1]
	t.Logf("normal requests beside them: p50 %v, max %v", p50.Round(time.Microsecond), worst.Round(time.Microsecond))
	// A bound, not a benchmark: each normal request answered within 2 s on a shared machine.
	if worst > 2*time.Second {
		t.Errorf("a normal request took %v beside the hostile connections", worst)
	}

	// The server closes them: 10 s of read timeout, plus slack for a loaded machine.
	deadline := time.After(25 * time.Second)
	var latest time.Duration
	open := 0
	for _, h := range conns {
		select {
		case d := <-h.closed:
			latest = max(latest, d)
		case <-deadline:
			open++
		}
	}
	close(stop)
	for _, h := range conns {
		h.conn.Close()
	}
	wg.Wait()
	if open > 0 {
		t.Fatalf("%d of %d slow or idle connections were still open 25 s after they were opened", open, len(conns))
	}
	t.Logf("the server closed every slow or idle connection, the last after %v", latest.Round(time.Millisecond))
	if proc.Exited() {
		t.Fatal("the service exited")
	}
	if err := proc.Stop(); err != nil && !errors.Is(err, net.ErrClosed) {
		t.Fatal(err)
	}
}
