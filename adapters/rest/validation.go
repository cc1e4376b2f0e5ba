package rest

import (
	"errors"
	"reflect"
	"strings"

	"github.com/go-playground/validator/v10"

	"github.com/torrent-streamer/streamer/domain"
)

// validate is the one validator of the adapter. It caches what it learns of each DTO type, so it
// is built once and shared; it is safe for concurrent use.
var validate = newValidator()

func newValidator() *validator.Validate {
	v := validator.New(validator.WithRequiredStructEnabled())
	// Errors name fields as clients write them: the json name, or the query parameter's.
	v.RegisterTagNameFunc(func(f reflect.StructField) string {
		for _, key := range [...]string{"json", "query"} {
			if name, _, _ := strings.Cut(f.Tag.Get(key), ","); name != "" && name != "-" {
				return name
			}
		}
		return f.Name
	})
	return v
}

// check validates a DTO against its validate tags and returns the problems as a
// *domain.ValidationError, which the error mapping answers with 400 validation_failed.
func check(dto any) error {
	err := validate.Struct(dto)
	if err == nil {
		return nil
	}
	var failures validator.ValidationErrors
	if !errors.As(err, &failures) {
		return err // a DTO the validator cannot read: a bug, answered 500
	}
	problems := &domain.ValidationError{Problems: make([]domain.FieldProblem, 0, len(failures))}
	for _, f := range failures {
		problems.Add(fieldPath(f.Namespace()), fieldMessage(f))
	}
	return problems
}

// fieldPath drops the DTO's type name from a namespace: "ingestTorrent.files[0].path" becomes
// "files[0].path", the path a client sees in its own JSON.
func fieldPath(namespace string) string {
	_, path, found := strings.Cut(namespace, ".")
	if !found {
		return namespace
	}
	return path
}

// fieldMessage says in words what a failed tag asks for.
func fieldMessage(f validator.FieldError) string {
	switch f.Tag() {
	case "required":
		return "is required"
	case "email":
		return "must be a valid email"
	case "url", "http_url":
		return "must be a valid URL"
	case "oneof":
		return "must be one of " + strings.Join(strings.Fields(f.Param()), ", ")
	case "min", "gte":
		return boundMessage("at least", f)
	case "max", "lte":
		return boundMessage("at most", f)
	case "len":
		return boundMessage("exactly", f)
	}
	return "is invalid"
}

func boundMessage(relation string, f validator.FieldError) string {
	n := f.Param()
	switch f.Kind() {
	case reflect.String:
		return "must be " + relation + " " + n + " " + plural(n, "character", "characters")
	case reflect.Slice, reflect.Array, reflect.Map:
		return "must hold " + relation + " " + n + " " + plural(n, "item", "items")
	}
	if relation == "at least" && n == "0" {
		return "must not be negative"
	}
	return "must be " + relation + " " + n
}

func plural(n, one, many string) string {
	if n == "1" {
		return one
	}
	return many
}
