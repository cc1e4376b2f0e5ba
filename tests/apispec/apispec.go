// Package apispec holds HTTP answers to the OpenAPI document the server serves: every answer a test
// sees (status, headers and body) is validated against the document with kin-openapi's
// openapi3filter, so a handler that sends what the document does not describe fails the build.
//
// The REST adapter's test harness (adapters/rest/helpers_test.go) validates every answer of the
// app through it, and the end-to-end test (tests/e2e) every answer of the binary and the container.
//
// Rules beyond openapi3filter's defaults:
//   - a status the operation does not list is an error (IncludeResponseStatus);
//   - a HEAD answer is validated as its GET's, without a body;
//   - an answer to a path or method the document does not have must be the contract's 404 or 405
//     problem document (components/responses/NotFound, MethodNotAllowed);
//   - CORS preflights (OPTIONS with Access-Control-Request-Method) belong to the CORS protocol, not to
//     the API: they are counted as skipped, not validated;
//   - XML bodies (application/xml, application/rss+xml, text/xml) must be well-formed and are
//     validated as the string the document's schema describes; an HTML body is a string.
package apispec

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sort"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"
)

// Validator checks answers against one OpenAPI document.
type Validator struct {
	doc    *openapi3.T
	router routers.Router
}

var (
	cache sync.Map // sha256 of a document -> *loaded

	validated atomic.Int64
	skipped   atomic.Int64
	byRoute   sync.Map // "GET /api/x 200" -> *atomic.Int64
)

type loaded struct {
	once sync.Once
	v    *Validator
	err  error
}

// For returns the validator of a document, loading and linting it once per process.
func For(raw []byte) (*Validator, error) {
	key := sha256.Sum256(raw)
	entry, _ := cache.LoadOrStore(key, &loaded{})
	l := entry.(*loaded)
	l.once.Do(func() { l.v, l.err = Load(raw) })
	return l.v, l.err
}

// Load parses the document and lints it: it must be a valid OpenAPI document (kin-openapi's
// validation: structure, references, schemas, examples against their schemas) with a router for
// every path.
func Load(raw []byte) (*Validator, error) {
	loader := openapi3.NewLoader()
	doc, err := loader.LoadFromData(raw)
	if err != nil {
		return nil, fmt.Errorf("apispec: load the OpenAPI document: %w", err)
	}
	if err := Lint(doc); err != nil {
		return nil, err
	}
	router, err := gorillamux.NewRouter(doc)
	if err != nil {
		return nil, fmt.Errorf("apispec: route the OpenAPI document: %w", err)
	}
	return &Validator{doc: doc, router: router}, nil
}

// Lint reports what is wrong with a loaded document: kin-openapi's validation with examples
// checked against their schemas, plus the rules of this project: every operation has an
// operationId (the generated client names it), a summary, and documents its error answers.
func Lint(doc *openapi3.T) error {
	if err := doc.Validate(context.Background(), openapi3.EnableExamplesValidation()); err != nil {
		return fmt.Errorf("apispec: the OpenAPI document is invalid: %w", err)
	}
	var problems []string
	seen := map[string]string{}
	for path, item := range doc.Paths.Map() {
		for method, op := range item.Operations() {
			where := method + " " + path
			switch {
			case op.OperationID == "":
				problems = append(problems, where+": no operationId")
			case seen[op.OperationID] != "":
				problems = append(problems, fmt.Sprintf("%s: operationId %q is also %s's", where, op.OperationID, seen[op.OperationID]))
			default:
				seen[op.OperationID] = where
			}
			if op.Summary == "" {
				problems = append(problems, where+": no summary")
			}
			if op.Responses == nil || op.Responses.Len() == 0 {
				problems = append(problems, where+": no responses")
			}
		}
	}
	if len(problems) > 0 {
		sort.Strings(problems)
		return fmt.Errorf("apispec: the OpenAPI document breaks the project's rules:\n  %s", strings.Join(problems, "\n  "))
	}
	return nil
}

// Check validates one answer to req. The request's body is not read.
func (v *Validator) Check(req *http.Request, status int, header http.Header, body []byte) error {
	if err := v.check(req, status, header, body); err != nil {
		return fmt.Errorf("%s %s answered %d, which the OpenAPI document does not describe: %w", req.Method, req.URL.RequestURI(), status, err)
	}
	return nil
}

