package migration

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/torrent-streamer/streamer/application/activity"
	"github.com/torrent-streamer/streamer/application/caching"
	"github.com/torrent-streamer/streamer/application/ingest"
	"github.com/torrent-streamer/streamer/domain"
	"github.com/torrent-streamer/streamer/ports"
)

// Batch sizes: torrents in batches of 2500, half ingest's bulk batch (its store cuts a batch at
// 1 MiB on D1): with 10-file torrents, 5000 took the import's peak RSS past 200 MiB (230 MiB at
// 20,000 torrents, the SQLite statement and full-text index's pending terms for a batch, twice),
// 2500 keeps it near 150 MiB for little more CPU. Accounts go as one JSON list a statement.
const (
	TorrentBatch  = 2500
	UserBatch     = 500
	SessionBatch  = 1000
	CategoryBatch = 500
	ActivityBatch = 1000
	// CheckpointEvery is how often the position is written: a resumed run reads again at most what
	// was stored in the last few seconds (the upserts make that harmless), and a checkpoint costs
	// one write, which on D1 is one request.
	CheckpointEvery = 5 * time.Second
)

// Progress watches an import: a bar per kind on a terminal, a line every few seconds in a log.
type Progress interface {
	Begin(kind ports.ImportKind, total int64)
	Advance(kind ports.ImportKind, n int)
	// Step says what a long step without records does (a bulk load's finish).
	Step(kind ports.ImportKind, what string)
	End(kind ports.ImportKind)
}

// Deps are what an import writes through: the stores and the ingest rules the service uses.
type Deps struct {
	Accounts    ports.AccountImportStore
	Categories  ports.CategoryImportStore
	Checkpoints ports.ImportCheckpoints
	// Ingest checks and stores torrents exactly as POST /api/ingest does. Its cache should be the
	// process's only: the import invalidates the shared cache once, at the end.
	Ingest *ingest.Service
	// Bulk, when not nil, is the torrent store's bulk load: the torrents of a run into an empty
	// catalog are loaded with the store's read-side work (sort indexes, full-text entries) built
	// once at the end (see ports.BulkLoader). Nil: every batch is stored as POST /api/ingest does.
	Bulk   ports.BulkLoader
	Legacy ports.LegacyPasswords
	// SessionID is the keyed hash a session is stored by (accounts.Service.SessionIDOf).
	SessionID func(token string) string
	Cache     *caching.Store
	Clock     ports.Clock
	Logger    *slog.Logger
	// ActivityRetention is how long the service keeps activities (activity.DefaultRetention when
	// 0): an older one is skipped, since the next sweep would delete it.
	ActivityRetention time.Duration
}

// Importer runs imports.
type Importer struct {
	Deps
}

// NewImporter returns the import use case.
func NewImporter(deps Deps) *Importer { return &Importer{Deps: deps} }

// Options shape one run.
type Options struct {
	// DryRun reads and checks everything and writes nothing (no checkpoint either).
	DryRun   bool
	Progress Progress
	// CheckpointEvery overrides the package's CheckpointEvery (tests checkpoint every batch; on D1,
	// where a checkpoint is a request, it is longer).
	CheckpointEvery time.Duration
	// BatchBytes, when above zero, also ends a batch of torrents when their stored form would pass
	// it: on D1 a request holds at most 1 MiB, and a batch that fits is one request instead of two.
	BatchBytes int
}

