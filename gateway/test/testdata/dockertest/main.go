// Command dockertest starts the emulator image the way the Go integration
// tests do, with github.com/ory/dockertest/v3 on the host network, waits until
// it answers, prints the base URL, and removes the container. It is the
// reference for the harness and a check of image, daemon and library together:
//
//	gateway/image/build.sh && go run ./gateway/test/testdata/dockertest
package main

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"strconv"
	"time"

	"github.com/ory/dockertest/v3"
	"github.com/ory/dockertest/v3/docker"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "FAIL:", err)
		os.Exit(1)
	}
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

func run() error {
	pool, err := dockertest.NewPool("")
	if err != nil {
		return err
	}
	if err := pool.Client.Ping(); err != nil {
		return fmt.Errorf("docker: %w", err)
	}
	port, err := freePort()
	if err != nil {
		return err
	}
	const token = "dockertest-token"
	res, err := pool.RunWithOptions(&dockertest.RunOptions{
		Repository: "streamer-gateway",
		Tag:        "dev",
		Env:        []string{"EMULATOR_PORT=" + strconv.Itoa(port), "EMULATOR_TOKEN=" + token},
	}, func(hc *docker.HostConfig) {
		// No bridge network here: the container shares the host's, and the emulator binds 127.0.0.1.
		hc.NetworkMode = "host"
		hc.AutoRemove = true
		hc.RestartPolicy = docker.RestartPolicy{Name: "no"}
	})
	if err != nil {
		return fmt.Errorf("run: %w", err)
	}
	defer func() { _ = pool.Purge(res) }()

	base := fmt.Sprintf("http://127.0.0.1:%d/client/v4", port)
	pool.MaxWait = 30 * time.Second
	start := time.Now()
	err = pool.Retry(func() error {
		req, _ := http.NewRequest(http.MethodGet, base+"/_gateway/stats", nil)
		req.Header.Set("Authorization", "Bearer "+token)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return err
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			return errors.New(resp.Status)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("not ready: %w", err)
	}
	fmt.Printf("ready after %v: CF_API_BASE_URL=%s (token %s)\n", time.Since(start).Round(time.Millisecond), base, token)
	return nil
}
