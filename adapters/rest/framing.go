package rest

import (
	"bytes"
	"time"

	"github.com/valyala/fasthttp"
)

// Connection timeouts. A client gets headerTimeout to send its request line, headers and a body
// up to maxBody (a slow or idle client holds a connection that long, no longer); a larger body
// (ingest, up to 10 MiB) gets largeBodyTimeout in all.
const (
	headerTimeout    = 10 * time.Second
	largeBodyTimeout = 60 * time.Second
)

// framingHeader marks a request whose framing headerReceived refused; the client's own header of
// that name is removed first, so only the server sets it.
const framingHeader = "X-Streamer-Framing-Refused"

// headerReceived runs once a request's headers are read and before its body is. Two different
// Content-Length values make the body's end ambiguous: RFC 9112 (6.3) says to treat that as an
// unrecoverable error, and fasthttp would read by the last value and hold the connection until the
// read timeout. Such a request reads no body and is marked, so guardRequest answers 400 and closes
// the connection. A body above maxBody gets more time than the headers did.
func headerReceived(h *fasthttp.RequestHeader) fasthttp.RequestConfig {
	h.Del(framingHeader)
	if conflictingContentLengths(h.RawHeaders()) {
		h.SetContentLength(0)
		h.Set(framingHeader, "conflicting Content-Length")
		return fasthttp.RequestConfig{}
	}
	if h.ContentLength() > maxBody {
		return fasthttp.RequestConfig{ReadTimeout: largeBodyTimeout}
	}
	return fasthttp.RequestConfig{}
}

// conflictingContentLengths reports whether raw headers carry Content-Length more than once with
// different values (a repeated identical value is allowed, as RFC 9112 allows).
func conflictingContentLengths(raw []byte) bool {
	var first []byte
	seen := false
	for len(raw) > 0 {
		line := raw
		if i := bytes.IndexByte(raw, '\n'); i >= 0 {
			line, raw = raw[:i], raw[i+1:]
		} else {
			raw = nil
		}
		name, value, ok := bytes.Cut(line, []byte{':'})
		if !ok || !bytes.EqualFold(bytes.TrimSpace(name), []byte("Content-Length")) {
			continue
		}
		value = bytes.TrimSpace(value)
		// One header line may list several values too ("5, 6").
		for _, v := range bytes.Split(value, []byte{','}) {
			v = bytes.TrimSpace(v)
			if !seen {
				first, seen = v, true
			} else if !bytes.Equal(first, v) {
				return true
			}
		}
	}
	return false
}
