package r1

import (
	"strconv"
	"strings"
	"unicode/utf8"
)

// In a bulk load the local engine binds an upsert's rows as the parameters of a VALUES list, each
// field a parameter, instead of handing SQLite one list of rows in JSONB to take apart: reading 25
// fields from each row's JSONB (->>, which walks the row's array from its start for each field,
// then copies the field out) was about a fifth of the writer's work on a bulk load's rows. D1 gets
// its rows as one JSON parameter (upsertSQL): it takes at most 100 parameters a statement, where
// the local file takes 32,766.
//
// The statement is upsertSQL's (upsertBody) over the VALUES list's columns instead of a JSON row's
// fields, so the two store the same rows: the values are the same strings, integers and NULLs, in
// the same order (newUpsertRow), but for the packed file list, bytes here and hex text that the
// statement unhexes there. Preparing a VALUES list costs about as much as running it (SQLite
// parses and compiles every row's 28 parameters), so every bound upsert has upsertValuesRows rows,
// the last of a group filled with rows of NULLs that the statement skips, and a batch prepares
// each statement it runs several times once (localEngine.batch). Only in a bulk load: there a
// statement costs nothing more than its rows, where outside one each statement also writes the
// full-text index's pending entries as a segment of its own (the triggers, see upsertSQL).

// upsertRowValues is how many fields an upsert row has (newUpsertRow's values), the file list
// packed (files_packed) the last but one: bytes, which a bound row binds as a BLOB and a row in
// JSON or JSONB carries as hex text that the statement unhexes (jsonField).
const (
	upsertRowValues   = 28
	upsertPackedField = 26
)

// upsertValuesRows is the rows of one bound upsert: about a twentieth of a bulk batch's, so the
// NULL rows that fill the last are few, and the statement is prepared in about a millisecond.
const upsertValuesRows = 128

// jsonField is a row's field i in upsertSQL: the JSON row r's element i, the packed file list
// made bytes again from its hex.
func jsonField(i int) string {
	if i == upsertPackedField {
		return "unhex(r ->> " + strconv.Itoa(i) + ")"
	}
	return "r ->> " + strconv.Itoa(i)
}

// jsonRows is what upsertSQL reads its rows from.
const jsonRows = "rows WHERE"

// valuesField is a row's field i in a bound upsert: the VALUES list's column i+1 (the packed file
// list bound as a BLOB, as it is stored).
func valuesField(i int) string { return "column" + strconv.Itoa(i+1) }

// boundRow is an upsert row's values as the parameters of a bound upsert (integers as int64, which
// database/sql passes on as they are), and about how many bytes they take (a JSONB row's size: the
// text and a header of up to 9 bytes a value), or ok false when a value cannot go as it is: a
// string of invalid UTF-8, which the row's JSON text repairs (appendJSON), as D1's transport does.
func boundRow(values []any) (params []any, size int, ok bool) {
	// In place, the row's values made its parameters: an int becomes the int64 that database/sql
	// passes on as it is, which a row that cannot be bound writes alike in its JSON (appendJSON).
	for i, v := range values {
		switch x := v.(type) {
		case nil:
			size++
		case string:
			if !utf8.ValidString(x) {
				return nil, 0, false
			}
			size += jsonbHeaderRoom + len(x)
		case int:
			values[i], size = int64(x), size+jsonbHeaderRoom+20
		case int64:
			size += jsonbHeaderRoom + 20
		case []byte:
			// Bound as it is; counted as the hex text a row in JSONB would carry, so the chunks
			// stay the size they were.
			size += jsonbHeaderRoom + 2*len(x)
		default:
			return nil, 0, false
		}
	}
	return values, size, true
}

// upsertValuesStatements are the bound upserts of a group's rows, all with an upload date or all
// without, upsertValuesRows rows each.
func upsertValuesStatements(g []upsertRow, undated bool) []Statement {
	query := upsertValuesSQL
	if undated {
		query = upsertUndatedValuesSQL
	}
	out := make([]Statement, 0, (len(g)+upsertValuesRows-1)/upsertValuesRows)
	for start := 0; start < len(g); start += upsertValuesRows {
		params := make([]any, 0, upsertValuesRows*upsertRowValues)
		for _, row := range g[start:min(len(g), start+upsertValuesRows)] {
			params = append(params, row.params...)
		}
		// Rows of NULLs (nil) up to the statement's size: the statement skips a row without a hash.
		params = params[:upsertValuesRows*upsertRowValues]
		out = append(out, Statement{SQL: query, Params: params, local: true})
	}
	return out
}

var (
	// upsertValuesSQL is the bound upsert of upsertValuesRows rows.
	upsertValuesSQL = upsertBody("excluded.uploaded_at", valuesField, valuesRows(upsertValuesRows))
	// upsertUndatedValuesSQL is upsertValuesSQL for rows without an upload date of their own.
	upsertUndatedValuesSQL = upsertBody("torrents.uploaded_at", valuesField, valuesRows(upsertValuesRows))
)

// valuesRows is what a bound upsert of n rows reads them from: n rows of parameters, the rows
// without a hash (a statement's filling) left out.
func valuesRows(n int) string {
	row := "(?" + strings.Repeat(", ?", upsertRowValues-1) + ")"
	return "(VALUES " + strings.TrimSuffix(strings.Repeat(row+", ", n), ", ") + ") WHERE " + valuesField(0) + " IS NOT NULL AND"
}
