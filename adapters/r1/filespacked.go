package r1

import (
	"encoding/hex"
	"errors"
	"fmt"

	"github.com/klauspost/compress/s2"
)

// A torrent's file list packed in its row (migration 0039): a format byte, then the list's JSON
// (filesJSONOf's bytes) as one S2 block. S2 is klauspost/compress's extension of Snappy, a
// stable block format: on make bench's corpora it keeps about a third of the JSON (the paths
// repeat the folder and the title) for about 1.7 µs a torrent, where zstd's fastest level keeps
// a little less for five times the CPU. The format byte leaves room for another encoding; a
// reader refuses one it does not know rather than showing a torrent without its files.
const filesPackedS2 = 1

// filesPackedMax bounds the JSON a packed list unpacks to: the store's bound on a row, which the
// JSON met when it was written (newUpsertRow). A packed value claiming more is not one of ours.
const filesPackedMax = maxRowBytes

// packFiles is the files_packed value of a file list's JSON.
func packFiles(filesJSON string) []byte {
	out := make([]byte, 1+s2.MaxEncodedLen(len(filesJSON)))
	out[0] = filesPackedS2
	return out[:1+len(s2.EncodeBetter(out[1:], []byte(filesJSON)))]
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
	if packed[0] != filesPackedS2 {
		return "", fmt.Errorf("files_packed: format %d, not one this service reads (%d)", packed[0], filesPackedS2)
	}
	n, err := s2.DecodedLen(packed[1:])
	if err != nil {
		return "", fmt.Errorf("files_packed: %w", err)
	}
	if n > filesPackedMax {
		return "", fmt.Errorf("files_packed: unpacks to %d bytes, over the store's %d", n, filesPackedMax)
	}
	list, err := s2.Decode(make([]byte, n), packed[1:])
	if err != nil {
		return "", fmt.Errorf("files_packed: %w", err)
	}
	return string(list), nil
}
