package r1

import (
	"context"
	"errors"
	"fmt"
	"strings"
)

// Two full-text indexes of the same definition, built apart over disjoint rows, made one by copying
// their tables (FTS5's shadow tables: its whole on-disk state) into a third: a bulk load's scratch
// index and its tail (bulkfts.go), merged on two cores, then copied into the catalog.
//
// FTS5's %_data table holds each index segment's pages under rowids that begin with the segment's
// id (segid<<37 | dlidx<<36 | height<<31 | page), %_idx holds each segment's b-tree keyed by
// (segid, term), and two records describe the whole (fts5_index.c's "Details" comment):
//
//   - the averages record (rowid 1): varints, the number of rows, then each column's total tokens;
//   - the structure record (rowid 10): a 4-byte configuration cookie, then varints: the number of
//     levels, of segments, the write counter; then for each level the segments of an ongoing
//     merge and the number of segments, and for each segment, oldest first, its id and its first
//     and last leaf page. A table with contentless_delete=1 writes another form (V2), refused here.
//
// So the second index's segments are given ids the first does not use (at most fts5MaxSegment:
// FTS5 keeps a bitmap of that many when it picks a new one), its pages and b-tree rows are copied
// under them, and the two records are summed: rows and tokens added, the second's segments placed
// on the first's top level after its own (newest last). A page's content never names its segment,
// and the rows are disjoint, so no doclist changes; bm25 reads the summed averages and the rows'
// own sizes (%_docsize, copied as is).

const (
	ftsAveragesRowid  = 1
	ftsStructureRowid = 10
	// ftsSegidShift places a segment id in a %_data rowid.
	ftsSegidShift = 37
	// fts5MaxSegment is FTS5's FTS5_MAX_SEGMENT: segment ids run from 1 to it.
	fts5MaxSegment = 2000
)

// ftsStructure is a decoded structure record.
type ftsStructure struct {
	cookie       [4]byte
	writeCounter uint64
	levels       []ftsLevel
}

type ftsLevel struct {
	merging  uint64 // segments in an ongoing incremental merge
	segments []ftsSegment
}

type ftsSegment struct{ id, firstPage, lastPage uint64 }

var errFTSRecord = errors.New("an FTS5 record this code does not read")

func decodeFTSStructure(b []byte) (ftsStructure, error) {
	var s ftsStructure
	if len(b) < 4 {
		return s, fmt.Errorf("structure of %d bytes: %w", len(b), errFTSRecord)
	}
	copy(s.cookie[:], b)
	r := varintReader{b: b[4:]}
	if len(r.b) >= 4 && r.b[0] == 0xff {
		return s, fmt.Errorf("a V2 structure (contentless_delete): %w", errFTSRecord)
	}
	nLevel, nSegment := r.next(), r.next()
	s.writeCounter = r.next()
	var counted uint64
	for range nLevel {
		l := ftsLevel{merging: r.next()}
		n := r.next()
		for range n {
			l.segments = append(l.segments, ftsSegment{id: r.next(), firstPage: r.next(), lastPage: r.next()})
		}
		counted += n
		s.levels = append(s.levels, l)
		if r.err != nil {
			break
		}
	}
	if r.err != nil || len(r.b) != 0 || counted != nSegment || nLevel > 64 {
		return s, fmt.Errorf("structure of %d levels, %d segments (%d counted, %d bytes left, %v): %w", nLevel, nSegment, counted, len(r.b), r.err, errFTSRecord)
	}
	return s, nil
}

func (s ftsStructure) encode() []byte {
	out := append([]byte(nil), s.cookie[:]...)
	out = appendVarint(out, uint64(len(s.levels)))
	out = appendVarint(out, uint64(len(s.segments())))
	out = appendVarint(out, s.writeCounter)
	for _, l := range s.levels {
		out = appendVarint(out, l.merging)
		out = appendVarint(out, uint64(len(l.segments)))
		for _, seg := range l.segments {
			out = appendVarint(out, seg.id)
			out = appendVarint(out, seg.firstPage)
			out = appendVarint(out, seg.lastPage)
		}
	}
	return out
}

