package domain

import (
	"errors"
	"strconv"
	"strings"
)

// Sentinel errors shared by every layer. Adapters translate driver errors into these; the REST
// adapter maps them to HTTP in one place.
var (
	ErrNotFound           = errors.New("not found")
	ErrConflict           = errors.New("conflict")
	ErrInvalid            = errors.New("invalid input")
	ErrUnauthenticated    = errors.New("unauthenticated")
	ErrInvalidCredentials = errors.New("invalid credentials")
	ErrForbidden          = errors.New("forbidden")
	ErrRateLimited        = errors.New("rate limited")
	// ErrOverBudget means a query would cost more than its bound (time or work): narrower input
	// may pass.
	ErrOverBudget = errors.New("over its cost budget")
	// ErrStale means a conditional write found the stored value changed since it was read.
	ErrStale = errors.New("changed concurrently")
	// ErrUnavailable means a backing store did not answer; the request may succeed later.
	ErrUnavailable = errors.New("unavailable")
	// ErrStorageFull means the store has no space left for a write (a full disk); reads still
	// answer, and writes succeed again once space is freed.
	ErrStorageFull = errors.New("storage full")
)

// FieldProblem names one field of an input and what is wrong with it.
type FieldProblem struct {
	Field   string
	Message string
}

// ValidationError collects the problems found in one input. It matches ErrInvalid with errors.Is.
type ValidationError struct {
	Problems []FieldProblem
}

// Invalid returns a ValidationError with a single problem.
func Invalid(field, message string) *ValidationError {
	return &ValidationError{Problems: []FieldProblem{{Field: field, Message: message}}}
}

func (e *ValidationError) Error() string {
	parts := make([]string, 0, len(e.Problems))
	for _, p := range e.Problems {
		parts = append(parts, p.Field+": "+p.Message)
	}
	return "invalid input: " + strings.Join(parts, "; ")
}

// Is makes errors.Is(err, ErrInvalid) true for every ValidationError.
func (e *ValidationError) Is(target error) bool { return target == ErrInvalid }

// Add records one more problem.
func (e *ValidationError) Add(field, message string) {
	e.Problems = append(e.Problems, FieldProblem{Field: field, Message: message})
}

// Err returns nil when no problem was recorded, so a constructor can end with `return v, problems.Err()`.
func (e *ValidationError) Err() error {
	if e == nil || len(e.Problems) == 0 {
		return nil
	}
	return e
}

// ConflictError says which unique thing already exists. It matches ErrConflict.
type ConflictError struct {
	Field   string
	Message string
}

func (e *ConflictError) Error() string        { return "conflict: " + e.Field + ": " + e.Message }
func (e *ConflictError) Is(target error) bool { return target == ErrConflict }

// RejectedItems is the error of a batch write that refused some items before writing anything:
// each problem is keyed by the item's index in the call. The caller may drop them and write the
// rest. It matches ErrInvalid.
type RejectedItems struct {
	Problems map[int]FieldProblem
}

func (e *RejectedItems) Error() string {
	return "invalid input: " + strconv.Itoa(len(e.Problems)) + " items refused"
}

// Is makes errors.Is(err, ErrInvalid) true.
func (e *RejectedItems) Is(target error) bool { return target == ErrInvalid }
