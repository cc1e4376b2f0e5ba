package postgres

import (
	"bytes"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/jackc/pgx/v5/pgtype"
)

// A kind's child mappings (files, trackers, credentials, and a kind's parts: see Source) are read
// as their own streams, each in the order of its parent_key, and merged here with the kind's own
// stream, read in the order of its key: a merge join of sorted streams. PostgreSQL then scans each
// table once in key order instead of looking a parent's children up row by row.
//
// The merge compares keys in Go, so Go must order them as PostgreSQL does: bytea and uuid byte by
// byte (PostgreSQL compares them with memcmp, a shorter prefix first); whole numbers as numbers;
// text byte by byte, which is PostgreSQL's order only under the "C" collation, so text keys are
// read ORDER BY ... COLLATE "C" (a database's own collation, en_US for one, orders 'B' before 'a'
// differently). A stream whose keys go backwards anyway stops the read with an error naming it,
// never a silent mismatch.

// keyClass is how the merge compares a key's values.
type keyClass int

const (
	keyUnsupported keyClass = iota
	keyBytes                // bytea, uuid
	keyText                 // text, varchar, char, name: read in the "C" collation's order
	keyInteger              // smallint, integer, bigint
)

func classOf(oid uint32) keyClass {
	switch oid {
	case pgtype.ByteaOID, pgtype.UUIDOID:
		return keyBytes
	case pgtype.TextOID, pgtype.VarcharOID, pgtype.BPCharOID, pgtype.NameOID:
		return keyText
	case pgtype.Int2OID, pgtype.Int4OID, pgtype.Int8OID:
		return keyInteger
	}
	return keyUnsupported
}

// collate is what follows a key of the class in ORDER BY (and in a resumed read's comparison) so
// that PostgreSQL orders it as the merge compares it.
func (c keyClass) collate() string {
	if c == keyText {
		return ` COLLATE "C"`
	}
	return ""
}

// keyOf appends to dst a key's value, as it arrived on the wire (raw, in format), in a form that
// bytes.Compare orders as PostgreSQL orders the key: whole numbers as 8 big-endian bytes with the
// sign bit flipped, anything else as its bytes.
func keyOf(dst []byte, c keyClass, format int16, raw []byte) ([]byte, error) {
	switch c {
	case keyInteger:
		var n int64
		if format == pgtype.BinaryFormatCode {
			switch len(raw) {
			case 2:
				n = int64(int16(binary.BigEndian.Uint16(raw)))
			case 4:
				n = int64(int32(binary.BigEndian.Uint32(raw)))
			case 8:
				n = int64(binary.BigEndian.Uint64(raw))
			default:
				return dst, fmt.Errorf("a whole number of %d bytes", len(raw))
			}
		} else {
			var err error
			if n, err = strconv.ParseInt(string(raw), 10, 64); err != nil {
				return dst, err
			}
		}
		return binary.BigEndian.AppendUint64(dst, uint64(n)^(1<<63)), nil
	case keyBytes:
		if format == pgtype.BinaryFormatCode {
			return append(dst, raw...), nil
		}
		// Text format: bytea as \x and hex digits, uuid as hex digits and dashes.
		text := strings.ReplaceAll(strings.TrimPrefix(string(raw), `\x`), "-", "")
		b, err := hex.DecodeString(text)
		if err != nil {
			return dst, err
		}
		return append(dst, b...), nil
	case keyText:
		return append(dst, raw...), nil
	}
	return dst, fmt.Errorf("a key of a type the merge cannot compare")
}

const orderHint = `: the import merges a kind's rows with its child mappings' in key order, comparing keys byte by byte (text as the "C" collation orders it) and whole numbers as numbers, and reads them so ordered; PostgreSQL ordered these otherwise`

// shown is a key as an error names it: text when it is printable, else hex digits.
func shown(k []byte) string {
	if utf8.Valid(k) && !slices.ContainsFunc([]rune(string(k)), func(r rune) bool { return !unicode.IsPrint(r) }) {
		return strconv.Quote(string(k))
	}
	return "0x" + hex.EncodeToString(k)
}

// cursor is a stream of rows in key order: a child query's.
type cursor interface {
	Next() bool
	// Key is the current row's key as keyOf gives it; valid until Next.
	Key() ([]byte, error)
	Err() error
}

// childStream is one child mapping's rows as the merge reads them.
type childStream struct {
	name string // the mapping's file, for errors
	rows cursor
	// reset starts a new parent's gathering; take adds the current row to it.
	reset func()
	take  func() error

	key          []byte // the current row's key
	loaded, seen bool   // a row is current; a row was ever read
	done         bool
	orphans      int64 // rows whose parent_key no parent has
}

// next reads the stream's next row, checking that its key does not go backwards.
func (s *childStream) next() (bool, error) {
	if s.done {
		return false, nil
	}
	if !s.rows.Next() {
		s.done = true
		return false, s.rows.Err()
	}
	k, err := s.rows.Key()
	if err != nil {
		return false, fmt.Errorf("%s: parent_key: %w", s.name, err)
	}
	if s.seen && bytes.Compare(k, s.key) < 0 {
		return false, fmt.Errorf("%s: its rows are not in the order of parent_key (%s came after %s)%s", s.name, shown(k), shown(s.key), orderHint)
	}
	s.key = append(s.key[:0], k...)
	s.seen, s.loaded = true, true
	return true, nil
}

// merger walks child streams beside a parent stream.
type merger struct {
	name    string // the parent's mapping, for errors
	streams []*childStream
	last    []byte
	started bool
}

// align gathers, for the parent whose key comes next, every child stream's rows with the same
// key. Rows before it (children whose parent is not read: none has their key) are passed over, rows
// after it wait for a later parent. A parent with no child rows gathers nothing. A parent whose key
// equals the one before (the mapping's key is not unique) gets that one's children again, as a
// join would give them. A NULL key (nil) gets none. A parent key lower than the one before stops
// the merge with an error: the streams are not ordered as the merge compares them.
func (m *merger) align(key []byte) error {
	if key == nil {
		for _, s := range m.streams {
			s.reset()
		}
		return nil
	}
	if m.started {
		switch c := bytes.Compare(key, m.last); {
		case c < 0:
			return fmt.Errorf("%s: its rows are not in the order of key (%s came after %s)%s", m.name, shown(key), shown(m.last), orderHint)
		case c == 0:
			return nil
		}
	}
	m.last = append(m.last[:0], key...)
	m.started = true
	for _, s := range m.streams {
		s.reset()
		for {
			if !s.loaded {
				ok, err := s.next()
				if err != nil {
					return err
				}
				if !ok {
					break
				}
			}
			c := bytes.Compare(s.key, key)
			if c > 0 {
				break
			}
			if c == 0 {
				if err := s.take(); err != nil {
					return fmt.Errorf("%s: %w", s.name, err)
				}
			} else {
				s.orphans++
			}
			s.loaded = false
		}
	}
	return nil
}