func (s ftsStructure) segments() []ftsSegment {
	var all []ftsSegment
	for _, l := range s.levels {
		all = append(all, l.segments...)
	}
	return all
}

// ftsJoin is what joining a second index into a first makes: their structure and averages, and
// the second's segment ids, old to new.
type ftsJoin struct {
	structure, averages []byte
	renumber            map[uint64]uint64
}

// joinFTSRecords joins the records of index b into those of index a (see above). Neither may be
// in the middle of an incremental merge.
func joinFTSRecords(aStructure, aAverages, bStructure, bAverages []byte) (ftsJoin, error) {
	a, err := decodeFTSStructure(aStructure)
	if err != nil {
		return ftsJoin{}, err
	}
	b, err := decodeFTSStructure(bStructure)
	if err != nil {
		return ftsJoin{}, err
	}
	for _, l := range append(append([]ftsLevel(nil), a.levels...), b.levels...) {
		if l.merging != 0 {
			return ftsJoin{}, fmt.Errorf("an index in the middle of a merge: %w", errFTSRecord)
		}
	}
	used := map[uint64]bool{}
	for _, seg := range a.segments() {
		used[seg.id] = true
	}
	join := ftsJoin{renumber: map[uint64]uint64{}}
	next := uint64(1)
	var moved []ftsSegment
	for _, seg := range b.segments() {
		for used[next] {
			next++
		}
		if next > fts5MaxSegment {
			return ftsJoin{}, fmt.Errorf("more than %d segments: %w", fts5MaxSegment, errFTSRecord)
		}
		used[next] = true
		join.renumber[seg.id] = next
		moved = append(moved, ftsSegment{id: next, firstPage: seg.firstPage, lastPage: seg.lastPage})
	}
	joined := ftsStructure{cookie: a.cookie, writeCounter: a.writeCounter + b.writeCounter}
	for _, l := range a.levels {
		joined.levels = append(joined.levels, ftsLevel{segments: append([]ftsSegment(nil), l.segments...)})
	}
	if len(moved) > 0 {
		if len(joined.levels) == 0 {
			joined.levels = append(joined.levels, ftsLevel{})
		}
		top := &joined.levels[len(joined.levels)-1]
		top.segments = append(top.segments, moved...)
	}
	join.structure = joined.encode()
	if join.averages, err = addFTSAverages(aAverages, bAverages); err != nil {
		return ftsJoin{}, err
	}
	return join, nil
}

// addFTSAverages adds two averages records. An empty one (a table never written) counts as zeros.
func addFTSAverages(a, b []byte) ([]byte, error) {
	av, err := decodeVarints(a)
	if err != nil {
		return nil, err
	}
	bv, err := decodeVarints(b)
	if err != nil {
		return nil, err
	}
	sum := make([]uint64, max(len(av), len(bv)))
	for i := range sum {
		if i < len(av) {
			sum[i] += av[i]
		}
		if i < len(bv) {
			sum[i] += bv[i]
		}
	}
	var out []byte
	for _, v := range sum {
		out = appendVarint(out, v)
	}
	return out, nil
}

func decodeVarints(b []byte) ([]uint64, error) {
	r := varintReader{b: b}
	var out []uint64
	for len(r.b) > 0 && r.err == nil {
		out = append(out, r.next())
	}
	if r.err != nil {
		return nil, fmt.Errorf("averages: %v: %w", r.err, errFTSRecord)
	}
	return out, nil
}

// SQLite's varint (also FTS5's): big-endian groups of 7 bits, the high bit set on every byte but
// the last, at most 9 bytes, the 9th carrying 8 bits.

