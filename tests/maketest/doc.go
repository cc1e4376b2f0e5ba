// Package maketest checks that make test runs every test. The Makefile runs the module's tests
// under the race detector, and the ones that step aside under it (they read raceEnabled to skip
// themselves, or their allocation counts, each saying why) in a run beside without it, named in
// ASIDE_RUN for the packages in ASIDE.
// A test that steps aside but is not named there ran in neither; a name there that steps aside
// nowhere ran twice, or names a test that is gone.
package maketest
