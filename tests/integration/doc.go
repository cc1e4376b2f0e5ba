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
//
// Each test has an emulator of its own. The tests that assert nothing about time (the contract
// suites, the migrations' checks on D1, the HTTP comparison, the import, the binary's start) run in
// parallel (t.Parallel; go test's -parallel, GOMAXPROCS by default, at a time), after the ones that
// measure a rate, a count over a period, a bound in seconds or a latency, which run alone: one after
// the other, the suite was the longest path of a fresh CI run, most of it waiting on its
// containers. On a real account they still take turns on its one database (newTarget).
package integration
