// Command streamer is the torrent streaming backend: `streamer serve` (the default) runs the REST
// API, `streamer migrate` applies the database schema and exits, `streamer healthcheck` asks a
// running server's /livez (the container image's HEALTHCHECK).
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"
	// The time zone database, inside the binary: the container image has no /usr/share/zoneinfo.
	_ "time/tzdata"

	"github.com/torrent-streamer/streamer/bootstrap"
)

const usage = `usage: streamer [serve | migrate | import | export | healthcheck | version]

  serve        run the REST API (the default)
  migrate      apply the database schema and default categories, then exit
  import       import users, sessions and the catalog from PostgreSQL or NDJSON (streamer import -h)
  export       write the catalog to stdout as NDJSON, one torrent a line in ingest's shape
  healthcheck  exit 0 when the server this configuration starts answers GET /livez, else 1
  version      print the version

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
	case "serve", "migrate", "healthcheck", "import", "export":
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
	if command == "healthcheck" {
		if err := bootstrap.Healthcheck(context.Background(), cfg); err != nil {
			fmt.Fprintf(os.Stderr, "streamer: healthcheck: %v\n", err)
			return 1
		}
		return 0
	}
	log := bootstrap.NewLogger(os.Stderr, cfg.LogLevel, cfg.LogFormat)
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	switch command {
	case "import":
		return runImport(ctx, cfg, log, args[1:])
	case "export":
		return runExport(ctx, cfg, log, args[1:])
	}
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
