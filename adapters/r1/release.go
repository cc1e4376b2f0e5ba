package r1

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"

	"github.com/torrent-streamer/streamer/domain"
)

// releaseJSON is how the release column stores a domain.Release: short keys, empty parts left out.
type releaseJSON struct {
	Title          string `json:"t,omitempty"`
	Year           int    `json:"y,omitempty"`
	Seasons        []int  `json:"s,omitempty"`
	Episodes       []int  `json:"e,omitempty"`
	AirDate        string `json:"d,omitempty"`
	Resolution     string `json:"r,omitempty"`
	Source         string `json:"src,omitempty"`
	Codec          string `json:"c,omitempty"`
	HDR            string `json:"hdr,omitempty"`
	Audio          string `json:"a,omitempty"`
	Group          string `json:"g,omitempty"`
	CompleteSeason bool   `json:"cs,omitempty"`
}

// encodeRelease is the release column of r: compactJSON(releaseJSON(r)), written here directly
// because every torrent stored makes one, and encoding/json's reflection was an eighth of making a
// row (TestReleaseJSONIsEncodingJSON compares the two).
func encodeRelease(r domain.Release) (string, error) {
	w := releaseWriter{b: make([]byte, 0, 64+len(r.Title)+len(r.Audio)+len(r.Group))}
	w.b = append(w.b, '{')
	w.text("t", r.Title)
	if r.Year != 0 {
		w.key("y")
		w.b = strconv.AppendInt(w.b, int64(r.Year), 10)
	}
	w.ints("s", r.Seasons)
	w.ints("e", r.Episodes)
	w.text("d", r.AirDate)
	w.text("r", r.Resolution)
	w.text("src", r.Source)
	w.text("c", r.Codec)
	w.text("hdr", r.HDR)
	w.text("a", r.Audio)
	w.text("g", r.Group)
	if r.CompleteSeason {
		w.key("cs")
		w.b = append(w.b, "true"...)
	}
	if w.err != nil {
		return "", w.err
	}
	return string(append(w.b, '}')), nil
}

// releaseWriter writes releaseJSON's members in its order, leaving out the empty ones (omitempty).
type releaseWriter struct {
	b   []byte
	err error
}

func (w *releaseWriter) key(k string) {
	if len(w.b) > 1 {
		w.b = append(w.b, ',')
	}
	w.b = append(append(append(w.b, '"'), k...), '"', ':')
}

func (w *releaseWriter) text(k, v string) {
	if v == "" || w.err != nil {
		return
	}
	w.key(k)
	w.b, w.err = appendJSONText(w.b, v)
}

func (w *releaseWriter) ints(k string, list []int) {
	if len(list) == 0 {
		return
	}
	w.key(k)
	w.b = append(w.b, '[')
	for i, n := range list {
		if i > 0 {
			w.b = append(w.b, ',')
		}
		w.b = strconv.AppendInt(w.b, int64(n), 10)
	}
	w.b = append(w.b, ']')
}

func decodeRelease(raw string) (domain.Release, error) {
	if raw == "" || raw == "{}" {
		return domain.Release{}, nil
	}
	var r releaseJSON
	if err := json.Unmarshal([]byte(raw), &r); err != nil {
		return domain.Release{}, err
	}
	return domain.Release(r), nil
}

// releaseVersion is the version of a row's release columns that release_parser and
// derived_versions record: the parser's version, times 100, plus the version of the set of filter
// columns (1: migration 0006's; 2: 0011's release_air_date). Either changing makes deriveReleases
// read every row again.
const releaseVersion = domain.ReleaseParserVersion*100 + 2

// releaseColumns are the filter columns of a release, in upsertSQL's order: year, season range,
// episode range, resolution, air date. A part the name does not say is NULL.
func releaseColumns(r domain.Release) []any {
	var out [7]any
	if r.Year > 0 {
		out[0] = r.Year
	}
	if n := len(r.Seasons); n > 0 {
		out[1], out[2] = r.Seasons[0], r.Seasons[n-1]
	}
	if n := len(r.Episodes); n > 0 {
		out[3], out[4] = r.Episodes[0], r.Episodes[n-1]
	}
	if r.Resolution != "" {
		out[5] = r.Resolution
	}
	if r.AirDate != "" {
		out[6] = r.AirDate
	}
	return out[:]
}

// deriveBatch bounds one round of deriveReleases: one read and one write of this many rows.
const deriveBatch = 500

// deriveReleasesSQL writes the readings of a list of rows, given as one JSON parameter (an array of
// [id, release, year, season min, season max, episode min, episode max, resolution, air date,
// version]). It
// touches neither name nor files, so the full-text triggers do not run.
const deriveReleasesSQL = `WITH rows (r) AS MATERIALIZED (SELECT jsonb(value) FROM json_each(?))
UPDATE torrents SET release = v.r ->> 1, release_year = v.r ->> 2, release_season_min = v.r ->> 3,
    release_season_max = v.r ->> 4, release_episode_min = v.r ->> 5, release_episode_max = v.r ->> 6,
    release_resolution = v.r ->> 7, release_air_date = v.r ->> 8, release_parser = v.r ->> 9
FROM rows AS v WHERE torrents.id = v.r ->> 0`

// deriveReleases reads every row that an older parser (or none) read, or whose filter columns are
// older (releaseVersion), with the current one, in batches by id, then records that all are
// current. A row upserted meanwhile is read by the upsert itself. Interrupted, it starts again
// where rows are still stale.
func (db *Database) deriveReleases(ctx context.Context) error {
	res, err := db.query(ctx, Statement{SQL: "SELECT version FROM derived_versions WHERE name = 'release'"})
	if err != nil {
		return err
	}
	if len(res.Rows) > 0 {
		rr := rowReader{row: res.Rows[0]}
		if v := rr.int("version"); rr.err == nil && v >= releaseVersion {
			return nil
		}
	}
	after := int64(0)
	for {
		res, err := db.query(ctx, Statement{
			SQL: `SELECT id, name FROM torrents WHERE id > CAST(? AS INTEGER) AND release_parser < CAST(? AS INTEGER)
                  ORDER BY id LIMIT CAST(? AS INTEGER)`,
			Params: []any{after, releaseVersion, deriveBatch},
		})
		if err != nil {
			return err
		}
		if len(res.Rows) == 0 {
			break
		}
		list := make([]any, 0, len(res.Rows))
		for _, row := range res.Rows {
			rr := rowReader{row: row}
			id, name := rr.int("id"), rr.text("name")
			if rr.err != nil {
				return rr.err
			}
			r := domain.ParseRelease(name)
			encoded, err := encodeRelease(r)
			if err != nil {
				return err
			}
			item := append([]any{id, encoded}, releaseColumns(r)...)
			list = append(list, append(item, releaseVersion))
			after = id
		}
		param, err := compactJSON(list)
		if err != nil {
			return err
		}
		if _, err := db.batch(ctx, []Statement{{SQL: deriveReleasesSQL, Params: []any{param}}}); err != nil {
			return err
		}
	}
	_, err = db.batch(ctx, []Statement{{
		SQL:    "INSERT INTO derived_versions (name, version) VALUES ('release', CAST(? AS INTEGER)) ON CONFLICT (name) DO UPDATE SET version = excluded.version",
		Params: []any{releaseVersion},
	}})
	if err != nil {
		return fmt.Errorf("r1: record the release derivation: %w", err)
	}
	return nil
}