// Run imports every kind the source has, in order, resuming after the checkpoints an interrupted
// run left. A bad record is skipped and reported; a store that fails stops the run (its checkpoint
// lets the next run go on from there). A finished run clears its checkpoints, so the next one
// reads everything again and, every write being an upsert, creates nothing new.
func (im *Importer) Run(ctx context.Context, src ports.ImportSource, opts Options) (Report, error) {
	start := time.Now()
	report := Report{Source: src.Name(), DryRun: opts.DryRun}
	resume := map[ports.ImportKind]string{}
	if !opts.DryRun {
		var err error
		if resume, err = im.Checkpoints.Load(ctx, src.Name()); err != nil {
			return report, fmt.Errorf("read the import's checkpoints: %w", err)
		}
	}
	wroteTorrents := false
	for _, kind := range src.Kinds() {
		k := &kindRun{im: im, src: src, kind: kind, opts: opts, report: KindReport{Kind: kind, ResumedAfter: resume[kind]}}
		err := k.run(ctx)
		k.report.Took = time.Since(k.started)
		report.Kinds = append(report.Kinds, k.report)
		wroteTorrents = wroteTorrents || (kind == ports.ImportTorrents && k.report.Created+k.report.Updated > 0)
		if err != nil {
			report.Took = time.Since(start)
			if wroteTorrents {
				im.Cache.InvalidateNow(context.WithoutCancel(ctx), caching.ListsGeneration)
			}
			return report, err
		}
	}
	if !opts.DryRun {
		if err := im.Checkpoints.Clear(ctx, src.Name()); err != nil {
			return report, fmt.Errorf("clear the import's checkpoints: %w", err)
		}
		if wroteTorrents {
			im.Cache.InvalidateNow(ctx, caching.ListsGeneration)
		}
	}
	report.Took = time.Since(start)
	return report, nil
}

// kindRun imports one kind: it reads records, gathers a batch, writes it, and checkpoints.
type kindRun struct {
	im      *Importer
	src     ports.ImportSource
	kind    ports.ImportKind
	opts    Options
	report  KindReport
	started time.Time

	// What the reader gathers for the next batch (see batch).
	batch
	torrentBytes int

	// The writer's own: the batches it is handed, what it counted, when it last checkpointed.
	queue          chan batch
	written        KindReport
	lastCheckpoint time.Time
}

// batch is a batch of records ready to write, and the key up to which every record of the kind
// is in it, in an earlier batch, or skipped: the checkpoint once it is written.
type batch struct {
	keys       []string
	users      []domain.User
	sessions   []ports.ImportedSession
	categories []domain.CategoryRef
	activities []ports.ImportedActivity
	torrents   []ingest.Item
	// prepared is torrents checked by the reader (ingest's Prepare), so that the writer only stores.
	prepared      ingest.Prepared
	preparedCount int
	lastKey       string
}

func (b batch) empty() bool {
	return len(b.users)+len(b.sessions)+len(b.categories)+len(b.activities)+len(b.torrents)+b.preparedCount == 0
}

// run reads the kind and writes it in batches. Reading and writing overlap: a writer goroutine
// stores one batch while the reader decodes and checks the next (at most two batches wait), so the
// source is not the bottleneck of an import any more than the network is of an ingest.
func (k *kindRun) run(ctx context.Context) error {
	k.started, k.lastCheckpoint = time.Now(), time.Now()
	total, err := k.src.Estimate(ctx, k.kind)
	if err != nil {
		return fmt.Errorf("%s: count the records: %w", k.kind, err)
	}
	if k.opts.Progress != nil {
		k.opts.Progress.Begin(k.kind, total)
		defer k.opts.Progress.End(k.kind)
	}
	bulk, err := k.beginBulk(ctx)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	// Unbuffered: the reader hands a batch over when the writer takes it, so at most two batches
	// (the one being stored, the one being read) are in memory.
	k.queue = make(chan batch)
	done := make(chan error, 1)
	go func() { done <- k.write(ctx, cancel) }()

	err = k.src.Read(ctx, k.kind, k.report.ResumedAfter, func(r ports.SourceRecord) error {
		k.report.Read++
		if k.opts.Progress != nil {
			k.opts.Progress.Advance(k.kind, 1)
		}
		if r.Problem != "" {
			k.report.skip(r.Key, r.Problem)
			k.lastKey = r.Key
			return nil
		}
		if err := k.add(ctx, r); err != nil {
			return err
		}
		if k.full() {
			return k.flush(ctx)
		}
		return nil
	})
	if err == nil {
		err = k.flush(ctx)
	}
	close(k.queue)
	werr := <-done
	k.merge()
	switch {
	case werr != nil:
		return werr // the writer's error is why the reader stopped
	case err != nil:
		return fmt.Errorf("%s: read the source: %w", k.kind, err)
	}
	if bulk {
		// A run that fails before here leaves the finish to the store's next open.
		return k.finishBulk(ctx)
	}
	return nil
}

