package migration

import (
	"time"
	"unicode/utf8"

	"github.com/torrent-streamer/streamer/ports"
)

// MaxReasons bounds the skipped records a report names per kind: the first ones, enough to see
// what is wrong without a report as large as the source.
const MaxReasons = 20

// Skip names a record that was not imported, and why.
type Skip struct {
	Key    string
	Reason string
}

// KindReport is what happened to one kind of record.
type KindReport struct {
	Kind    ports.ImportKind
	Read    int64
	Created int64
	Updated int64
	// Unchanged counts the records stored already exactly so: nothing was written for them.
	Unchanged int64
	Skipped   int64
	// Reasons are the first MaxReasons skips.
	Reasons []Skip
	// WithoutPassword counts the users imported with no password (they signed in with OAuth only);
	// NoPassword names the first MaxReasons of them.
	WithoutPassword int64
	NoPassword      []string
	// ResumedAfter is the key a resumed run read on from; empty for a run from the start.
	ResumedAfter string
	Took         time.Duration
	// ReadWaited is how long the reader waited for the writer to take a batch, WriteWaited how
	// long the writer waited for the reader's next batch: the larger names the bottleneck (the
	// store, or the source and the checks).
	ReadWaited, WriteWaited time.Duration
	// BulkFinish is how long the store took, at the end of a bulk load, to build what it deferred
	// (in Took too); zero when the kind was not bulk loaded.
	BulkFinish time.Duration
}

// Report is the outcome of an import.
type Report struct {
	Source string
	DryRun bool
	Kinds  []KindReport
	Took   time.Duration
	// UpstreamCalls counts the requests to Cloudflare the run made (after opening the database);
	// zero on the local file.
	UpstreamCalls int64
}

// MaxReasonBytes bounds one skip's reason: a message may quote what it refused (encoding/json
// quotes a number whole, time.Parse the text it could not read), which a source line may make
// megabytes long, and the report prints its reasons and writes them to --report's file.
const MaxReasonBytes = 1 << 10

func (k *KindReport) skip(key, reason string) {
	k.Skipped++
	if len(k.Reasons) < MaxReasons {
		k.Reasons = append(k.Reasons, Skip{Key: key, Reason: shortReason(reason)})
	}
}

// shortReason is reason cut to MaxReasonBytes at a character's start, "…" saying it was cut.
func shortReason(reason string) string {
	if len(reason) <= MaxReasonBytes {
		return reason
	}
	cut := MaxReasonBytes - len("…")
	for cut > 0 && !utf8.RuneStart(reason[cut]) {
		cut--
	}
	return reason[:cut] + "…"
}