func (v *Validator) check(req *http.Request, status int, header http.Header, body []byte) error {
	if req.Method == http.MethodOptions && req.Header.Get("Access-Control-Request-Method") != "" {
		skipped.Add(1)
		return nil
	}
	probe := req.Clone(context.Background())
	probe.Body = http.NoBody
	head := req.Method == http.MethodHead
	if head {
		probe.Method = http.MethodGet
	}
	route, params, err := v.router.FindRoute(probe)
	switch {
	case errors.Is(err, routers.ErrPathNotFound):
		return v.outside(req, "NotFound", http.StatusNotFound, status, header, body, head)
	case errors.Is(err, routers.ErrMethodNotAllowed):
		return v.outside(req, "MethodNotAllowed", http.StatusMethodNotAllowed, status, header, body, head)
	case err != nil:
		return fmt.Errorf("find the route: %w", err)
	}
	input := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: &openapi3filter.RequestValidationInput{
			Request: probe, PathParams: params, Route: route,
		},
		Status: status,
		Header: header,
		Options: &openapi3filter.Options{
			IncludeResponseStatus: true,
			MultiError:            true,
			ExcludeResponseBody:   head,
		},
	}
	input.SetBodyBytes(body)
	if err := openapi3filter.ValidateResponse(context.Background(), input); err != nil {
		return err
	}
	count(fmt.Sprintf("%s %s %d", req.Method, route.Path, status))
	return nil
}

// outside validates an answer to a path or method the document does not have: it must be the
// document's shared response for that case.
func (v *Validator) outside(req *http.Request, name string, want, status int, header http.Header, body []byte, head bool) error {
	if status != want {
		return fmt.Errorf("no operation matches, and the answer is %d, not the contract's %d", status, want)
	}
	ref := v.doc.Components.Responses[name]
	if ref == nil || ref.Value == nil {
		return fmt.Errorf("no operation matches, and the document has no components/responses/%s", name)
	}
	op := openapi3.NewOperation()
	op.Responses = openapi3.NewResponses(openapi3.WithStatus(want, ref))
	route := &routers.Route{Spec: v.doc, Path: req.URL.Path, Method: req.Method, Operation: op}
	probe := req.Clone(context.Background())
	probe.Body = http.NoBody
	input := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: &openapi3filter.RequestValidationInput{Request: probe, Route: route},
		Status:                 status,
		Header:                 header,
		Options:                &openapi3filter.Options{IncludeResponseStatus: true, MultiError: true, ExcludeResponseBody: head},
	}
	input.SetBodyBytes(body)
	if head {
		// openapi3filter skips HEAD answers whole; the status was checked above.
		count(fmt.Sprintf("%s (no operation) %d", req.Method, status))
		return nil
	}
	if err := openapi3filter.ValidateResponse(context.Background(), input); err != nil {
		return err
	}
	count(fmt.Sprintf("%s (no operation) %d", req.Method, status))
	return nil
}

func count(key string) {
	validated.Add(1)
	n, _ := byRoute.LoadOrStore(key, new(atomic.Int64))
	n.(*atomic.Int64).Add(1)
}

// Stats are the process's counts so far.
type Stats struct {
	Validated, Skipped int64
	// ByAnswer counts validated answers by "METHOD path status".
	ByAnswer map[string]int64
}

// Counts returns what this process has validated.
func Counts() Stats {
	s := Stats{Validated: validated.Load(), Skipped: skipped.Load(), ByAnswer: map[string]int64{}}
	byRoute.Range(func(k, v any) bool {
		s.ByAnswer[k.(string)] = v.(*atomic.Int64).Load()
		return true
	})
	return s
}

// Summary is one line for a test's output.
func (s Stats) Summary() string {
	return fmt.Sprintf("OpenAPI contract: %d answers validated against the served document (%d distinct method/path/status), %d CORS preflights skipped",
		s.Validated, len(s.ByAnswer), s.Skipped)
}

func init() {
	for _, ct := range []string{"application/xml", "application/rss+xml", "text/xml"} {
		openapi3filter.RegisterBodyDecoder(ct, xmlBodyDecoder)
	}
	openapi3filter.RegisterBodyDecoder("text/html", openapi3filter.PlainBodyDecoder)
}

// xmlBodyDecoder accepts a well-formed XML document and hands it on as a string.
func xmlBodyDecoder(body io.Reader, _ http.Header, _ *openapi3.SchemaRef, _ openapi3filter.EncodingFn) (any, error) {
	raw, err := io.ReadAll(body)
	if err != nil {
		return nil, err
	}
	dec := xml.NewDecoder(bytes.NewReader(raw))
	dec.Strict = true
	for {
		if _, err := dec.Token(); err == io.EOF {
			break
		} else if err != nil {
			return nil, fmt.Errorf("not well-formed XML: %w", err)
		}
	}
	return string(raw), nil
}
