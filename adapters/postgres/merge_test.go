package postgres

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5/pgtype"
)

// rowsOf is a child stream over keys (each a row), with the row's value beside it.
type rowsOf struct {
	keys   []string
	values []string
	at     int
}

func (r *rowsOf) Next() bool           { r.at++; return r.at <= len(r.keys) }
func (r *rowsOf) Key() ([]byte, error) { return []byte(r.keys[r.at-1]), nil }
func (r *rowsOf) Err() error           { return nil }

// stream makes a child stream gathering its rows' values for each parent.
func stream(name string, rows ...string) (*childStream, *[]string) {
	r := &rowsOf{}
	for _, row := range rows {
		k, v, _ := strings.Cut(row, "=")
		r.keys, r.values = append(r.keys, k), append(r.values, v)
	}
	var got []string
	s := &childStream{name: name, rows: r}
	s.reset = func() { got = nil }
	s.take = func() error { got = append(got, r.values[r.at-1]); return nil }
	return s, &got
}

func TestTheMergeGathersEachParentsChildren(t *testing.T) {
	files, gotFiles := stream("files.sql", "a=a1", "a=a2", "c=c1", "d=d1", "d=d2", "d=d3")
	sources, gotSources := stream("torrents.sources.sql", "b=b1", "d=d1")
	m := merger{name: "torrents mapping", streams: []*childStream{files, sources}}
	var got []string
	for _, p := range []string{"a", "b", "c", "d", "e"} {
		if err := m.align([]byte(p)); err != nil {
			t.Fatal(err)
		}
		got = append(got, fmt.Sprintf("%s:%v%v", p, *gotFiles, *gotSources))
	}
	want := "a:[a1 a2][] b:[][b1] c:[c1][] d:[d1 d2 d3][d1] e:[][]"
	if g := strings.Join(got, " "); g != want {
		t.Errorf("got  %s\nwant %s", g, want)
	}
}

// Children whose parent is not read (before the first parent, between two, after the last) are
// passed over and counted, never given to another parent.
func TestChildrenWithNoParentArePassedOver(t *testing.T) {
	files, got := stream("files.sql", "0=orphan", "b=b1", "bb=orphan", "c=c1", "x=orphan", "y=orphan")
	m := merger{name: "torrents mapping", streams: []*childStream{files}}
	var out []string
	for _, p := range []string{"b", "c", "d"} {
		if err := m.align([]byte(p)); err != nil {
			t.Fatal(err)
		}
		out = append(out, fmt.Sprintf("%s:%v", p, *got))
	}
	if g, want := strings.Join(out, " "), "b:[b1] c:[c1] d:[]"; g != want {
		t.Errorf("got %s, want %s", g, want)
	}
	if files.orphans != 2 { // the ones after the last parent are never read
		t.Errorf("passed over %d orphans, want 2", files.orphans)
	}
}

// A parent with no children gathers nothing, also when every stream is empty or ended.
func TestParentsWithNoChildrenGatherNothing(t *testing.T) {
	empty, gotEmpty := stream("trackers.sql")
	files, gotFiles := stream("files.sql", "a=a1")
	m := merger{name: "torrents mapping", streams: []*childStream{empty, files}}
	for _, c := range []struct{ parent, want string }{{"a", "[] [a1]"}, {"b", "[] []"}, {"c", "[] []"}} {
		if err := m.align([]byte(c.parent)); err != nil {
			t.Fatal(err)
		}
		if g := fmt.Sprintf("%v %v", *gotEmpty, *gotFiles); g != c.want {
			t.Errorf("%s: %s, want %s", c.parent, g, c.want)
		}
	}
}

// A key the parent mapping returns twice gets the same children twice, as a join would; a NULL
// key gets none.
func TestDuplicateParentKeysShareTheirChildren(t *testing.T) {
	files, got := stream("files.sql", "a=a1", "a=a2", "b=b1")
	m := merger{name: "torrents mapping", streams: []*childStream{files}}
	var out []string
	for _, p := range [][]byte{[]byte("a"), []byte("a"), nil, []byte("b"), []byte("b")} {
		if err := m.align(p); err != nil {
			t.Fatal(err)
		}
		out = append(out, fmt.Sprintf("%s:%v", p, *got))
	}
	if g, want := strings.Join(out, " "), "a:[a1 a2] a:[a1 a2] :[] b:[b1] b:[b1]"; g != want {
		t.Errorf("got %s, want %s", g, want)
	}
}

