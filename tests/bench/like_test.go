package main

import (
	"context"
	"database/sql"
	"path/filepath"
	"testing"
	"time"

	"github.com/torrent-streamer/streamer/adapters/r1"
	"github.com/torrent-streamer/streamer/domain"
)

// The LIKE scan looks for a word where full-text search does: in the name and in the file
// paths, whether the list is packed in its row (0039) or JSON. Before, it read only files, which
// is [] for a packed list: the bench's LIKE row scanned the names alone.
func TestTheLikeScanFindsAWordOfThePaths(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "like.db")
	db, err := openMigrated(ctx, path, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	now := time.Now()
	var torrents []domain.Torrent
	for i, files := range [][]domain.File{
		{{Path: "Folder/zanzibar.mkv", Size: 1}}, // packed, the word in file_words
		{{Path: "Other/plain.mkv", Size: 1}},
	} {
		tor := domain.Torrent{InfoHash: domain.InfoHash{byte(i + 1)}, Name: "Some Name", Category: domain.CategoryRef{Slug: "movies"},
			Files: files, UploadedAt: now}
		if err := tor.Normalize(now); err != nil {
			t.Fatal(err)
		}
		torrents = append(torrents, tor)
	}
	if _, err := r1.NewTorrentRepository(db).Upsert(ctx, torrents); err != nil {
		t.Fatal(err)
	}
	raw, err := sql.Open("sqlite", path+"?_pragma=query_only(1)")
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	var packed int
	if err := raw.QueryRow("SELECT count(*) FROM torrents WHERE files_packed IS NOT NULL").Scan(&packed); err != nil || packed != 2 {
		t.Fatalf("%d packed lists (%v): the test shows nothing", packed, err)
	}
	page, count, params := likeSQL(domain.SearchCriteria{Text: "zanzibar", Terms: []string{"zanzibar"}})
	var total int
	if err := raw.QueryRow(count, params...).Scan(&total); err != nil || total != 1 {
		t.Fatalf("the LIKE count of a word of the paths: %d (%v), want 1", total, err)
	}
	rows, err := raw.Query(page, params...)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for rows.Next() {
		n++
	}
	if err := rows.Close(); err != nil || n != 1 {
		t.Fatalf("the LIKE page of a word of the paths: %d rows (%v), want 1", n, err)
	}
}
