// Package gzipped keeps HTTP answers gzip-compressed, once, when they are kept for reuse, and sends
// each client the bytes it accepts: the compressed ones, with Content-Encoding: gzip, to a client
// whose Accept-Encoding accepts gzip (Sonarr, Radarr and Prowlarr's .NET HttpClient sends "gzip,
// deflate, br"; every browser accepts it), the plain ones otherwise. REST's and Torznab's kept
// answers both go through it, so the two routes send like for like.
package gzipped

import (
	"bytes"
	"sync"

	"github.com/gofiber/fiber/v2"
	"github.com/klauspost/compress/gzip"
)

// Level is the compression level of kept answers, on klauspost/compress's scale (that of
// compress/flate). Chosen by measurement on the bench's pages at 1,000,000 torrents (a Torznab page
// of 100 items, ~185 KB, and REST's, ~64 KB; see the README's Speed paragraph): level 1 compresses
// fastest, the higher levels make smaller bytes the clients inflate faster, paid once per answer kept.
const Level = gzip.BestSpeed

// minSize is the smallest body worth compressing: under it the bytes saved are a few hundred, and
// the client would still pay an inflate. Such a body is kept, and sent, as it is.
const minSize = 1024

var writers = sync.Pool{New: func() any {
	w, err := gzip.NewWriterLevel(nil, Level)
	if err != nil {
		panic(err) // only a level out of range fails
	}
	return w
}}

var readers sync.Pool // *gzip.Reader

// Body is a kept answer: its bytes, gzip-compressed unless they were too small to be worth it.
type Body struct {
	bytes []byte
	gzip  bool
	plain int // the length of the answer before compression
}

// Compress keeps plain as a Body: compressed at Level, or as it is under minSize. plain is not
// retained (the caller may reuse it).
func Compress(plain []byte) Body {
	if len(plain) < minSize {
		return Body{bytes: bytes.Clone(plain), plain: len(plain)}
	}
	var out bytes.Buffer
	out.Grow(len(plain)/4 + 64)
	w := writers.Get().(*gzip.Writer)
	w.Reset(&out)
	_, _ = w.Write(plain) // a bytes.Buffer's writes do not fail
	_ = w.Close()
	w.Reset(nil) // drop the buffer: the pool keeps no answer alive
	writers.Put(w)
	if out.Len() >= len(plain) {
		return Body{bytes: bytes.Clone(plain), plain: len(plain)}
	}
	// A copy of the exact size: the kept bytes are what the memory bounds count.
	return Body{bytes: bytes.Clone(out.Bytes()), gzip: true, plain: len(plain)}
}

// Size is the bytes the Body keeps: what a memory bound on kept answers counts.
func (b Body) Size() int { return len(b.bytes) }

// Gzipped reports whether the Body is kept compressed.
func (b Body) Gzipped() bool { return b.gzip }

// Plain returns the answer's bytes as they were before compression.
func (b Body) Plain() ([]byte, error) {
	if !b.gzip {
		return b.bytes, nil
	}
	r, _ := readers.Get().(*gzip.Reader)
	var err error
	if r == nil {
		r, err = gzip.NewReader(bytes.NewReader(b.bytes))
	} else {
		err = r.Reset(bytes.NewReader(b.bytes))
	}
	if err != nil {
		return nil, err
	}
	defer readers.Put(r)
	out := bytes.NewBuffer(make([]byte, 0, b.plain))
	if _, err := out.ReadFrom(r); err != nil {
		return nil, err
	}
	return out.Bytes(), nil
}

// Vary says the answer depends on Accept-Encoding, so a shared cache on the way keeps one answer
// per encoding. Every answer of a route that may be compressed carries it, compressed or not.
func Vary(c *fiber.Ctx) {
	h := &c.Response().Header
	if len(h.Peek(fiber.HeaderVary)) == 0 {
		h.SetCanonical(varyName, acceptEncoding) // the common case, without Ctx.Vary's parsing
		return
	}
	c.Vary(fiber.HeaderAcceptEncoding) // beside what is there (CORS's Origin)
}

var varyName, acceptEncoding = []byte(fiber.HeaderVary), []byte(fiber.HeaderAcceptEncoding)

// Send answers c with the kept body: the compressed bytes, as they are, to a client that accepts
// gzip (SendCompressed), the plain bytes otherwise. The status and the content type are the
// caller's.
func Send(c *fiber.Ctx, b Body) error {
	if SendCompressed(c, b) {
		return nil
	}
	plain, err := b.Plain()
	if err != nil {
		return err
	}
	c.Response().SetBodyRaw(plain)
	return nil
}

// SendCompressed sets Vary and, when b is compressed and the client accepts gzip, makes b's bytes
// the response's body with Content-Encoding: gzip and reports true. Otherwise it leaves the body as
// it is: an answer just written and kept is then sent as written, with no inflate. The kept bytes
// are never written again, so the response sends them without a copy.
func SendCompressed(c *fiber.Ctx, b Body) bool {
	Vary(c)
	if !b.gzip || !Accepts(c.Request().Header.Peek(fiber.HeaderAcceptEncoding)) {
		return false
	}
	c.Response().Header.Set(fiber.HeaderContentEncoding, "gzip")
	c.Response().SetBodyRaw(b.bytes)
	return true
}