// beginBulk begins a bulk load of the torrents when the store has one and takes this run as one.
func (k *kindRun) beginBulk(ctx context.Context) (bool, error) {
	if k.kind != ports.ImportTorrents || k.opts.DryRun || k.im.Bulk == nil {
		return false, nil
	}
	began, err := k.im.Bulk.BeginBulkLoad(ctx)
	if err != nil {
		return false, fmt.Errorf("%s: %w", k.kind, err)
	}
	if began {
		k.im.Logger.Info("import: a bulk load into the empty catalog: the torrents' sort indexes and search index are built once at the end, and a service reading the database meanwhile finds none of them by words")
	}
	return began, nil
}

// finishBulk builds what the bulk load deferred, saying what it does (tens of seconds at a million
// torrents).
func (k *kindRun) finishBulk(ctx context.Context) error {
	began := time.Now()
	err := k.im.Bulk.FinishBulkLoad(ctx, func(what string) {
		k.im.Logger.Info("import: finishing the bulk load: " + what)
		if k.opts.Progress != nil {
			k.opts.Progress.Step(k.kind, "finishing the bulk load: "+what)
		}
	})
	k.report.BulkFinish = time.Since(began)
	if err != nil {
		return fmt.Errorf("%s: %w", k.kind, err)
	}
	k.im.Logger.Info("import: finished the bulk load", "took", k.report.BulkFinish.Round(time.Millisecond))
	return nil
}

// write stores the batches the reader hands over, in order, checkpointing now and then. On a
// failure it stops the reader (cancel) and drains what is left unwritten.
func (k *kindRun) write(ctx context.Context, cancel context.CancelCauseFunc) error {
	var failed error
	for {
		began := time.Now()
		b, ok := <-k.queue
		if !ok {
			break
		}
		k.written.WriteWaited += time.Since(began)
		if failed != nil {
			continue
		}
		if err := k.store(ctx, b); err != nil {
			failed = err
			cancel(err)
			continue
		}
		every := CheckpointEvery
		if k.opts.CheckpointEvery > 0 {
			every = k.opts.CheckpointEvery
		}
		if k.opts.DryRun || b.lastKey == "" || time.Since(k.lastCheckpoint) < every {
			continue
		}
		k.lastCheckpoint = time.Now()
		if err := k.im.Checkpoints.Save(ctx, k.src.Name(), k.kind, b.lastKey); err != nil {
			failed = fmt.Errorf("%s: save the checkpoint: %w", k.kind, err)
			cancel(failed)
		}
	}
	return failed
}

// merge adds what the writer counted to what the reader did, once both are done.
func (k *kindRun) merge() {
	k.report.Created += k.written.Created
	k.report.Updated += k.written.Updated
	k.report.Unchanged += k.written.Unchanged
	k.report.WriteWaited = k.written.WriteWaited
	k.report.Skipped += k.written.Skipped
	for _, r := range k.written.Reasons {
		if len(k.report.Reasons) < MaxReasons {
			k.report.Reasons = append(k.report.Reasons, r)
		}
	}
}

func (k *kindRun) full() bool {
	switch k.kind {
	case ports.ImportUsers:
		return len(k.users) >= UserBatch
	case ports.ImportSessions:
		return len(k.sessions) >= SessionBatch
	case ports.ImportCategories:
		return len(k.categories) >= CategoryBatch
	case ports.ImportActivities:
		return len(k.activities) >= ActivityBatch
	}
	return len(k.torrents) >= TorrentBatch || (k.opts.BatchBytes > 0 && k.torrentBytes >= k.opts.BatchBytes)
}

// storedSize is about how many bytes a torrent takes in the store's write on D1 (R1 sends it as a
// JSON row, itself a JSON string in the request, whose file and tracker lists are JSON strings
// inside it; the name goes twice, with what is parsed from it); it errs high, by about a tenth.
func storedSize(t *ports.SourceTorrent) int {
	n := 320 + 3*len(t.Name) + 2*len(t.Description) + len(t.Magnet)
	for _, f := range t.Files {
		n += len(f.Path) + 56
	}
	for _, tr := range t.Trackers {
		n += len(tr) + 8
	}
	return n
}

