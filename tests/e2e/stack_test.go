package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// make stack's compose file (deploy/compose.yaml) brings up the production shape: the service in
// Cloudflare mode against the gateway emulator, with the sample catalog, answering as the embedded
// default does and counting its upstream calls. Run here on free ports under its own project name.
// Needs Docker, docker-compose (or the compose plugin) and Node (the emulator image's build);
// skipped loudly without them, failed under CI=true.
func TestTheLocalStack(t *testing.T) {
	image := streamerImage(t)
	compose := composeCommand(t)
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := exec.LookPath("node"); err != nil {
		unavailable(t, "node is not installed (gateway/image/build.sh needs it for the emulator image)")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	if out, err := exec.CommandContext(ctx, "bash", filepath.Join(root, "gateway", "image", "build.sh")).CombinedOutput(); err != nil {
		t.Fatalf("gateway/image/build.sh: %v\n%s", err, out)
	}

	api, emulator := freeAddr(t), freeAddr(t)
	project := "streamer-e2e-" + randomHex(4)
	env := append(os.Environ(), "STACK_IMAGE="+image, "STACK_PORT="+portOf(api), "STACK_EMULATOR_PORT="+portOf(emulator))
	stack := func(args ...string) (string, error) {
		full := append(append([]string{}, compose[1:]...), append([]string{"-f", filepath.Join(root, "deploy", "compose.yaml"), "-p", project}, args...)...)
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
		defer cancel()
		cmd := exec.CommandContext(ctx, compose[0], full...)
		cmd.Env = env
		out, err := cmd.CombinedOutput()
		return string(out), err
	}
	t.Cleanup(func() {
		if out, err := stack("down", "--volumes", "--timeout", "20"); err != nil {
			t.Logf("compose down: %v\n%s", err, out)
		}
	})
	began := time.Now()
	if out, err := stack("up", "--detach"); err != nil {
		t.Fatalf("compose up: %v\n%s", err, out)
	}
	s := &server{base: "http://" + api, logs: func() string { out, _ := stack("logs", "--no-color"); return out }}
	t.Logf("stack up to ready (emulator and service): %v", waitUntilReady(t, s, began))

	var health struct {
		Upstream struct {
			R1 struct{ Calls int } `json:"r1"`
			KV struct{ Calls int } `json:"kv"`
		} `json:"upstream"`
	}
	if code := s.getJSON(t, "/api/health", &health); code != 200 || health.Upstream.R1.Calls == 0 {
		t.Fatalf("health: %d %+v: the service is not in Cloudflare mode; logs:\n%s", code, health, s.logs())
	}
	var found page
	if code := s.getJSON(t, "/api/torrents/search?q=sintel", &found); code != 200 || len(found.Items) != 1 || found.Items[0].Name != "Sintel" {
		t.Fatalf("search sintel on the stack: %d %+v", code, found)
	}
	var doc map[string]any
	if code := s.getJSON(t, "/api/openapi.json", &doc); code != 200 {
		t.Fatalf("openapi: %d", code)
	}
	raw, _ := json.Marshal(health)
	t.Logf("upstream after the checks: %s", raw)
	contract.check(t)
}

// composeCommand is docker-compose, or the docker compose plugin.
func composeCommand(t *testing.T) []string {
	t.Helper()
	if exec.Command("docker", "compose", "version").Run() == nil {
		return []string{"docker", "compose"}
	}
	if _, err := exec.LookPath("docker-compose"); err == nil {
		return []string{"docker-compose"}
	}
	unavailable(t, "neither docker-compose nor the docker compose plugin is installed (apt-get install -y docker-compose)")
	return nil
}

func portOf(addr string) string {
	i := strings.LastIndexByte(addr, ':')
	if i < 0 {
		panic(fmt.Sprintf("no port in %q", addr))
	}
	return addr[i+1:]
}
