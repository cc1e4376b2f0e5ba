package migration_test

import (
	"os"
	"testing"

	"github.com/torrent-streamer/streamer/tests/servicebin"
)

// TestMain builds the binary once for the tests that run it, and removes it after.
func TestMain(m *testing.M) { os.Exit(servicebin.Run(m)) }
