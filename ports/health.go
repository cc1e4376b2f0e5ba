package ports

import "context"

// Pinger is a backing store that can say whether it answers.
type Pinger interface {
	Ping(ctx context.Context) error
}