// add checks a record and queues it for the next batch (writing the batch first when the record
// would not fit in it), or reports it skipped.
func (k *kindRun) add(ctx context.Context, r ports.SourceRecord) error {
	size := 0
	if r.Torrent != nil {
		size = storedSize(r.Torrent)
		if k.opts.BatchBytes > 0 && len(k.torrents) > 0 && k.torrentBytes+size > k.opts.BatchBytes {
			if err := k.flush(ctx); err != nil { // before lastKey moves: the checkpoint names written records only
				return err
			}
		}
	}
	k.lastKey = r.Key
	var problem string
	switch {
	case r.User != nil && k.kind == ports.ImportUsers:
		var u domain.User
		if u, problem = k.userOf(r.Key, *r.User); problem == "" {
			k.users = append(k.users, u)
		}
	case r.Session != nil && k.kind == ports.ImportSessions:
		var s ports.ImportedSession
		if s, problem = k.sessionOf(*r.Session); problem == "" {
			k.sessions = append(k.sessions, s)
		}
	case r.Category != nil && k.kind == ports.ImportCategories:
		var c domain.CategoryRef
		if c, problem = categoryOf(*r.Category); problem == "" {
			k.categories = append(k.categories, c)
		}
	case r.Activity != nil && k.kind == ports.ImportActivities:
		var a ports.ImportedActivity
		if a, problem = k.activityOf(r.Key, *r.Activity); problem == "" {
			k.activities = append(k.activities, a)
		}
	case r.Torrent != nil && k.kind == ports.ImportTorrents:
		t := r.Torrent
		k.torrentBytes += size
		k.torrents = append(k.torrents, ingest.Item{
			InfoHash: t.InfoHash, Magnet: t.Magnet, Name: t.Name, Size: t.Size, Category: t.Category, Seeders: t.Seeders,
			Leechers: t.Leechers, UploadedAt: t.UploadedAt, Description: t.Description, Files: t.Files, Trackers: t.Trackers,
			WebSeeds: t.WebSeeds, External: t.External,
		})
	default:
		problem = "the source gave no " + string(k.kind) + " record"
	}
	if problem != "" {
		k.report.skip(r.Key, problem)
		return nil
	}
	k.keys = append(k.keys, r.Key)
	return nil
}

// userOf applies the account rules to an imported user. Its id is derived from the source's key,
// so every run (and a resumed one) gives a new user the same id.
func (k *kindRun) userOf(key string, in ports.SourceUser) (domain.User, string) {
	email, err := domain.NormalizeEmail(in.Email)
	if err != nil {
		return domain.User{}, problemText(err)
	}
	name, err := domain.NormalizeUserName(in.Name)
	if err != nil { // the previous app allowed an empty name; the address's local part stands in
		name, _, _ = strings.Cut(email, "@")
	}
	image, err := domain.NormalizeImage(in.Image)
	if err != nil {
		image = ""
	}
	u := domain.User{ID: importedUserID(key), Email: email, Name: name, Image: image,
		CreatedAt: in.CreatedAt.UTC().Truncate(time.Second), UpdatedAt: in.UpdatedAt.UTC().Truncate(time.Second)}
	if u.CreatedAt.IsZero() {
		u.CreatedAt = k.im.Clock.Now().UTC().Truncate(time.Second)
	}
	if u.UpdatedAt.Before(u.CreatedAt) {
		u.UpdatedAt = u.CreatedAt
	}
	if in.PasswordHash == "" {
		k.report.WithoutPassword++
		if len(k.report.NoPassword) < MaxReasons {
			k.report.NoPassword = append(k.report.NoPassword, email)
		}
		return u, ""
	}
	hash, err := k.im.Legacy.Adopt(in.PasswordHash)
	if err != nil {
		return domain.User{}, "passwordHash: is not a Better Auth scrypt hash (<32 hex salt>:<128 hex key>)"
	}
	u.PasswordHash = hash
	return u, ""
}

func importedUserID(key string) string {
	sum := sha256.Sum256([]byte("streamer import user " + key))
	return hex.EncodeToString(sum[:16])
}

