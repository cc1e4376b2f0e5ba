// Package output is a process's or a logger's output that a test reads while it is still being
// written: by a child process's two streams, or by concurrent handlers.
package output

import (
	"bytes"
	"sync"
)

// Buffer is a bytes.Buffer safe for concurrent writers and readers. With a Limit, it keeps only
// the output written since it last passed the limit: a long run's tail, bounded.
type Buffer struct {
	Limit int // bytes; 0 keeps everything

	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *Buffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.Limit > 0 && b.buf.Len() > b.Limit {
		b.buf.Reset()
	}
	return b.buf.Write(p)
}

// String is everything kept so far.
func (b *Buffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
