package r1

import (
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"github.com/torrent-streamer/streamer/domain"
)

// fileWordsMax bounds the text fileWords writes, in bytes. A torrent whose paths hold more words
// than that stores none (NULL), and the index reads its paths from the file list as before
// (migration 0037): the row, which D1 bounds, holds its file list and not a second copy of it.
const fileWordsMax = 32 << 10

// fileWords is the text the full-text index holds for a torrent's file paths (migration 0037):
// each word of the paths once, in the order they first come, separated by spaces, but for the words
// of the torrent's name; nil (NULL) when that is more than fileWordsMax bytes.
//
// The name's words are left out because the index holds them already, in the name column: a
// search matches a torrent when its words are in any column, and the name tier of relevance reads
// the name alone, so a path word the name holds matches nothing the name does not. It only made
// bm25 count the word a second time, at a tenth of the name's weight. A torrent's paths mostly
// repeat its name (the folder is the name, each file's name the title again): on make bench's
// corpora 7 to 10 of the 24 to 26 different words of a torrent's paths, so about a fifth of the
// index's tokens, which it hashes with their four prefixes, writes, merges and copies.
//
// A word is what the paths hold between ASCII spaces and ASCII punctuation marks, which FTS5's
// unicode61 tokenizer cuts at in every version and with any Unicode tables (with the options
// torrents_fts has: no tokenchars, separators or categories of its own). It may cut a
// word further (at a symbol, or at a non-ASCII mark), the same way wherever the word stands, so the
// text holds every token of the paths and no other. Two words are one when they are equal but for
// the case of ASCII letters, which the tokenizer folds; words that differ otherwise are kept both,
// and may give the index one token twice. Invalid UTF-8 is written as U+FFFD, as the file list's
// JSON holds it (a separator to the tokenizer either way).
func fileWords(name string, files []domain.File) any {
	if len(files) == 0 {
		return ""
	}
	size := 0
	for _, f := range files {
		size += len(f.Path)
	}
	// The text begins with the name's words, each registered as written, and they are cut off at
	// the end: a path word equal to one of them is then seen as written already.
	seen := wordSets.Get().(*wordSet)
	out := seen.text[:0]
	if need := len(name) + 1 + min(size/2+16, fileWordsMax+1); cap(out) < need {
		out = make([]byte, 0, need)
	}
	defer func() { seen.put(out) }()
	out = seen.appendWords(out, name)
	named := len(out)
	if named > 0 {
		named++ // the space before the first word of the paths, if any
	}
	for _, f := range files {
		path := f.Path
		if !utf8.ValidString(path) {
			path = strings.ToValidUTF8(path, "\uFFFD")
		}
		out = seen.appendWords(out, path)
		if len(out)-named > fileWordsMax {
			return nil
		}
	}
	if len(out) <= named {
		return ""
	}
	return string(out[named:])
}

// appendWords appends to out, after a space, each word of text not in the set yet, and adds it.
func (seen *wordSet) appendWords(out []byte, text string) []byte {
	for start := 0; start < len(text); {
		for start < len(text) && cutsWords[text[start]] {
			start++
		}
		end, h := start, uint64(fnvOffset)
		for end < len(text) && !cutsWords[text[end]] {
			h = (h ^ uint64(lowerASCII(text[end]))) * fnvPrime
			end++
		}
		if end == start {
			break
		}
		word := text[start:end]
		start = end
		if !seen.add(out, word, h) {
			continue
		}
		if len(out) > 0 {
			out = append(out, ' ')
		}
		seen.placed(len(out), len(word))
		out = append(out, word...)
	}
	return out
}

// wordSet is the words fileWords has written, by a hash of their ASCII-lowered bytes: each is
// where it stands in the text (no copy of it, no allocation a word), in an open-addressed table.
// A set, and the text fileWords writes beside it, are kept between calls (wordSets): made for
// each torrent, their growth was a tenth of a bulk load's encoding.
type wordSet struct {
	slots []int32   // 1 + the word's index in words, 0 for none
	words []wordRef // in the order written
	small [64]int32 // slots' first array: a torrent's paths hold a few dozen words
	hash  uint64    // the hash of the word add last looked for, which placed records
	text  []byte    // fileWords' text, whose words the set points into
}

var wordSets = sync.Pool{New: func() any { return new(wordSet) }}

// wordSetKept bounds what a kept set holds: a torrent of thousands of files leaves its own to the
// collector.
const wordSetKept = 4096

// put empties the set and keeps it, its table as large as it grew and the text last written, for
// the next call: a torrent's name and paths often hold more words than the first table takes.
func (s *wordSet) put(text []byte) {
	if len(s.slots) > wordSetKept || cap(s.words) > wordSetKept || cap(text) > 16*wordSetKept {
		return
	}
	clear(s.slots)
	s.words, s.text = s.words[:0], text[:0]
	wordSets.Put(s)
}

type wordRef struct {
	hash       uint64
	start, end int32
}

// A word's hash is FNV-1a over its bytes, ASCII letters lowered (fileWords computes it as it reads
// the word).
const (
	fnvOffset = 14695981039346656037
	fnvPrime  = 1099511628211
)

// add says whether word, whose hash is h, is new: not written in text yet (equal but for ASCII
// case).
func (s *wordSet) add(text []byte, word string, h uint64) bool {
	if s.slots == nil {
		s.slots = s.small[:]
	}
	s.hash = h
	mask := uint64(len(s.slots) - 1)
	for i := h & mask; ; i = (i + 1) & mask {
		k := s.slots[i]
		if k == 0 {
			return true
		}
		if w := s.words[k-1]; w.hash == h && equalFoldASCII(text[w.start:w.end], word) {
			return false
		}
	}
}

// placed records the word add last found new, written at text[start:start+n].
func (s *wordSet) placed(start, n int) {
	s.words = append(s.words, wordRef{hash: s.hash, start: int32(start), end: int32(start + n)})
	if 2*len(s.words) > len(s.slots) {
		s.slots = make([]int32, 2*len(s.slots))
		for k, w := range s.words {
			s.insert(w.hash, int32(k+1))
		}
		return
	}
	s.insert(s.hash, int32(len(s.words)))
}

func (s *wordSet) insert(h uint64, k int32) {
	mask := uint64(len(s.slots) - 1)
	i := h & mask
	for s.slots[i] != 0 {
		i = (i + 1) & mask
	}
	s.slots[i] = k
}

// equalFoldASCII says whether a and b are equal but for the case of ASCII letters.
func equalFoldASCII(a []byte, b string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range len(a) {
		if a[i] != b[i] && lowerASCII(a[i]) != lowerASCII(b[i]) {
			return false
		}
	}
	return true
}

func lowerASCII(c byte) byte {
	if 'A' <= c && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
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
