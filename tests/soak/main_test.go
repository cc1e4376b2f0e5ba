package soak

import (
	"os"
	"testing"

	"github.com/torrent-streamer/streamer/tests/servicebin"
)

func TestMain(m *testing.M) { os.Exit(servicebin.Run(m)) }
