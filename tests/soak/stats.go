package soak

import (
	"fmt"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"
)

// routeStats are one route's answers as one client saw them; merged at the end.
type routeStats struct {
	durations  []time.Duration
	statuses   map[int]int
	errors     int // no answer, a 5xx, or an answer the operation did not expect
	unexpected []string
	// overBudget are searches refused for their time budget (a designed 503): which, and how long
	// the client waited.
	overBudget []string
}

// recorder is one client's statistics (no lock: one goroutine writes it).
type recorder map[string]*routeStats

func (r recorder) add(route string, status int, took time.Duration, ok bool, why string) {
	s := r.route(route)
	s.durations = append(s.durations, took)
	s.statuses[status]++
	if !ok {
		s.errors++
		if len(s.unexpected) < 5 {
			s.unexpected = append(s.unexpected, why)
		}
	}
}

func (r recorder) route(route string) *routeStats {
	s := r[route]
	if s == nil {
		s = &routeStats{statuses: map[int]int{}}
		r[route] = s
	}
	return s
}

// refused notes a search refused for its time budget.
func (r recorder) refused(route, what string) {
	if s := r.route(route); len(s.overBudget) < 10 {
		s.overBudget = append(s.overBudget, what)
	}
}

// totals merges the clients' recorders.
type totals struct {
	mu     sync.Mutex
	routes map[string]*routeStats
}

func (t *totals) merge(r recorder) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.routes == nil {
		t.routes = map[string]*routeStats{}
	}
	for name, s := range r {
		m := t.routes[name]
		if m == nil {
			m = &routeStats{statuses: map[int]int{}}
			t.routes[name] = m
		}
		m.durations = append(m.durations, s.durations...)
		for k, v := range s.statuses {
			m.statuses[k] += v
		}
		m.errors += s.errors
		if len(m.unexpected) < 5 {
			m.unexpected = append(m.unexpected, s.unexpected...)
		}
		if len(m.overBudget) < 10 {
			m.overBudget = append(m.overBudget, s.overBudget...)
		}
	}
}

type routeRow struct {
	Route     string
	Requests  int
	Statuses  string
	PerSecond float64
	P50, P99  time.Duration
	Max       time.Duration
	Errors    int
	ServerErr int
	Samples   []string
	// OverBudget are searches refused for their time budget, with how long the client waited.
	OverBudget []string
}

func (t *totals) rows(elapsed time.Duration) []routeRow {
	var out []routeRow
	for name, s := range t.routes {
		d := slices.Clone(s.durations)
		slices.Sort(d)
		row := routeRow{Route: name, Requests: len(d), PerSecond: float64(len(d)) / elapsed.Seconds(),
			Errors: s.errors, Samples: s.unexpected, OverBudget: s.overBudget}
		if len(d) > 0 {
			row.P50, row.P99, row.Max = d[len(d)/2], d[min(len(d)-1, len(d)*99/100)], d[len(d)-1]
		}
		codes := make([]int, 0, len(s.statuses))
		for c := range s.statuses {
			codes = append(codes, c)
		}
		sort.Ints(codes)
		parts := make([]string, 0, len(codes))
		for _, c := range codes {
			if c >= 500 {
				row.ServerErr += s.statuses[c]
			}
			label := fmt.Sprint(c)
			if c == 0 {
				label = "no answer"
			}
			parts = append(parts, fmt.Sprintf("%s: %d", label, s.statuses[c]))
		}
		row.Statuses = strings.Join(parts, ", ")
		out = append(out, row)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Requests > out[j].Requests })
	return out
}

// fmtDur prints a latency with three significant figures.
func fmtDur(d time.Duration) string {
	switch {
	case d >= time.Second:
		return fmt.Sprintf("%.2f s", d.Seconds())
	case d >= time.Millisecond:
		return fmt.Sprintf("%.3g ms", float64(d)/float64(time.Millisecond))
	default:
		return fmt.Sprintf("%.3g µs", float64(d)/float64(time.Microsecond))
	}
}
