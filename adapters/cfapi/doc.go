// Package cfapi builds the Cloudflare API client the R1 (D1) and KV adapters share: the token and
// base URL (the public API, the gateway Worker or its emulator), one HTTP middleware that counts
// every request per service and retries 429 and 5xx within the caller's deadline, and the one
// translation of the API's failures into the domain's errors.
package cfapi
