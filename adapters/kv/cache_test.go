package kv_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/torrent-streamer/streamer/adapters/cfapi"
	"github.com/torrent-streamer/streamer/adapters/kv"
	"github.com/torrent-streamer/streamer/domain"
)

// fakeKV answers the Workers KV endpoints of the Cloudflare API from a map, and records what it
// was asked.
type fakeKV struct {
	mu       sync.Mutex
	values   map[string][]byte
	ttls     map[string]string
	requests []string // "METHOD what"
	fail     bool     // answer 503 to everything
}

func newFakeKV(t *testing.T) (*fakeKV, *kv.Cache, func(kv.Options) *kv.Cache) {
	f := &fakeKV{values: map[string][]byte{}, ttls: map[string]string{}}
	srv := httptest.NewServer(f)
	t.Cleanup(srv.Close)
	client := cfapi.NewClient(cfapi.Config{BaseURL: srv.URL + "/client/v4", Token: "t",
		Retry: cfapi.RetryPolicy{MaxAttempts: 2, BaseDelay: time.Millisecond}}, &cfapi.Upstream{})
	open := func(o kv.Options) *kv.Cache { return kv.New(client, "acc", "ns", o) }
	return f, open(kv.Options{}), open
}

func (f *fakeKV) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	const prefix = "/client/v4/accounts/acc/storage/kv/namespaces/ns/"
	what := strings.TrimPrefix(r.URL.EscapedPath(), prefix)
	f.requests = append(f.requests, r.Method+" "+strings.SplitN(what, "/", 2)[0])
	reply := func(status int, result any) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		errs := []any{}
		if status == 404 {
			errs = append(errs, map[string]any{"code": 10009, "message": "get: 'key not found'"})
		}
		_ = json.NewEncoder(w).Encode(map[string]any{"success": status == 200, "errors": errs, "result": result})
	}
	if f.fail {
		reply(503, nil)
		return
	}
	body, _ := io.ReadAll(r.Body)
	switch {
	case strings.HasPrefix(what, "values/"):
		key, err := url.PathUnescape(strings.TrimPrefix(what, "values/"))
		if err != nil {
			reply(400, nil)
			return
		}
		switch r.Method {
		case http.MethodGet:
			v, ok := f.values[key]
			if !ok {
				reply(404, nil)
				return
			}
			w.Header().Set("Content-Type", "application/octet-stream")
			_, _ = w.Write(v)
		case http.MethodPut:
			_, params, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
			form, err := multipart.NewReader(bytes.NewReader(body), params["boundary"]).ReadForm(32 << 20)
			if err != nil || len(form.Value["value"]) == 0 {
				reply(400, nil)
				return
			}
			f.values[key] = []byte(form.Value["value"][0])
			f.ttls[key] = r.URL.Query().Get("expiration_ttl")
			reply(200, nil)
		case http.MethodDelete:
			delete(f.values, key)
			reply(200, nil)
		}
	case what == "bulk" && r.Method == http.MethodPut:
		var items []struct {
			Key           string  `json:"key"`
			Value         string  `json:"value"`
			Base64        bool    `json:"base64"`
			ExpirationTTL float64 `json:"expiration_ttl"`
		}
		if err := json.Unmarshal(body, &items); err != nil {
			reply(400, nil)
			return
		}
		for _, it := range items {
			v := []byte(it.Value)
			if it.Base64 {
				v, _ = base64.StdEncoding.DecodeString(it.Value)
			}
			f.values[it.Key] = v
			f.ttls[it.Key] = formatFloat(it.ExpirationTTL)
		}
		reply(200, map[string]any{"successful_key_count": len(items), "unsuccessful_keys": []string{}})
	case what == "bulk/delete" && r.Method == http.MethodPost:
		var keys []string
		_ = json.Unmarshal(body, &keys)
		for _, k := range keys {
			delete(f.values, k)
		}
		reply(200, map[string]any{"successful_key_count": len(keys), "unsuccessful_keys": []string{}})
	default:
		reply(404, nil)
	}
}

func formatFloat(f float64) string { b, _ := json.Marshal(f); return string(b) }

func (f *fakeKV) asked() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := f.requests
	f.requests = nil
	return out
}

func (f *fakeKV) ttl(key string) string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.ttls[key]
}

func (f *fakeKV) value(key string) ([]byte, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	v, ok := f.values[key]
	return v, ok
}

