// Package caching is the service's caching policy and the tiered cache that carries it out. The
// policy is one table (policy.go): for every key space its fresh and stale times, its tiers, how it
// is invalidated or revoked, and how its entries are weighed. Reads go through Read, or through the
// decorators Torrents and Categories, which a use case calls as it would call the repository; keys
// come from the canonical text of the value the repository is asked for, and carry the space's
// version and the value's Go shape.
//
// Revocation, for anything a credential grants (sessions now, API keys next), is two steps:
//
//  1. record it in the store (delete the row): if that fails, the revocation failed and the client
//     is told so (503), since nothing else would end the credential;
//  2. call Store.Revoke(space, ids...): the cached copies on this instance are gone at once, a fill
//     that read the row before step 1 cannot write it back, and a read after it never joins such a
//     fill. Other instances hold a revocable space in their process tier only, for its Fresh time
//     (15 s), which bounds how long they honour a revoked credential; nothing depends on KV.
//
// A new revocable space is one line in the policy table with Revocable set.
package caching