func appendVarint(out []byte, v uint64) []byte {
	if v>>56 != 0 {
		var b [9]byte
		b[8] = byte(v)
		v >>= 8
		for i := 7; i >= 0; i-- {
			b[i] = byte(v&0x7f) | 0x80
			v >>= 7
		}
		return append(out, b[:]...)
	}
	var b [8]byte
	n := 0
	for {
		b[n] = byte(v&0x7f) | 0x80
		n++
		v >>= 7
		if v == 0 {
			break
		}
	}
	b[0] &= 0x7f
	for i := n - 1; i >= 0; i-- {
		out = append(out, b[i])
	}
	return out
}

type varintReader struct {
	b   []byte
	err error
}

func (r *varintReader) next() uint64 {
	if r.err != nil {
		return 0
	}
	var v uint64
	for i := 0; i < 8 && i < len(r.b); i++ {
		v = v<<7 | uint64(r.b[i]&0x7f)
		if r.b[i]&0x80 == 0 {
			r.b = r.b[i+1:]
			return v
		}
	}
	if len(r.b) < 9 {
		r.err = errors.New("a varint cut short")
		return 0
	}
	v = v<<8 | uint64(r.b[8])
	r.b = r.b[9:]
	return v
}

// copyJoinedFTS copies the full-text index torrents_fts of schema from into that of schema into,
// whose index holds the entries of other rows (another schema's, copied before): its segments
// under ids of their own, its records joined (see above). In the caller's transaction.
func copyJoinedFTS(ctx context.Context, c interface {
	execer
	querier
}, into, from string) error {
	records := func(schema string) (structure, averages []byte, err error) {
		rows, err := c.QueryContext(ctx, "SELECT id, block FROM "+schema+".torrents_fts_data WHERE id IN (?, ?)", ftsAveragesRowid, ftsStructureRowid)
		if err != nil {
			return nil, nil, err
		}
		defer rows.Close()
		for rows.Next() {
			var id int64
			var block []byte
			if err := rows.Scan(&id, &block); err != nil {
				return nil, nil, err
			}
			if id == ftsStructureRowid {
				structure = block
			} else {
				averages = block
			}
		}
		return structure, averages, rows.Err()
	}
	aStructure, aAverages, err := records(into)
	if err != nil {
		return err
	}
	bStructure, bAverages, err := records(from)
	if err != nil {
		return err
	}
	join, err := joinFTSRecords(aStructure, aAverages, bStructure, bAverages)
	if err != nil {
		return err
	}
	if len(join.renumber) > 0 {
		// (old, new) pairs: a page's rowid moves by the difference of its segment's ids.
		pairs := make([]string, 0, len(join.renumber))
		for old, renumbered := range join.renumber {
			pairs = append(pairs, fmt.Sprintf("(%d, %d)", old, renumbered))
		}
		ids := "WITH ids (old, new) AS (VALUES " + strings.Join(pairs, ", ") + ") "
		for _, stmt := range []string{
			ids + fmt.Sprintf(`INSERT INTO %s.torrents_fts_data (id, block)
SELECT d.id + ((ids.new - ids.old) << %d), d.block FROM %s.torrents_fts_data AS d JOIN ids ON ids.old = d.id >> %d`, into, ftsSegidShift, from, ftsSegidShift),
			ids + fmt.Sprintf(`INSERT INTO %s.torrents_fts_idx (segid, term, pgno)
SELECT ids.new, i.term, i.pgno FROM %s.torrents_fts_idx AS i JOIN ids ON ids.old = i.segid`, into, from),
		} {
			if _, err := c.ExecContext(ctx, stmt); err != nil {
				return err
			}
		}
	}
	for _, stmt := range []struct {
		sql  string
		args []any
	}{
		{"INSERT INTO " + into + ".torrents_fts_docsize SELECT * FROM " + from + ".torrents_fts_docsize", nil},
		{"INSERT OR REPLACE INTO " + into + ".torrents_fts_data (id, block) VALUES (?, ?), (?, ?)",
			[]any{ftsStructureRowid, join.structure, ftsAveragesRowid, join.averages}},
	} {
		if _, err := c.ExecContext(ctx, stmt.sql, stmt.args...); err != nil {
			return err
		}
	}
	return nil
}
