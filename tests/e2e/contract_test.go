package e2e

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"sync"
	"testing"

	"github.com/torrent-streamer/streamer/tests/apispec"
)

// validating is the HTTP client transport of every request this package makes with the default
// client (http.Get, http.Post, http.DefaultClient): each answer is validated against the OpenAPI
// document the same server serves (tests/apispec), and a mismatch fails the run.
type validating struct {
	next http.RoundTripper
	mu   sync.Mutex
	docs map[string]*apispec.Validator // by host
	errs []error
}

func (v *validating) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := v.next.RoundTrip(req)
	if err != nil {
		return resp, err
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		return nil, err
	}
	resp.Body = io.NopCloser(bytes.NewReader(body))
	validator, err := v.validator(req)
	if err == nil {
		err = validator.Check(req, resp.StatusCode, resp.Header, body)
	}
	if err != nil {
		v.mu.Lock()
		v.errs = append(v.errs, err)
		v.mu.Unlock()
	}
	return resp, nil
}

func (v *validating) validator(req *http.Request) (*apispec.Validator, error) {
	v.mu.Lock()
	defer v.mu.Unlock()
	if val := v.docs[req.URL.Host]; val != nil {
		return val, nil
	}
	doc, err := http.NewRequest(http.MethodGet, req.URL.Scheme+"://"+req.URL.Host+"/api/openapi.json", nil)
	if err != nil {
		return nil, err
	}
	resp, err := v.next.RoundTrip(doc)
	if err != nil {
		return nil, fmt.Errorf("fetch the OpenAPI document: %w", err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("fetch the OpenAPI document: %d %v", resp.StatusCode, err)
	}
	val, err := apispec.For(raw)
	if err != nil {
		return nil, err
	}
	v.docs[req.URL.Host] = val
	return val, nil
}

// check fails t with the mismatches seen during it.
func (v *validating) check(t *testing.T) {
	t.Helper()
	v.mu.Lock()
	errs := v.errs
	v.errs = nil
	v.mu.Unlock()
	for _, err := range errs {
		t.Errorf("contract: %v", err)
	}
}

var contract = &validating{next: http.DefaultTransport, docs: map[string]*apispec.Validator{}}

func init() { http.DefaultClient.Transport = contract }
