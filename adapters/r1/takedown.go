package r1

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/torrent-streamer/streamer/domain"
)

// takedownSQL deletes the torrents and blocks their hashes; both take the hashes as one JSON list
// (one bound parameter, so a takedown of 1000 hashes is one D1 request within its 100 parameters).
// Deleting the row removes its files and trackers (they live in it); the triggers of 0001 and 0003
// remove its full-text entry and lower its category's count.
const (
	takedownDeleteSQL = `DELETE FROM torrents WHERE info_hash IN (SELECT value FROM json_each(?))
RETURNING id, info_hash`
	takedownBlockSQL = `INSERT INTO blocked_torrents (info_hash, blocked_at)
SELECT value, unixepoch() FROM json_each(?) WHERE true
ON CONFLICT (info_hash) DO NOTHING`
	unblockSQL = `DELETE FROM blocked_torrents WHERE info_hash = ? RETURNING info_hash`
	blockedSQL = `SELECT info_hash, blocked_at FROM blocked_torrents WHERE info_hash > ?
ORDER BY info_hash LIMIT CAST(? AS INTEGER)`
)

// TakeDown deletes the torrents with these hashes and blocks every hash, in one batch: a
// concurrent ingest sees the catalog before it or after it, never a torrent removed but not
// blocked.
func (r *TorrentRepository) TakeDown(ctx context.Context, hashes []domain.InfoHash) ([]domain.TakedownOutcome, error) {
	if len(hashes) == 0 {
		return []domain.TakedownOutcome{}, nil
	}
	list := make([]string, len(hashes))
	for i, h := range hashes {
		if h.IsZero() {
			return nil, domain.Invalid("infoHashes", "a v1 info hash is required")
		}
		list[i] = h.String()
	}
	raw, err := json.Marshal(list)
	if err != nil {
		return nil, err
	}
	results, err := r.db.batch(ctx, []Statement{
		{SQL: takedownDeleteSQL, Params: []any{string(raw)}},
		{SQL: takedownBlockSQL, Params: []any{string(raw)}},
	})
	if err != nil {
		return nil, err
	}
	removed := make(map[string]int64, len(results[0].Rows))
	for _, row := range results[0].Rows {
		rr := rowReader{row: row}
		id, hash := rr.int("id"), rr.text("info_hash")
		if rr.err != nil {
			return nil, rr.err
		}
		removed[hash] = id
	}
	out := make([]domain.TakedownOutcome, len(hashes))
	for i, h := range hashes {
		out[i] = domain.TakedownOutcome{InfoHash: h}
		if id, ok := removed[list[i]]; ok {
			out[i].ID, out[i].Removed = id, true
			delete(removed, list[i]) // a hash given twice was removed once
		}
	}
	return out, nil
}

// Unblock takes a hash off the blocklist.
func (r *TorrentRepository) Unblock(ctx context.Context, hash domain.InfoHash) (bool, error) {
	if hash.IsZero() {
		return false, nil
	}
	// A batch: the local engine answers single queries from its read-only connections.
	res, err := r.db.batch(ctx, []Statement{{SQL: unblockSQL, Params: []any{hash.String()}}})
	if err != nil {
		return false, err
	}
	return len(res[0].Rows) > 0, nil
}

// Blocked lists the blocklist by hash, a page at a time; the primary key orders it.
func (r *TorrentRepository) Blocked(ctx context.Context, after domain.InfoHash, limit int) ([]domain.BlockedHash, error) {
	from := ""
	if !after.IsZero() {
		from = after.String()
	}
	res, err := r.db.query(ctx, Statement{SQL: blockedSQL, Params: []any{from, pageSize(limit)}})
	if err != nil {
		return nil, err
	}
	out := make([]domain.BlockedHash, 0, len(res.Rows))
	for _, row := range res.Rows {
		rr := rowReader{row: row}
		raw, at := rr.text("info_hash"), rr.time("blocked_at")
		if rr.err != nil {
			return nil, rr.err
		}
		h, err := domain.ParseInfoHash(raw)
		if err != nil {
			return nil, fmt.Errorf("r1: a stored blocked hash is malformed: %w", err)
		}
		out = append(out, domain.BlockedHash{InfoHash: h, BlockedAt: at})
	}
	return out, nil
}
