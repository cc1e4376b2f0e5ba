// Command goclient drives the gateway with the very SDK the service uses (the service imports only its d1, kv, option and shared packages),
// github.com/cloudflare/cloudflare-go/v7, to prove the gateway's answers parse
// as that client expects. test/goclient.test.mjs runs it against an emulator:
//
//	GATEWAY_BASE_URL=http://127.0.0.1:PORT/client/v4 GATEWAY_TOKEN=... go run ./gateway/test/testdata/goclient
//
// It lives under testdata so that `go build ./...`, `go vet ./...` and
// `go test ./...` of the service leave it alone.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/cloudflare/cloudflare-go/v7"
	"github.com/cloudflare/cloudflare-go/v7/d1"
	"github.com/cloudflare/cloudflare-go/v7/kv"
	"github.com/cloudflare/cloudflare-go/v7/option"
	"github.com/cloudflare/cloudflare-go/v7/shared"
)

const account = "emulator"

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "FAIL:", err)
		os.Exit(1)
	}
	fmt.Println("PASS")
}

func run() error {
	base, token := os.Getenv("GATEWAY_BASE_URL"), os.Getenv("GATEWAY_TOKEN")
	if base == "" || token == "" {
		return errors.New("GATEWAY_BASE_URL and GATEWAY_TOKEN are required")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	client := cloudflare.NewClient(option.WithAPIToken(token), option.WithBaseURL(base), option.WithMaxRetries(0))
	acc := cloudflare.F(account)

	// D1: resolve the name to the uuid, as the adapter does, through the auto-pager (which stops only
	// on an empty page).
	var uuid string
	pager := client.D1.Database.ListAutoPaging(ctx, d1.DatabaseListParams{AccountID: acc, Name: cloudflare.F("streamer")})
	n := 0
	for pager.Next() {
		db := pager.Current()
		if db.Name == "streamer" {
			uuid = db.UUID
		}
		if n++; n > 10 {
			return errors.New("list: the auto-pager does not stop")
		}
	}
	if err := pager.Err(); err != nil {
		return fmt.Errorf("list: %w", err)
	}
	if uuid == "" {
		return errors.New("list: no database named streamer")
	}
	fmt.Println("d1 list: uuid", uuid)
	got, err := client.D1.Database.Get(ctx, uuid, d1.DatabaseGetParams{AccountID: acc})
	if err != nil || got.UUID != uuid || got.Name != "streamer" {
		return fmt.Errorf("get: %v %+v", err, got)
	}

	// D1: a single query with string params, a batch, RETURNING, and the answer's types.
	if _, err := client.D1.Database.Query(ctx, uuid, d1.DatabaseQueryParams{AccountID: acc,
		Body: d1.DatabaseQueryParamsBodyD1SingleQuery{
			Sql: cloudflare.F("CREATE TABLE IF NOT EXISTS goclient (id INTEGER PRIMARY KEY, email TEXT NOT NULL UNIQUE, n INTEGER NOT NULL) STRICT"),
		}}); err != nil {
		return fmt.Errorf("create: %w", err)
	}
	page, err := client.D1.Database.Query(ctx, "streamer", d1.DatabaseQueryParams{AccountID: acc,
		Body: d1.DatabaseQueryParamsBodyMultipleQueries{Batch: cloudflare.F([]d1.DatabaseQueryParamsBodyMultipleQueriesBatch{
			{Sql: cloudflare.F("INSERT INTO goclient (email, n) VALUES (?, ?) RETURNING id, n"), Params: cloudflare.F([]string{"a@x", "9007199254740991"})},
			{Sql: cloudflare.F("SELECT count(*) AS c FROM goclient")},
		})}})
	if err != nil {
		return fmt.Errorf("batch: %w", err)
	}
	if len(page.Result) != 2 || !page.Result[0].Success {
		return fmt.Errorf("batch: %d results", len(page.Result))
	}
	row := page.Result[0].Results[0].(map[string]any)
	if row["n"] != float64(9007199254740991) || page.Result[0].Meta.Changes != 1 || page.Result[0].Meta.LastRowID != 1 {
		return fmt.Errorf("batch: row %#v meta %+v", row, page.Result[0].Meta)
	}
	fmt.Printf("d1 batch: row %v, meta changes=%v last_row_id=%v duration=%v\n", row, page.Result[0].Meta.Changes, page.Result[0].Meta.LastRowID, page.Result[0].Meta.Duration)

	// D1: a constraint violation is an *cloudflare.Error: HTTP 400, code 7500, SQLite's text.
	_, err = client.D1.Database.Query(ctx, uuid, d1.DatabaseQueryParams{AccountID: acc,
		Body: d1.DatabaseQueryParamsBodyD1SingleQuery{Sql: cloudflare.F("INSERT INTO goclient (email, n) VALUES (?, ?)"), Params: cloudflare.F([]string{"a@x", "1"})}})
	var apiErr *cloudflare.Error
	if !errors.As(err, &apiErr) || apiErr.StatusCode != http.StatusBadRequest || len(apiErr.Errors) != 1 ||
		apiErr.Errors[0].Code != 7500 || !strings.Contains(apiErr.Errors[0].Message, "UNIQUE constraint failed: goclient.email") {
		return fmt.Errorf("conflict: want a 400/7500 UNIQUE error, got %v", err)
	}
	fmt.Printf("d1 conflict: %d %d %q\n", apiErr.StatusCode, apiErr.Errors[0].Code, apiErr.Errors[0].Message)

	raw, err := client.D1.Database.Raw(ctx, uuid, d1.DatabaseRawParams{AccountID: acc,
		Body: d1.DatabaseRawParamsBodyD1SingleQuery{Sql: cloudflare.F("SELECT id, email FROM goclient")}})
	if err != nil || len(raw.Result) != 1 || strings.Join(raw.Result[0].Results.Columns, ",") != "id,email" || len(raw.Result[0].Results.Rows) != 1 {
		return fmt.Errorf("raw: %v %+v", err, raw)
	}

	// KV: PUT a value (multipart, as this client sends it), GET it, the 404, the TTL floor.
	ns := "cache"
	key := url.PathEscape("session:a/b c%")
	if _, err := client.KV.Namespaces.Values.Update(ctx, ns, key, kv.NamespaceValueUpdateParams{
		AccountID:     acc,
		Value:         cloudflare.F[kv.NamespaceValueUpdateParamsValueUnion](shared.UnionString("\x00binary\xff value")),
		ExpirationTTL: cloudflare.F(300.0),
		Metadata:      cloudflare.F[any](map[string]any{"v": "1"}),
	}); err != nil {
		return fmt.Errorf("kv put: %w", err)
	}
	res, err := client.KV.Namespaces.Values.Get(ctx, ns, key, kv.NamespaceValueGetParams{AccountID: acc})
	if err != nil {
		return fmt.Errorf("kv get: %w", err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if string(body) != "\x00binary\xff value" {
		return fmt.Errorf("kv get: %q", body)
	}
	fmt.Printf("kv get: %q\n", body)
	_, err = client.KV.Namespaces.Values.Get(ctx, ns, url.PathEscape("missing"), kv.NamespaceValueGetParams{AccountID: acc})
	if !errors.As(err, &apiErr) || apiErr.StatusCode != http.StatusNotFound || apiErr.Errors[0].Code != 10009 {
		return fmt.Errorf("kv get missing: want 404/10009, got %v", err)
	}
	_, err = client.KV.Namespaces.Values.Update(ctx, ns, "ttl", kv.NamespaceValueUpdateParams{
		AccountID: acc, Value: cloudflare.F[kv.NamespaceValueUpdateParamsValueUnion](shared.UnionString("v")), ExpirationTTL: cloudflare.F(30.0),
	})
	if !errors.As(err, &apiErr) || apiErr.StatusCode != http.StatusBadRequest {
		return fmt.Errorf("kv ttl 30: want 400, got %v", err)
	}
	if _, err := client.KV.Namespaces.Values.Delete(ctx, ns, key, kv.NamespaceValueDeleteParams{AccountID: acc}); err != nil {
		return fmt.Errorf("kv delete: %w", err)
	}

	// KV bulk: write, get, delete.
	up, err := client.KV.Namespaces.BulkUpdate(ctx, ns, kv.NamespaceBulkUpdateParams{AccountID: acc, Body: []kv.NamespaceBulkUpdateParamsBody{
		{Key: cloudflare.F("b1"), Value: cloudflare.F(`{"n":1}`), ExpirationTTL: cloudflare.F(120.0)},
		{Key: cloudflare.F("b2"), Value: cloudflare.F("two")},
	}})
	if err != nil || up.SuccessfulKeyCount != 2 || len(up.UnsuccessfulKeys) != 0 {
		return fmt.Errorf("kv bulk update: %v %+v", err, up)
	}
	bg, err := client.KV.Namespaces.BulkGet(ctx, ns, kv.NamespaceBulkGetParams{AccountID: acc, Keys: cloudflare.F([]string{"b1", "b2"})})
	if err != nil {
		return fmt.Errorf("kv bulk get: %w", err)
	}
	values, ok := bg.AsUnion().(kv.NamespaceBulkGetResponseWorkersKVBulkGetResult)
	if !ok || values.Values["b1"] != shared.UnionString(`{"n":1}`) || values.Values["b2"] != shared.UnionString("two") {
		return fmt.Errorf("kv bulk get: %#v", bg.AsUnion())
	}
	fmt.Printf("kv bulk get: %v\n", values.Values)
	// A missing key is null in "values", as on Cloudflare. The client's typed union then gives up on
	// the whole map (Values is nil), so an adapter reads the raw JSON instead.
	bg, err = client.KV.Namespaces.BulkGet(ctx, ns, kv.NamespaceBulkGetParams{AccountID: acc, Keys: cloudflare.F([]string{"b1", "nope"})})
	if err != nil {
		return fmt.Errorf("kv bulk get with a missing key: %w", err)
	}
	var decoded struct {
		Values map[string]*string `json:"values"`
	}
	if err := json.Unmarshal([]byte(bg.JSON.RawJSON()), &decoded); err != nil {
		return fmt.Errorf("kv bulk get raw: %w", err)
	}
	if v, found := decoded.Values["nope"]; !found || v != nil || decoded.Values["b1"] == nil || *decoded.Values["b1"] != `{"n":1}` {
		return fmt.Errorf("kv bulk get raw: %s", bg.JSON.RawJSON())
	}
	fmt.Printf("kv bulk get, raw: %s\n", bg.JSON.RawJSON())
	del, err := client.KV.Namespaces.BulkDelete(ctx, ns, kv.NamespaceBulkDeleteParams{AccountID: acc, Body: []string{"b1", "b2"}})
	if err != nil || del.SuccessfulKeyCount != 2 {
		return fmt.Errorf("kv bulk delete: %v %+v", err, del)
	}

	// Auth: a wrong token is a 401 with code 10000.
	bad := cloudflare.NewClient(option.WithAPIToken("wrong"), option.WithBaseURL(base), option.WithMaxRetries(0))
	_, err = bad.D1.Database.Get(ctx, uuid, d1.DatabaseGetParams{AccountID: acc})
	if !errors.As(err, &apiErr) || apiErr.StatusCode != http.StatusUnauthorized || apiErr.Errors[0].Code != 10000 {
		return fmt.Errorf("auth: want 401/10000, got %v", err)
	}
	return nil
}