// categoryOf reads a category given by slug, by display name, or both (the slug then is the
// source's, checked as ingest would derive it).
func categoryOf(in ports.SourceCategory) (domain.CategoryRef, string) {
	name := strings.TrimSpace(in.Name)
	if name == "" {
		name = strings.TrimSpace(in.Slug)
	}
	ref, err := domain.NewCategoryRef(name)
	if err != nil {
		return domain.CategoryRef{}, problemText(err)
	}
	if name == "" {
		return domain.CategoryRef{}, "name: a category needs a slug or a name"
	}
	if in.Slug != "" {
		slug := domain.Slugify(in.Slug)
		if slug == "" || slug != strings.TrimSpace(in.Slug) {
			return domain.CategoryRef{}, "slug: must be lowercase letters and digits joined by single hyphens (" + strconv.Quote(in.Slug) + ")"
		}
		ref.Slug = slug
	}
	return ref, ""
}

// activityOf applies the activity rules to an imported one: a view names a valid info hash, a
// search its text; one older than the retention is skipped (the sweep would delete it). Its key
// is derived from the source's, so a second run, or a resumed one, adds it once.
func (k *kindRun) activityOf(key string, in ports.SourceActivity) (ports.ImportedActivity, string) {
	email, err := domain.NormalizeEmail(in.UserEmail)
	if err != nil {
		return ports.ImportedActivity{}, "user " + problemText(err)
	}
	created := in.CreatedAt.UTC().Truncate(time.Second)
	if created.IsZero() {
		return ports.ImportedActivity{}, "created_at: is missing"
	}
	retention := k.im.ActivityRetention
	if retention <= 0 {
		retention = activity.DefaultRetention
	}
	if created.Before(k.im.Clock.Now().Add(-retention)) {
		return ports.ImportedActivity{}, "created_at: older than the activity retention (" + retention.String() + ")"
	}
	sum := sha256.Sum256([]byte("streamer import activity " + key))
	a := ports.ImportedActivity{Key: "import-" + hex.EncodeToString(sum[:20]), UserEmail: email, CreatedAt: created}
	switch domain.ActivityType(strings.TrimSpace(in.Type)) {
	case domain.ActivityView:
		h, err := domain.ParseInfoHash(in.InfoHash)
		if err != nil {
			return ports.ImportedActivity{}, "info_hash: a view needs the torrent's info hash (" + err.Error() + ")"
		}
		a.Type, a.InfoHash = domain.ActivityView, h
	case domain.ActivitySearch:
		q := strings.TrimSpace(in.Query)
		if q == "" || !utf8.ValidString(q) || utf8.RuneCountInString(q) > domain.MaxSearchTextLength {
			return ports.ImportedActivity{}, fmt.Sprintf("query: a search needs its text, valid UTF-8 of at most %d characters", domain.MaxSearchTextLength)
		}
		a.Type, a.Query = domain.ActivitySearch, q
	default:
		return ports.ImportedActivity{}, "type: must be view or search (" + strconv.Quote(in.Type) + ")"
	}
	return a, ""
}

func (k *kindRun) sessionOf(in ports.SourceSession) (ports.ImportedSession, string) {
	if in.Token == "" {
		return ports.ImportedSession{}, "token: is empty"
	}
	email, err := domain.NormalizeEmail(in.UserEmail)
	if err != nil {
		return ports.ImportedSession{}, "user " + problemText(err)
	}
	now := k.im.Clock.Now()
	if !in.ExpiresAt.After(now) {
		return ports.ImportedSession{}, "expiresAt: the session has expired"
	}
	created := in.CreatedAt.UTC().Truncate(time.Second)
	if created.IsZero() {
		created = now.UTC().Truncate(time.Second)
	}
	return ports.ImportedSession{
		ID: k.im.SessionID(in.Token), UserEmail: email, CreatedAt: created, ExpiresAt: in.ExpiresAt.UTC().Truncate(time.Second),
	}, ""
}

// flush hands the gathered batch to the writer (waiting while it is busy with two), and starts a
// new one.
func (k *kindRun) flush(ctx context.Context) error {
	b := k.batch
	k.batch, k.torrentBytes = batch{lastKey: k.lastKey}, 0
	if b.empty() && b.lastKey == "" {
		return nil
	}
	if len(b.torrents) > 0 {
		// The checks run here, in the reader, while the writer stores the batch before: a
		// torrent's normalization (its release parsed from its name) is a fifth of ingest's work.
		var err error
		if b.prepared, err = k.im.Ingest.Prepare(b.torrents); err != nil {
			return err
		}
		b.torrents, b.preparedCount = nil, len(b.torrents) // the prepared torrents are what is stored; the items may go
	}
	began := time.Now()
	defer func() { k.report.ReadWaited += time.Since(began) }()
	select {
	case k.queue <- b:
		return nil
	case <-ctx.Done():
		return context.Cause(ctx)
	}
}