// Keys that go backwards, in a child stream or in the parent's, stop the merge with an error
// naming the mapping: never children given to the wrong parent.
func TestOutOfOrderKeysStopTheMerge(t *testing.T) {
	files, _ := stream("files.sql", "a=a1", "c=c1", "b=b1")
	m := merger{name: "torrents mapping", streams: []*childStream{files}}
	var err error
	for _, p := range []string{"a", "b", "c", "d"} {
		if err = m.align([]byte(p)); err != nil {
			break
		}
	}
	if err == nil || !strings.Contains(err.Error(), "files.sql: its rows are not in the order of parent_key") {
		t.Errorf("a child stream out of order: %v", err)
	}

	files, _ = stream("files.sql", "a=a1", "b=b1")
	m = merger{name: "torrents mapping", streams: []*childStream{files}}
	err = nil
	for _, p := range []string{"a", "c", "b"} {
		if err = m.align([]byte(p)); err != nil {
			break
		}
	}
	if err == nil || !strings.Contains(err.Error(), "torrents mapping: its rows are not in the order of key") {
		t.Errorf("the parent stream out of order: %v", err)
	}
}

// A child's failure to read a row stops the merge with the mapping's name.
func TestAChildsReadErrorStopsTheMerge(t *testing.T) {
	files, _ := stream("files.sql", "a=a1")
	files.take = func() error { return errors.New("cannot scan") }
	m := merger{name: "torrents mapping", streams: []*childStream{files}}
	if err := m.align([]byte("a")); err == nil || err.Error() != "files.sql: cannot scan" {
		t.Errorf("got %v", err)
	}
}

// keyOf orders keys as PostgreSQL does: whole numbers as numbers (negative ones first, 9 before
// 10, whatever their width on the wire), bytea and uuid byte by byte with a prefix first, text
// byte by byte (the "C" collation's order).
func TestKeysCompareAsPostgreSQLOrdersThem(t *testing.T) {
	bin := func(c keyClass, raw ...[]byte) [][]byte {
		var out [][]byte
		for _, r := range raw {
			k, err := keyOf(nil, c, pgtype.BinaryFormatCode, r)
			if err != nil {
				t.Fatal(err)
			}
			out = append(out, k)
		}
		return out
	}
	text := func(c keyClass, raw ...string) [][]byte {
		var out [][]byte
		for _, r := range raw {
			k, err := keyOf(nil, c, pgtype.TextFormatCode, []byte(r))
			if err != nil {
				t.Fatal(err)
			}
			out = append(out, k)
		}
		return out
	}
	for name, ordered := range map[string][][]byte{
		"integers, binary": bin(keyInteger, []byte{0x80, 0, 0, 0, 0, 0, 0, 0}, []byte{0xff, 0xff, 0xff, 0xff}, []byte{0, 0}, []byte{0, 9}, []byte{0, 0, 0, 10}, []byte{0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff}),
		"integers, text":   text(keyInteger, "-10", "-9", "0", "9", "10", "100"),
		"bytea":            bin(keyBytes, []byte{}, []byte{0}, []byte{0, 0}, []byte{0, 1}, []byte{1}, []byte{0xff}),
		"bytea, text":      text(keyBytes, `\x`, `\x00`, `\x0000`, `\x0001`, `\x01`, `\xff`),
		"uuid, text":       text(keyBytes, "00000000-0000-0000-0000-000000000000", "0000000a-0000-0000-0000-000000000000", "a0000000-0000-0000-0000-000000000000"),
		"text":             text(keyText, "", "B", "a", "b", "é"),
	} {
		for i := 1; i < len(ordered); i++ {
			if bytes.Compare(ordered[i-1], ordered[i]) >= 0 {
				t.Errorf("%s: key %d (%x) does not come before key %d (%x)", name, i-1, ordered[i-1], i, ordered[i])
			}
		}
	}
	if _, err := keyOf(nil, keyInteger, pgtype.BinaryFormatCode, []byte{1, 2, 3}); err == nil {
		t.Error("a 3-byte whole number was read")
	}
	if _, err := keyOf(nil, keyUnsupported, pgtype.BinaryFormatCode, []byte{1}); err == nil {
		t.Error("a key of an unsupported type was read")
	}
}
