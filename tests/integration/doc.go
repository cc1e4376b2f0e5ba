// Package integration runs the service's Cloudflare adapters against Cloudflare's own runtime: the
// project's gateway Worker under workerd, in a container that github.com/ory/dockertest/v3 starts
// from the image gateway/image/build.sh builds from local files (host network, 127.0.0.1). It holds
// the contract suites of R1 on D1 and of Workers KV, the HTTP suite of the service wired to them
// (compared answer by answer with the embedded default), an outage of the emulator, and the
// upstream-call budget.
//
// Without Docker (or Node, to build the image) the tests skip with a loud message; under CI=true
// they fail instead. With INTEGRATION_TARGET=cloudflare (make test-cloudflare) the same suite runs
// against a real account: CF_ACCOUNT_ID, R1_API_TOKEN, R1_DATABASE and KV_NAMESPACE_ID name a
// throwaway D1 database and KV namespace, which the suite empties.
package integration