// store writes one batch (in a dry run, only checks it).
func (k *kindRun) store(ctx context.Context, b batch) error {
	if b.empty() {
		return nil
	}
	switch k.kind {
	case ports.ImportUsers:
		return k.storeUsers(ctx, b)
	case ports.ImportSessions:
		return k.storeSessions(ctx, b)
	case ports.ImportCategories:
		return k.storeCategories(ctx, b)
	case ports.ImportActivities:
		return k.storeActivities(ctx, b)
	}
	return k.storeTorrents(ctx, b)
}

func (k *kindRun) count(keys []string, outcomes []ports.ImportOutcome, missing string) {
	for i, o := range outcomes {
		switch {
		case o.Missing:
			k.written.skip(keys[i], missing)
		case o.Created:
			k.written.Created++
		case o.Unchanged:
			k.written.Unchanged++
		default:
			k.written.Updated++
		}
	}
}

func (k *kindRun) storeUsers(ctx context.Context, b batch) error {
	if k.opts.DryRun {
		k.written.Created += int64(len(b.users))
		return nil
	}
	outcomes, err := k.im.Accounts.UpsertUsers(ctx, b.users)
	if err != nil {
		return fmt.Errorf("users: store a batch: %w", err)
	}
	k.count(b.keys, outcomes, "id: belongs to another email here (the email changed in the source since an earlier import)")
	return nil
}

func (k *kindRun) storeSessions(ctx context.Context, b batch) error {
	if k.opts.DryRun {
		k.written.Created += int64(len(b.sessions))
		return nil
	}
	outcomes, err := k.im.Accounts.UpsertSessions(ctx, b.sessions)
	if err != nil {
		return fmt.Errorf("sessions: store a batch: %w", err)
	}
	k.count(b.keys, outcomes, "userEmail: no such user here (the user was skipped or is not in the source)")
	return nil
}

func (k *kindRun) storeCategories(ctx context.Context, b batch) error {
	if k.opts.DryRun {
		k.written.Created += int64(len(b.categories))
		return nil
	}
	outcomes, err := k.im.Categories.UpsertCategories(ctx, b.categories)
	if err != nil {
		return fmt.Errorf("categories: store a batch: %w", err)
	}
	k.count(b.keys, outcomes, "")
	return nil
}

func (k *kindRun) storeActivities(ctx context.Context, b batch) error {
	if k.opts.DryRun {
		k.written.Created += int64(len(b.activities))
		return nil
	}
	outcomes, err := k.im.Accounts.AddActivities(ctx, b.activities)
	if err != nil {
		return fmt.Errorf("activities: store a batch: %w", err)
	}
	k.count(b.keys, outcomes, "userEmail: no such user here (the user was skipped or is not in the source)")
	return nil
}

func (k *kindRun) storeTorrents(ctx context.Context, b batch) error {
	var rep ingest.Report
	if k.opts.DryRun {
		rep = b.prepared.Checked()
	} else {
		var err error
		if rep, err = k.im.Ingest.Store(ctx, b.prepared); err != nil {
			return fmt.Errorf("torrents: store a batch: %w", err)
		}
	}
	for _, r := range rep.Results {
		switch r.Status {
		case ingest.Created:
			k.written.Created++
		case ingest.Updated:
			k.written.Updated++
		case ingest.Unchanged:
			k.written.Unchanged++
		default:
			reason := string(r.Status)
			if r.Problem != nil {
				reason = strings.TrimPrefix(r.Problem.Field+": "+r.Problem.Message, ": ")
			}
			k.written.skip(b.keys[r.Index], reason)
		}
	}
	return nil
}

func problemText(err error) string {
	var v *domain.ValidationError
	if errors.As(err, &v) && len(v.Problems) > 0 {
		return v.Problems[0].Field + ": " + v.Problems[0].Message
	}
	return err.Error()
}
