package r1

import (
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"sync"

	"github.com/klauspost/compress/s2"
)

// A torrent's file list packed in its row (migration 0039): a format byte, then the list's JSON
// (filesJSONOf's bytes) as one S2 block. S2 is klauspost/compress's extension of Snappy, a
// stable block format: on make bench's corpora it keeps about a third of the JSON (the paths
// repeat the folder and the title) for about 1.7 µs a torrent, where zstd's fastest level keeps
// a little less for five times the CPU. The format byte leaves room for another encoding; a
// reader refuses one it does not know rather than showing a torrent without its files.
//
// S2's bytes for one list are not the same from every build (its assembly and pure-Go encoders
// differ, and a later version may too), so the format written (2) puts the JSON's own hash first:
// the upsert compares that prefix (filesPackedKey), and an unchanged list is unchanged whichever
// build packed it. Format 1, the S2 block alone, was written for an hour of session 15 and is
// still read.
const (
	filesPackedS2     = 1 // the S2 block alone
	filesPackedHashS2 = 2 // an 8-byte FNV-1a hash of the JSON, big-endian, then the S2 block
	// filesPackedKey is how many bytes of a packed list say which list it is: the format and the
	// hash (upsertChanged compares them).
	filesPackedKey = 9
)

// filesPackedMax bounds the JSON a packed list unpacks to: the store's bound on a row, which the
// JSON met when it was written (newUpsertRow). A packed value claiming more is not one of ours.
const filesPackedMax = maxRowBytes

// packFiles is the files_packed value of a file list's JSON.
func packFiles(filesJSON string) []byte {
	b := packPool.Get().(*packBuffers)
	defer b.put()
	b.src = append(b.src[:0], filesJSON...)
	if n := s2.MaxEncodedLen(len(b.src)); cap(b.dst) < n {
		b.dst = make([]byte, n)
	}
	block := s2.EncodeBetter(b.dst[:cap(b.dst)], b.src)
	out := make([]byte, filesPackedKey+len(block))
	out[0] = filesPackedHashS2
	// FNV-1a with fileWords' constants, over the string as it is: no hasher for it.
	h := uint64(fnvOffset)
	for i := range len(filesJSON) {
		h = (h ^ uint64(filesJSON[i])) * fnvPrime
	}
	binary.BigEndian.PutUint64(out[1:filesPackedKey], h)
	copy(out[filesPackedKey:], block)
	return out
}

// packBuffers are a packing's scratch, kept between calls (packPool): the JSON as bytes (S2 takes
// bytes) and S2's worst case, which the packed value is copied out of at its own size; made for
// each torrent, they were a fifth of the bytes a bulk load's writer allocated.
type packBuffers struct{ src, dst []byte }

var packPool = sync.Pool{New: func() any { return new(packBuffers) }}

// packBufferKept bounds the buffers kept: a list of thousands of files leaves its own to the
// collector.
const packBufferKept = 256 << 10

func (b *packBuffers) put() {
	if cap(b.src) <= packBufferKept && cap(b.dst) <= packBufferKept {
		packPool.Put(b)
	}
}

// unpackFiles is the JSON of a files_packed value as the reads select it, in hex (so that D1,
// whose results are JSON, and the local file read it alike).
func unpackFiles(hexText string) (string, error) {
	packed, err := hex.DecodeString(hexText)
	if err != nil {
		return "", fmt.Errorf("files_packed: %w", err)
	}
	if len(packed) == 0 {
		return "", errors.New("files_packed: empty")
	}
	var block []byte
	switch {
	case packed[0] == filesPackedS2:
		block = packed[1:]
	case packed[0] == filesPackedHashS2 && len(packed) >= filesPackedKey:
		block = packed[filesPackedKey:]
	default:
		return "", fmt.Errorf("files_packed: format %d, not one this service reads (%d, %d)", packed[0], filesPackedS2, filesPackedHashS2)
	}
	n, err := s2.DecodedLen(block)
	if err != nil {
		return "", fmt.Errorf("files_packed: %w", err)
	}
	if n > filesPackedMax {
		return "", fmt.Errorf("files_packed: unpacks to %d bytes, over the store's %d", n, filesPackedMax)
	}
	list, err := s2.Decode(make([]byte, n), block)
	if err != nil {
		return "", fmt.Errorf("files_packed: %w", err)
	}
	return string(list), nil
}
