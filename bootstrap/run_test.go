package bootstrap

import (
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"testing"
	"time"

	"github.com/gofiber/fiber/v2"
)

func TestShutdownLetsInFlightRequestsFinish(t *testing.T) {
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	svc, err := NewInMemory(Config{}, log)
	if err != nil {
		t.Fatal(err)
	}
	defer svc.Close()
	entered := make(chan struct{})
	svc.App.Get("/test/slow", func(c *fiber.Ctx) error {
		close(entered)
		time.Sleep(300 * time.Millisecond)
		return c.SendString("finished")
	})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, stop := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- svc.Run(ctx, ln, log) }()

	answer := make(chan string, 1)
	go func() {
		resp, err := http.Get("http://" + ln.Addr().String() + "/test/slow")
		if err != nil {
			answer <- "error: " + err.Error()
			return
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		answer <- string(body)
	}()
	<-entered
	stop() // what SIGTERM does
	if got := <-answer; got != "finished" {
		t.Fatalf("in-flight request got %q", got)
	}
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("Run returned %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Run did not return after shutdown")
	}
	if _, err := http.Get("http://" + ln.Addr().String() + "/livez"); err == nil {
		t.Fatal("still accepting connections after shutdown")
	}
}

// The first sweep runs SweepFirst after start, then one every interval: before, the first came a
// whole interval (10 minutes) after start, and the first full merge of the search index with it,
// raising RSS ten minutes into a run.
func TestTheFirstSweepComesSoonAfterStart(t *testing.T) {
	if SweepFirst >= SweepInterval {
		t.Fatalf("SweepFirst %v is not sooner than SweepInterval %v", SweepFirst, SweepInterval)
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	swept := make(chan struct{}, 4)
	go sweepFrom(ctx, time.Millisecond, time.Hour, log, "test", func(context.Context) (int64, error) {
		swept <- struct{}{}
		return 0, nil
	})
	select {
	case <-swept:
	case <-time.After(10 * time.Second):
		t.Fatal("no sweep soon after start")
	}
}
