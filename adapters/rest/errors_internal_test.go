package rest

import (
	"fmt"
	"testing"

	"github.com/torrent-streamer/streamer/domain"
)

// The mapping of the domain errors no catalog read produces (an HTTP test of them would send an
// answer the OpenAPI document rightly does not describe for that route).
func TestProblemOfDomainErrors(t *testing.T) {
	for _, c := range []struct {
		err        error
		status     int
		code       string
		retryAfter int
	}{
		{fmt.Errorf("wrapped: %w", domain.ErrForbidden), 403, codeForbidden, 0},
		{fmt.Errorf("wrapped: %w", domain.ErrRateLimited), 429, codeRateLimited, retryAfterRateLimited},
		{&domain.ConflictError{Field: "infoHash", Message: "is taken"}, 409, codeConflict, 0},
	} {
		p := problemOf(c.err)
		if p.status != c.status || p.code != c.code || p.retryAfter != c.retryAfter || p.detail == "" {
			t.Errorf("problemOf(%v) = %+v, want status %d code %s retryAfter %d", c.err, p, c.status, c.code, c.retryAfter)
		}
	}
	if p := problemOf(&domain.ConflictError{Field: "infoHash", Message: "is taken"}); len(p.fields) != 1 || p.fields[0].Field != "infoHash" {
		t.Errorf("a conflict names its field: %+v", p)
	}
}
