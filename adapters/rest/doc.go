// Package rest is the HTTP face of the service: the Fiber application that serves the catalog,
// ingest, accounts and operations routes of the REST contract. It decodes and validates requests
// into the application's use cases, encodes their answers as JSON, and turns every error into an
// RFC 9457 problem document in one place. It also carries the defences a public service needs:
// session cookies and bearer tokens, CSRF and CORS rules, rate limits and security headers.
package rest
