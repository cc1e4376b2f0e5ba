package memory

import (
	"context"
	"slices"
	"strconv"
	"strings"

	"github.com/torrent-streamer/streamer/domain"
)

// CategoryRepository is the catalog's categories, implementing ports.CategoryRepository.
type CategoryRepository struct{ c *Catalog }

// List returns every category by slug, with the number of torrents in it.
func (r *CategoryRepository) List(ctx context.Context) ([]domain.Category, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	c := r.c
	c.mu.RLock()
	defer c.mu.RUnlock()
	out := make([]domain.Category, 0, len(c.categories))
	for _, cat := range c.categories {
		out = append(out, *cat)
	}
	slices.SortFunc(out, func(a, b domain.Category) int { return strings.Compare(a.Slug, b.Slug) })
	return out, nil
}

// Ensure creates the categories that do not exist yet. Every ref needs a slug, as in the SQL
// adapter: deriving one here would hide a caller that skipped domain.NewCategoryRef.
func (r *CategoryRepository) Ensure(ctx context.Context, categories []domain.CategoryRef) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	for i, ref := range categories {
		if err := checkSlug(ref.Slug); err != "" {
			return domain.Invalid("categories["+strconv.Itoa(i)+"]", err)
		}
	}
	c := r.c
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, ref := range categories {
		c.ensureLocked(ref)
	}
	return nil
}

func checkSlug(slug string) string {
	switch {
	case slug == "":
		return "has no slug"
	case len(slug) > domain.MaxSlugLength:
		return "slug must be at most " + strconv.Itoa(domain.MaxSlugLength) + " bytes"
	}
	return ""
}
