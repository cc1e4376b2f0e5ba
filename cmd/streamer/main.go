// Command streamer is the torrent streaming backend: `streamer serve` (the default) runs the REST
// API, `streamer migrate` applies the database schema and exits.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/torrent-streamer/streamer/bootstrap"
)

const usage = `usage: streamer [serve | migrate | version]

  serve     run the REST API (the default)
  migrate   apply the database schema and default categories, then exit
  version   print the version

Configuration comes from the environment or a .env file: see README.md.
`

func main() {
	os.Exit(run(os.Args[1:]))
}

func run(args []string) int {
	command := "serve"
	if len(args) > 0 {
		command = args[0]
	}
	switch command {
	case "serve", "migrate":
	case "version", "-version", "--version":
		fmt.Println(bootstrap.Version)
		return 0
	case "help", "-h", "-help", "--help":
		fmt.Print(usage)
		return 0
	default:
		fmt.Fprintf(os.Stderr, "streamer: unknown command %q\n%s", command, usage)
		return 2
	}
	cfg, err := bootstrap.LoadConfig()
	if err != nil {
		fmt.Fprintf(os.Stderr, "streamer: configuration:\n%s\n", err)
		return 2
	}
	log := bootstrap.NewLogger(os.Stderr, cfg.LogLevel, cfg.LogFormat)
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if command == "migrate" {
		err = bootstrap.Migrate(ctx, cfg, log)
	} else {
		err = bootstrap.Serve(ctx, cfg, log)
	}
	if err != nil {
		log.Error(command+" failed", "err", err)
		return 1
	}
	return 0
}
