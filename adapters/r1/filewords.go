package r1

import (
	"strings"
	"unicode"

	"github.com/torrent-streamer/streamer/domain"
)

// fileWordsMax bounds the text fileWords writes, in bytes. A torrent whose paths hold more words
// than that stores none (NULL), and the index reads its paths from the file list as before
// (migration 0037): the row, which D1 bounds, holds its file list and not a second copy of it.
const fileWordsMax = 32 << 10

// fileWords is the text the full-text index holds for a torrent's file paths (migration 0037):
// each word of the paths once, in the order they first come, separated by spaces; nil (NULL)
// when that is more than fileWordsMax bytes.
//
// A word is what the paths hold between ASCII spaces and ASCII punctuation marks, which FTS5's
// unicode61 tokenizer cuts at whatever its options, its version and its Unicode tables. It may cut a
// word further (at a symbol, or at a non-ASCII mark), the same way wherever the word stands, so the
// text holds every token of the paths and no other. Two words are one when they are equal but for
// the case of ASCII letters, which the tokenizer folds; words that differ otherwise are kept both,
// and may give the index one token twice. Invalid UTF-8 is written as U+FFFD, as the file list's
// JSON holds it (a separator to the tokenizer either way).
func fileWords(files []domain.File) any {
	var b strings.Builder
	seen := make(map[string]struct{}, 32)
	for _, f := range files {
		path := strings.ToValidUTF8(f.Path, "\uFFFD")
		for start := 0; start < len(path); {
			for start < len(path) && cutsWords[path[start]] {
				start++
			}
			end := start
			for end < len(path) && !cutsWords[path[end]] {
				end++
			}
			if end == start {
				break
			}
			word := path[start:end]
			start = end
			key := asciiLower(word)
			if _, ok := seen[key]; ok {
				continue
			}
			seen[key] = struct{}{}
			if b.Len() > 0 {
				b.WriteByte(' ')
			}
			b.WriteString(word)
			if b.Len() > fileWordsMax {
				return nil
			}
		}
	}
	return b.String()
}

// cutsWords are the bytes fileWords cuts the paths at: ASCII white space and punctuation (Unicode's
// Z and P categories), separators to unicode61 in every version. ASCII symbols ($ + < = > ^ ` | ~)
// and control characters stay in a word: unicode61's default options made them separators only
// in later versions. Bytes from 0x80 on are parts of UTF-8 sequences, inside words.
var cutsWords = func() (t [256]bool) {
	for c := range 0x80 {
		r := rune(c)
		t[c] = unicode.IsSpace(r) || unicode.IsPunct(r)
	}
	return t
}()

// asciiLower is s with ASCII letters in lower case, s itself when it has none in upper case.
func asciiLower(s string) string {
	for i := 0; i < len(s); i++ {
		if c := s[i]; 'A' <= c && c <= 'Z' {
			b := []byte(s)
			for j := i; j < len(b); j++ {
				if 'A' <= b[j] && b[j] <= 'Z' {
					b[j] += 'a' - 'A'
				}
			}
			return string(b)
		}
	}
	return s
}
