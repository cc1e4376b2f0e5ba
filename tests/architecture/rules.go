package architecture

import (
	"fmt"
	"strings"
)

// Module is the project's module path.
const Module = "github.com/torrent-streamer/streamer"

// Rule says what the packages under one top-level folder may import from the project, and which
// libraries beyond the standard library they may use (nil: any).
type Rule struct {
	Layer     string
	MayImport []string // project folders, as prefixes relative to the module ("domain", "adapters/")
	Libraries []string // allowed non-standard imports, as prefixes; nil means no limit
}

// Rules are the design card's table.
var Rules = []Rule{
	// The domain may use pure Unicode data: identities are prepared with PRECIS (x/text, the Go
	// project's own) and UTS #39's confusables table.
	{Layer: "domain", MayImport: nil, Libraries: []string{"golang.org/x/text/", "github.com/mtibben/confusables"}},
	{Layer: "ports", MayImport: []string{"domain"}, Libraries: []string{}},
	// The core may use pure in-memory libraries (an LRU, singleflight), never an I/O client.
	{Layer: "application", MayImport: []string{"domain", "ports", "application"},
		Libraries: []string{"github.com/hashicorp/golang-lru/", "golang.org/x/sync/"}},
	{Layer: "adapters/rest", MayImport: []string{"domain", "ports", "application", "adapters/"}},
	// Torznab is a driving adapter as REST is: it calls the catalog's and the accounts' use cases.
	{Layer: "adapters/torznab", MayImport: []string{"domain", "ports", "application", "adapters/"}},
	{Layer: "adapters", MayImport: []string{"domain", "ports", "adapters/"}},
	{Layer: "bootstrap", MayImport: []string{"domain", "ports", "application", "adapters", "bootstrap"}},
	{Layer: "cmd", MayImport: []string{"bootstrap"}},
	{Layer: "tests", MayImport: []string{""}},
}

// ruleFor returns the most specific rule for a package path relative to the module.
func ruleFor(rel string) (Rule, bool) {
	best, found := Rule{}, false
	for _, r := range Rules {
		if (rel == r.Layer || strings.HasPrefix(rel, r.Layer+"/")) && len(r.Layer) > len(best.Layer) {
			best, found = r, true
		}
	}
	return best, found
}

// Check returns the violations of one package's non-test imports.
func Check(pkg string, imports []string) []string {
	rel := strings.TrimPrefix(strings.TrimPrefix(pkg, Module), "/")
	rule, ok := ruleFor(rel)
	if !ok {
		return []string{fmt.Sprintf("%s: in no layer of the design card (domain, ports, application, adapters, bootstrap, tests, cmd)", rel)}
	}
	var problems []string
	for _, imp := range imports {
		switch {
		case imp == Module || strings.HasPrefix(imp, Module+"/"):
			target := strings.TrimPrefix(strings.TrimPrefix(imp, Module), "/")
			if !allowedProject(rel, target, rule.MayImport) {
				problems = append(problems, fmt.Sprintf("%s imports %s: the %s layer may import only %v", rel, target, rule.Layer, rule.MayImport))
			}
		case isStandard(imp):
		case rule.Libraries != nil && !hasPrefix(imp, rule.Libraries):
			problems = append(problems, fmt.Sprintf("%s imports the library %s: the %s layer may use only the standard library%s", rel, imp, rule.Layer, listSuffix(rule.Libraries)))
		}
	}
	return problems
}

func allowedProject(from, target string, allowed []string) bool {
	if target == from || strings.HasPrefix(target, from+"/") {
		return true // a package and its own sub-packages
	}
	for _, a := range allowed {
		switch {
		case a == "":
			return true
		case strings.HasSuffix(a, "/"):
			if strings.HasPrefix(target, a) {
				return true
			}
		case target == a || strings.HasPrefix(target, a+"/"):
			return true
		}
	}
	return false
}

func hasPrefix(s string, prefixes []string) bool {
	for _, p := range prefixes {
		if strings.HasPrefix(s, p) || s == strings.TrimSuffix(p, "/") {
			return true
		}
	}
	return false
}

// isStandard tells a standard library import by the absence of a dot in its first element.
func isStandard(imp string) bool {
	first, _, _ := strings.Cut(imp, "/")
	return !strings.Contains(first, ".")
}

func listSuffix(libs []string) string {
	if len(libs) == 0 {
		return ""
	}
	return " and " + strings.Join(libs, ", ")
}
