package gzipped

import "sync"

// Kept is a Body kept for many clients, in a cache's entry: the first client that does not accept
// gzip has it inflated, and the plain bytes stay beside the compressed ones for the clients after
// it, so the answer is inflated at most once in its life, however many such clients ask at once
// (before, every plain request inflated it again: a page of 20 latest torrents, 13 KB, cost four
// times the rest of the request). Its zero value keeps an empty Body; it is not copied once used.
type Kept struct {
	Body
	once  sync.Once
	plain []byte
	err   error
}

// Plain returns the answer's bytes as written: the Body's own when it is kept plain, otherwise
// inflated by the first call and the same bytes for every call after it (a call made while the
// inflate runs waits for it). grew is what the call made the Kept hold beyond its Body: the plain
// copy's length for the one call that inflated, 0 for every other. A memory bound on kept answers
// adds grew to what it counts for this Kept, while it still holds it.
func (k *Kept) Plain() (plain []byte, grew int, err error) {
	if !k.gzip {
		return k.bytes, 0, nil
	}
	k.once.Do(func() {
		k.plain, k.err = k.Body.Plain()
		grew = len(k.plain)
	})
	return k.plain, grew, k.err
}
