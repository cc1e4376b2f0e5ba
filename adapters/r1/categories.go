package r1

import (
	"context"
	"fmt"
	"strings"

	"github.com/torrent-streamer/streamer/domain"
	"github.com/torrent-streamer/streamer/ports"
)

// CategoryRepository is ports.CategoryRepository on R1.
type CategoryRepository struct {
	db *Database
}

var _ ports.CategoryRepository = (*CategoryRepository)(nil)

// NewCategoryRepository returns the categories stored in db.
func NewCategoryRepository(db *Database) *CategoryRepository {
	return &CategoryRepository{db: db}
}

// List returns every category with its torrent count, by slug.
func (r *CategoryRepository) List(ctx context.Context) ([]domain.Category, error) {
	res, err := r.db.query(ctx, Statement{
		SQL: "SELECT id, slug, name, torrent_count FROM categories ORDER BY slug",
	})
	if err != nil {
		return nil, err
	}
	out := make([]domain.Category, 0, len(res.Rows))
	for _, row := range res.Rows {
		rr := rowReader{row: row}
		c := domain.Category{
			ID: rr.int("id"), Slug: rr.text("slug"), Name: rr.text("name"), TorrentCount: rr.int("torrent_count"),
		}
		if rr.err != nil {
			return nil, rr.err
		}
		out = append(out, c)
	}
	return out, nil
}

// Ensure creates the categories that do not exist yet; existing ones keep their name. All of them
// in one batch.
func (r *CategoryRepository) Ensure(ctx context.Context, categories []domain.CategoryRef) error {
	statements, err := ensureCategoryStatements(categories)
	if err != nil || len(statements) == 0 {
		return err
	}
	_, err = r.db.batch(ctx, statements)
	return err
}

// categoriesPerStatement fills D1's 100 parameters with (slug, name) pairs.
const categoriesPerStatement = maxParams / 2

// ensureCategoryStatements writes INSERT OR IGNORE statements for the distinct slugs of refs, so
// that a batch can create the categories its torrents name before the torrents refer to them.
func ensureCategoryStatements(refs []domain.CategoryRef) ([]Statement, error) {
	seen := make(map[string]bool, len(refs))
	var params []any
	for _, ref := range refs {
		ref, err := storedCategory(ref)
		if err != nil {
			return nil, err
		}
		if seen[ref.Slug] {
			continue
		}
		seen[ref.Slug] = true
		params = append(params, ref.Slug, ref.Name)
	}
	var out []Statement
	for len(params) > 0 {
		n := min(len(params), 2*categoriesPerStatement)
		values := strings.TrimSuffix(strings.Repeat("(?, ?), ", n/2), ", ")
		out = append(out, Statement{
			SQL:    "INSERT OR IGNORE INTO categories (slug, name) VALUES " + values,
			Params: params[:n:n],
		})
		params = params[n:]
	}
	return out, nil
}

// storedCategory is ref as the table keeps it: a slug is required, and a category without a name
// is named by its slug.
func storedCategory(ref domain.CategoryRef) (domain.CategoryRef, error) {
	if ref.Slug == "" {
		return ref, domain.Invalid("category", "has no slug")
	}
	if len(ref.Slug) > domain.MaxSlugLength {
		return ref, domain.Invalid("category", fmt.Sprintf("slug must be at most %d bytes", domain.MaxSlugLength))
	}
	if strings.TrimSpace(ref.Name) == "" {
		ref.Name = ref.Slug
	}
	return ref, nil
}
