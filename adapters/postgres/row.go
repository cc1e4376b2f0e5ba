package postgres

import (
	"encoding/hex"
	"fmt"
	"math"
	"time"

	"github.com/jackc/pgx/v5/pgtype"

	"github.com/torrent-streamer/streamer/domain"
	"github.com/torrent-streamer/streamer/ports"
)

// row reads one result row by column name; the first value it cannot read becomes the problem the
// record is skipped for.
type row struct {
	values  []any
	columns map[string]int
	problem string
}

func (r *row) value(col string) any {
	i, ok := r.columns[col]
	if !ok {
		return nil
	}
	return r.values[i]
}

func (r *row) fail(col, format string, args ...any) {
	if r.problem == "" {
		r.problem = col + ": " + fmt.Sprintf(format, args...)
	}
}

func (r *row) text(col string) string {
	switch v := r.value(col).(type) {
	case nil:
		return ""
	case string:
		return v
	case []byte:
		return hex.EncodeToString(v) // a bytea info hash
	case [16]byte: // a uuid
		return fmt.Sprintf("%x-%x-%x-%x-%x", v[0:4], v[4:6], v[6:8], v[8:10], v[10:16])
	default:
		return fmt.Sprint(v)
	}
}

func (r *row) int(col string) int64 {
	switch v := r.value(col).(type) {
	case nil:
		return 0
	case int64:
		return v
	case int32:
		return int64(v)
	case int16:
		return int64(v)
	case float64:
		if v != math.Trunc(v) || math.Abs(v) > 1<<53 {
			r.fail(col, "is not a whole number")
		}
		return int64(v)
	case pgtype.Numeric:
		i, err := v.Int64Value()
		if err != nil || !i.Valid {
			r.fail(col, "is not a whole number")
		}
		return i.Int64
	default:
		r.fail(col, "is a %T, not a number", v)
		return 0
	}
}

func (r *row) time(col string) time.Time {
	switch v := r.value(col).(type) {
	case nil:
		return time.Time{}
	case time.Time:
		return v
	case int64: // unix seconds, or milliseconds as JavaScript keeps them
		if v > 1e11 {
			return time.UnixMilli(v)
		}
		return time.Unix(v, 0)
	default:
		r.fail(col, "is a %T, not a time", v)
		return time.Time{}
	}
}

func (r *row) texts(col string) []string {
	v := r.value(col)
	if v == nil {
		return nil
	}
	if list, ok := v.([]pgtype.Text); ok {
		out := make([]string, len(list))
		for i, e := range list {
			if !e.Valid {
				r.fail(col, "holds a <nil>, not text")
				return nil
			}
			out[i] = e.String
		}
		return out
	}
	list, ok := v.([]any)
	if !ok {
		r.fail(col, "is a %T, not an array of text", v)
		return nil
	}
	out := make([]string, 0, len(list))
	for _, e := range list {
		s, ok := e.(string)
		if !ok {
			r.fail(col, "holds a %T, not text", e)
			return nil
		}
		out = append(out, s)
	}
	return out
}

func (r *row) ints(col string) []int64 {
	v := r.value(col)
	if v == nil {
		return nil
	}
	if list, ok := v.([]pgtype.Int8); ok {
		out := make([]int64, len(list))
		for i, e := range list {
			if !e.Valid {
				r.fail(col, "holds a <nil>, not a whole number")
				return nil
			}
			out[i] = e.Int64
		}
		return out
	}
	list, ok := v.([]any)
	if !ok {
		r.fail(col, "is a %T, not an array of numbers", v)
		return nil
	}
	out := make([]int64, 0, len(list))
	for _, e := range list {
		switch n := e.(type) {
		case int64:
			out = append(out, n)
		case int32:
			out = append(out, int64(n))
		default:
			r.fail(col, "holds a %T, not a whole number", e)
			return nil
		}
	}
	return out
}

func (r *row) user() *ports.SourceUser {
	return &ports.SourceUser{
		Email: r.text("email"), Name: r.text("name"), Image: r.text("image"), PasswordHash: r.text("password_hash"),
		CreatedAt: r.time("created_at"), UpdatedAt: r.time("updated_at"),
	}
}

func (r *row) session() *ports.SourceSession {
	return &ports.SourceSession{
		Token: r.text("token"), UserEmail: r.text("user_email"), CreatedAt: r.time("created_at"), ExpiresAt: r.time("expires_at"),
	}
}

func (r *row) torrent() *ports.SourceTorrent {
	t := &ports.SourceTorrent{
		InfoHash: r.text("info_hash"), Name: r.text("name"), Size: r.int("size"), Category: r.text("category"),
		Seeders: r.int("seeders"), Leechers: r.int("leechers"), UploadedAt: r.time("uploaded_at"),
		Description: r.text("description"), Trackers: r.texts("trackers"), WebSeeds: r.texts("web_seeds"),
		External: domain.ExternalIDs{IMDb: r.text("imdb_id"), TMDb: r.int("tmdb_id"), TVDb: r.int("tvdb_id")},
	}
	paths, sizes := r.texts("file_paths"), r.ints("file_sizes")
	if len(paths) != len(sizes) {
		r.fail("file_paths", "lists %d paths for %d sizes (file_sizes)", len(paths), len(sizes))
		return t
	}
	if len(paths) > domain.MaxFiles {
		r.fail("file_paths", "lists %d files, more than %d", len(paths), domain.MaxFiles)
		return t
	}
	for i, p := range paths {
		t.Files = append(t.Files, domain.File{Path: p, Size: sizes[i]})
	}
	return t
}

func (r *row) category() *ports.SourceCategory {
	return &ports.SourceCategory{Slug: r.text("slug"), Name: r.text("name")}
}

func (r *row) activity() *ports.SourceActivity {
	return &ports.SourceActivity{UserEmail: r.text("user_email"), Type: r.text("type"), InfoHash: r.text("info_hash"),
		Query: r.text("query"), CreatedAt: r.time("created_at")}
}
