package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"

	"golang.org/x/term"

	"github.com/torrent-streamer/streamer/bootstrap"
)

// presetFlags collects the repeatable --preset.
type presetFlags []string

func (p *presetFlags) String() string     { return strings.Join(*p, ",") }
func (p *presetFlags) Set(v string) error { *p = append(*p, v); return nil }

func runImport(ctx context.Context, cfg bootstrap.Config, log *slog.Logger, args []string) int {
	fs := flag.NewFlagSet("import", flag.ContinueOnError)
	var opts bootstrap.ImportOptions
	var presets presetFlags
	fs.StringVar(&opts.From, "from", "", "a PostgreSQL URL (postgres://user:pass@host/db) or an NDJSON file from streamer export")
	fs.Var(&presets, "preset", "a shipped mapping: better-auth, bitmagnet (repeatable)")
	fs.StringVar(&opts.MapDir, "map", "", "a directory of mappings, a file per kind: users, credentials, sessions, categories, torrents, files, trackers, activities (.sql; see README)")
	fs.BoolVar(&opts.DryRun, "dry-run", false, "read and check everything, write nothing")
	fs.StringVar(&opts.ReportFile, "report", "", "also write the report to this file as JSON")
	fs.DurationVar(&opts.CheckpointEvery, "checkpoint-every", 0,
		"how often the position is saved (default 5s on a local file, 30s on D1); a resumed run reads at most that again")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(os.Stderr, "streamer import: unexpected argument %q\n", fs.Arg(0))
		return 2
	}
	if opts.CheckpointEvery < 0 {
		fmt.Fprintf(os.Stderr, "streamer import: --checkpoint-every must not be negative (got %v)\n", opts.CheckpointEvery)
		return 2
	}
	opts.Presets = presets
	opts.Out, opts.Progress = os.Stdout, os.Stderr
	opts.Terminal = term.IsTerminal(int(os.Stderr.Fd())) && os.Getenv("CI") != "true"
	if _, err := bootstrap.Import(ctx, cfg, log, opts); err != nil {
		log.Error("import failed; run it again to go on from where it stopped", "err", err)
		return 1
	}
	return 0
}

func runExport(ctx context.Context, cfg bootstrap.Config, log *slog.Logger, args []string) int {
	fs := flag.NewFlagSet("export", flag.ContinueOnError)
	out := fs.String("out", "", "write to this file instead of stdout")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	var w io.Writer = os.Stdout
	if *out != "" {
		f, err := os.Create(*out)
		if err != nil {
			log.Error("export failed", "err", err)
			return 1
		}
		defer f.Close()
		w = f
	}
	n, err := bootstrap.Export(ctx, cfg, log, w)
	if err != nil {
		log.Error("export failed", "err", err, "written", n)
		return 1
	}
	log.Info("exported the catalog", "torrents", n)
	return 0
}
