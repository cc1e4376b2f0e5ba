package domain_test

import (
	"reflect"
	"testing"
	"time"

	"github.com/torrent-streamer/streamer/domain"
)

// Every field of a search but the text as typed moves its cache key, so a filter added later can
// never share a cached page with the search without it. The text moves it only through its terms
// and whether it names nothing.
func TestEveryFieldOfASearchIsInItsKey(t *testing.T) {
	base := domain.SearchCriteria{}
	if err := base.Normalize(); err != nil {
		t.Fatal(err)
	}
	typ := reflect.TypeOf(base)
	for i := range typ.NumField() {
		f := typ.Field(i)
		if f.Name == "Text" {
			continue
		}
		changed := base
		v := reflect.ValueOf(&changed).Elem().Field(i)
		setSomething(t, v)
		if changed.Key() == base.Key() {
			t.Errorf("%s does not change the key", f.Name)
		}
	}
	a, b := base, base
	a.Text, b.Text = "Sintel!", "  sintel "
	a.Terms, b.Terms = domain.Tokenize(a.Text), domain.Tokenize(b.Text)
	if a.Key() != b.Key() {
		t.Error("two texts with the same terms have different keys")
	}
	nothing, listing := base, base
	nothing.Text = "!!!"
	if nothing.Key() == listing.Key() {
		t.Error("a text that names nothing shares the listing's key")
	}
}

func setSomething(t *testing.T, v reflect.Value) {
	t.Helper()
	switch v.Kind() {
	case reflect.String:
		v.SetString("x")
	case reflect.Int, reflect.Int64:
		v.SetInt(v.Int() + 7)
	case reflect.Float64:
		v.SetFloat(v.Float() + 0.5)
	case reflect.Bool:
		v.SetBool(!v.Bool())
	case reflect.Slice:
		v.Set(reflect.Append(reflect.MakeSlice(v.Type(), 0, 1), reflect.Zero(v.Type().Elem())))
		if v.Index(0).Kind() == reflect.String {
			v.Index(0).SetString("x")
		}
	case reflect.Pointer:
		p := reflect.New(v.Type().Elem())
		setSomething(t, p.Elem())
		v.Set(p)
	case reflect.Struct:
		if v.Type() == reflect.TypeOf(time.Time{}) {
			v.Set(reflect.ValueOf(time.Date(2024, 5, 1, 0, 0, 1, 0, time.UTC)))
			return
		}
		for i := range v.NumField() {
			setSomething(t, v.Field(i))
		}
	default:
		t.Fatalf("a field of kind %s: teach this test to set it", v.Kind())
	}
}
