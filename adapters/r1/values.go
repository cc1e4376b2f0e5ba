package r1

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strconv"
	"time"
)

// The scanners below read a Row as either engine answers it: the local engine gives int64 and
// string, D1 gives JSON numbers (float64 or json.Number), and either may give a number as a string.

// rowReader reads columns of one row and keeps the first problem, so mapping code stays linear.
type rowReader struct {
	row Row
	err error
}

func (r *rowReader) value(col string) any {
	v, ok := r.row[col]
	if !ok && r.err == nil {
		r.err = fmt.Errorf("r1: result has no column %q", col)
	}
	return v
}

func (r *rowReader) int(col string) int64 {
	n, err := asInt64(r.value(col))
	if err != nil && r.err == nil {
		r.err = fmt.Errorf("r1: column %q: %w", col, err)
	}
	return n
}

func (r *rowReader) text(col string) string {
	s, err := asString(r.value(col))
	if err != nil && r.err == nil {
		r.err = fmt.Errorf("r1: column %q: %w", col, err)
	}
	return s
}

func (r *rowReader) time(col string) time.Time {
	return time.Unix(r.int(col), 0).UTC()
}

// asInt64 reads an integer column. nil reads as 0: the columns read this way are NOT NULL, and a
// count over nothing is 0.
func asInt64(v any) (int64, error) {
	switch x := v.(type) {
	case nil:
		return 0, nil
	case int64:
		return x, nil
	case int:
		return int64(x), nil
	case float64:
		// D1 sends integers as JSON numbers; they are exact up to 2^53, which bounds every integer
		// the catalog stores.
		if x != math.Trunc(x) || math.Abs(x) > 1<<53 {
			return 0, fmt.Errorf("%v is not an integer", x)
		}
		return int64(x), nil
	case json.Number:
		if n, err := x.Int64(); err == nil {
			return n, nil
		}
		f, err := x.Float64()
		if err != nil {
			return 0, fmt.Errorf("%q is not a number", x.String())
		}
		return asInt64(f)
	case string:
		if n, err := strconv.ParseInt(x, 10, 64); err == nil {
			return n, nil
		}
		f, err := strconv.ParseFloat(x, 64)
		if err != nil {
			return 0, fmt.Errorf("%q is not a number", x)
		}
		return asInt64(f)
	case []byte:
		return asInt64(string(x))
	case bool:
		if x {
			return 1, nil
		}
		return 0, nil
	}
	return 0, fmt.Errorf("unexpected %T", v)
}

// asString reads a text column; nil reads as "" (nullable text columns mean "absent" by NULL).
func asString(v any) (string, error) {
	switch x := v.(type) {
	case nil:
		return "", nil
	case string:
		return x, nil
	case []byte:
		return string(x), nil
	case int64:
		return strconv.FormatInt(x, 10), nil
	case float64:
		return strconv.FormatFloat(x, 'g', -1, 64), nil
	case json.Number:
		return x.String(), nil
	}
	return "", fmt.Errorf("unexpected %T", v)
}

var errNilParam = errors.New("r1: a NULL parameter cannot be sent to D1 (its REST API takes strings only); use NULLIF(?, '')")

// paramText is a parameter as D1's REST API carries it: a string. Integers are written in decimal,
// never in exponent form, so CAST(? AS INTEGER) reads them back exactly.
func paramText(v any) (string, error) {
	switch x := v.(type) {
	case nil:
		return "", errNilParam
	case string:
		return x, nil
	case int64:
		return strconv.FormatInt(x, 10), nil
	case int:
		return strconv.Itoa(x), nil
	case int32:
		return strconv.FormatInt(int64(x), 10), nil
	case float64:
		return strconv.FormatFloat(x, 'g', -1, 64), nil
	case bool:
		if x {
			return "1", nil
		}
		return "0", nil
	case []byte:
		return string(x), nil
	}
	return "", fmt.Errorf("r1: parameter of type %T cannot be sent to D1", v)
}

func (r *rowReader) fail(col string, err error) {
	if r.err == nil {
		r.err = fmt.Errorf("r1: column %q: %w", col, err)
	}
}
