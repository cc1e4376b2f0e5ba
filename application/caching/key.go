package caching

import (
	"crypto/sha256"
	"encoding/hex"
	"reflect"
	"strconv"
	"strings"
	"sync"
)

// maxKeyBody is the longest key body kept as is; longer ones are replaced by their SHA-256, well
// within KV's 512-byte keys.
const maxKeyBody = 128

// sharedKey is the key of a value in the shared tier: "<space>:v<version>.<shape>:<generation>:<body>",
// the generation "-" in spaces without one. Instances of another build (a rolling deploy) read and
// write other keys.
func sharedKey(sp Space, shape, gen, body string) string {
	return sp.Name + ":v" + strconv.Itoa(sp.Version) + "." + shape + ":" + gen + ":" + shortBody(body)
}

// localKey is the key of a value in the process tier, where every value is of this build.
func localKey(sp Space, gen, body string) string {
	return sp.Name + ":v" + strconv.Itoa(sp.Version) + ":" + gen + ":" + shortBody(body)
}

func shortBody(body string) string {
	if len(body) > maxKeyBody {
		sum := sha256.Sum256([]byte(body))
		return "h" + hex.EncodeToString(sum[:])
	}
	return body
}

var shapes sync.Map // reflect.Type -> string

// shapeOf is a short digest of a type's shape: its kinds, its fields' names and types, and the
// types that encode themselves as text. Two builds whose cached types differ in any of those key
// their values apart, so a rolling deploy never decodes an old value into zero fields.
func shapeOf(t reflect.Type) string {
	if s, ok := shapes.Load(t); ok {
		return s.(string)
	}
	var b strings.Builder
	describe(&b, t, map[reflect.Type]bool{})
	sum := sha256.Sum256([]byte(b.String()))
	s := hex.EncodeToString(sum[:4])
	shapes.Store(t, s)
	return s
}

var textMarshaler = reflect.TypeFor[interface{ MarshalText() ([]byte, error) }]()

func describe(b *strings.Builder, t reflect.Type, seen map[reflect.Type]bool) {
	if t.Implements(textMarshaler) {
		b.WriteString("text(" + t.String() + ")")
		return
	}
	switch t.Kind() {
	case reflect.Pointer:
		b.WriteString("*")
		describe(b, t.Elem(), seen)
	case reflect.Slice, reflect.Array:
		b.WriteString("[]")
		describe(b, t.Elem(), seen)
	case reflect.Map:
		b.WriteString("map[")
		describe(b, t.Key(), seen)
		b.WriteString("]")
		describe(b, t.Elem(), seen)
	case reflect.Struct:
		if seen[t] {
			b.WriteString(t.String())
			return
		}
		seen[t] = true
		b.WriteString(t.String() + "{")
		for i := range t.NumField() {
			f := t.Field(i)
			if !f.IsExported() {
				continue
			}
			b.WriteString(f.Name + " ")
			describe(b, f.Type, seen)
			b.WriteString(";")
		}
		b.WriteString("}")
	default:
		b.WriteString(t.Kind().String())
	}
}