func TestGetSetDeleteEachOneRequest(t *testing.T) {
	f, c, _ := newFakeKV(t)
	ctx := context.Background()
	key := "catalog:1:search/a b?c#d%e"
	if v, ok, err := c.Get(ctx, key); err != nil || ok || v != nil {
		t.Fatalf("miss = %q, %v, %v", v, ok, err)
	}
	value := []byte{0, 0xff, 'x', '\n'}
	if err := c.Set(ctx, key, value, 1500*time.Millisecond); err != nil {
		t.Fatal(err)
	}
	if got, ok := f.value(key); !ok || !bytes.Equal(got, value) || f.ttl(key) != "60" {
		t.Fatalf("stored %q (ttl %q), want the exact bytes under the exact key, ttl rounded up to 60", got, f.ttl(key))
	}
	if v, ok, err := c.Get(ctx, key); err != nil || !ok || !bytes.Equal(v, value) {
		t.Fatalf("hit = %q, %v, %v", v, ok, err)
	}
	if err := c.Delete(ctx, key); err != nil {
		t.Fatal(err)
	}
	if got := f.asked(); strings.Join(got, ",") != "GET values,PUT values,GET values,DELETE values" {
		t.Fatalf("requests %v", got)
	}
	if err := c.Delete(ctx, "a", "b", "c"); err != nil {
		t.Fatal(err)
	}
	if got := f.asked(); strings.Join(got, ",") != "POST bulk" {
		t.Fatalf("several keys: requests %v, want one bulk delete", got)
	}
}

func TestFailuresAreUnavailableAndNeverMisses(t *testing.T) {
	f, c, _ := newFakeKV(t)
	f.fail = true
	if _, ok, err := c.Get(context.Background(), "k"); ok || !errors.Is(err, domain.ErrUnavailable) {
		t.Fatalf("Get on a failing KV = %v, %v; want an unavailable error", ok, err)
	}
	if err := c.Ping(context.Background()); !errors.Is(err, domain.ErrUnavailable) {
		t.Fatalf("Ping = %v", err)
	}
}

func TestWriteBehindSendsOneBulkRequestAndReadsItsOwnWrites(t *testing.T) {
	f, _, open := newFakeKV(t)
	c := open(kv.Options{WriteBehind: time.Second}) // long enough that the three writes and the read come before the flush
	ctx := context.Background()
	for _, k := range []string{"a", "b", "c"} {
		if err := c.Set(ctx, k, []byte("value of "+k), time.Hour); err != nil {
			t.Fatal(err)
		}
	}
	if v, ok, err := c.Get(ctx, "b"); err != nil || !ok || string(v) != "value of b" {
		t.Fatalf("own queued write = %q, %v, %v", v, ok, err)
	}
	if got := f.asked(); len(got) != 0 {
		t.Fatalf("requests before the flush: %v", got)
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		if _, ok := f.value("c"); ok {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the queue was not flushed")
		}
		time.Sleep(5 * time.Millisecond)
	}
	if got := f.asked(); strings.Join(got, ",") != "PUT bulk" || f.ttl("a") != "3600" {
		t.Fatalf("requests %v (ttl %q), want one bulk write with the TTL", got, f.ttl("a"))
	}

	// A delete takes back the queued write of its key: it never lands after the delete.
	if err := c.Set(ctx, "d", []byte("doomed"), time.Hour); err != nil {
		t.Fatal(err)
	}
	if err := c.Delete(ctx, "d"); err != nil {
		t.Fatal(err)
	}
	if err := c.Set(ctx, "binary", []byte{0xff, 0xfe, 0}, time.Hour); err != nil {
		t.Fatal(err)
	}
	if err := c.Close(); err != nil { // sends what is queued
		t.Fatal(err)
	}
	if _, ok := f.value("d"); ok {
		t.Fatal("a deleted key came back from the queue")
	}
	if v, _ := f.value("binary"); !bytes.Equal(v, []byte{0xff, 0xfe, 0}) {
		t.Fatalf("binary value through the bulk write: %q", v)
	}
	if err := c.Set(ctx, "late", []byte("x"), time.Hour); err == nil {
		t.Fatal("Set after Close succeeded")
	}
}

// SetNow writes at once, past the write-behind queue, in one request of its own, and a queued
// write of the same key never lands after it.
func TestSetNowWritesPastTheQueue(t *testing.T) {
	f, _, open := newFakeKV(t)
	c := open(kv.Options{WriteBehind: time.Hour}) // the queue would hold writes for an hour
	ctx := context.Background()
	if err := c.Set(ctx, "gen:lists", []byte("1"), time.Hour); err != nil {
		t.Fatal(err)
	}
	if err := c.SetNow(ctx, "gen:lists", []byte("2"), time.Hour); err != nil {
		t.Fatal(err)
	}
	if v, ok := f.value("gen:lists"); !ok || string(v) != "2" {
		t.Fatalf("after SetNow the namespace holds %q, %v", v, ok)
	}
	if got := f.asked(); len(got) != 1 || !strings.HasPrefix(got[0], "PUT") {
		t.Fatalf("requests %v, want one write", got)
	}
	if err := c.Close(); err != nil { // sends what is queued: nothing of gen:lists
		t.Fatal(err)
	}
	if v, _ := f.value("gen:lists"); string(v) != "2" {
		t.Fatalf("the queued older write landed after SetNow: %q", v)
	}
}
