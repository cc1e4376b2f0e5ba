package rest

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// LongestRequest is the longest a request may run under o: the deadline of the writing routes. A
// graceful shutdown shorter than it would cut such a request off.
func (o Options) LongestRequest() time.Duration {
	return o.withDefaults().RequestTimeout
}

// ParseRateLimit reads a limit as an operator writes it: "20/1m" (20 per minute), "5/30s",
// "100/1h", or "off". The window is a Go duration of at least a second.
func ParseRateLimit(s string) (RateLimit, error) {
	s = strings.TrimSpace(s)
	if strings.EqualFold(s, "off") {
		return RateLimit{Max: -1}, nil
	}
	count, window, ok := strings.Cut(s, "/")
	n, err := strconv.Atoi(strings.TrimSpace(count))
	if !ok || err != nil || n < 1 {
		return RateLimit{}, fmt.Errorf("must be a count and a window such as 20/1m, or off")
	}
	d, err := time.ParseDuration(strings.TrimSpace(window))
	if err != nil || d < time.Second {
		return RateLimit{}, fmt.Errorf("must be a count and a window of at least 1s, such as 20/1m, or off")
	}
	return RateLimit{Max: n, Window: d}, nil
}
