// Package architecture enforces the design card's direction of imports: domain <- ports <-
// application <- adapters <- bootstrap <- cmd. Its test fails the build when an import points outward.
package architecture
