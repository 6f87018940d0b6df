package service

import (
	"context"
	"fmt"

	"github.com/RoaringBitmap/roaring/v2"

	aud "github.com/strata-metrics/strata/compiler/audience"
	"github.com/strata-metrics/strata/compiler/expr"
	"github.com/strata-metrics/strata/compiler/logical"
	"github.com/strata-metrics/strata/compiler/plan"
	"github.com/strata-metrics/strata/compiler/sqlgen"
)

// Audiences for row-scoped keys. A key limited by a `where` sees the
// entities that condition holds for: the condition is evaluated over the
// entity and the tables it joins (like a tag's `where`), once per population
// version, and the request's population becomes its intersection with the
// population. Every set an answer is computed from — tags, NOT, predicates,
// profiles' population counts — is intersected with the population, so
// sizes, overlaps, profiles, saturation and exports all stay in scope. A
// condition on a field the entity does not reach (a fact's channel) cannot
// say which entities are in scope; the request is refused, naming the field.

// scopedSet is a key scope's entities for one population version.
type scopedSet struct {
	popTab string
	set    *roaring.Bitmap
}

// restrict narrows the snapshot's population to the key's scope.
func (sn *snapshot) restrict(ctx context.Context, sc *plan.Scope) error {
	if sc == nil || sc.Where == "" {
		return nil
	}
	s := sn.s
	cacheKey := sn.entity.Entity.Name + "\x00" + sc.Where
	s.mu.Lock()
	c, ok := s.scopes[cacheKey]
	s.mu.Unlock()
	if ok && c.popTab == sn.popTab {
		sn.pop = c.set
		return nil
	}
	n, perr := expr.Parse(sc.Where)
	if perr != nil {
		return fmt.Errorf("key %s: its where does not parse: %s", sc.Key, perr.Msg)
	}
	for _, col := range expr.Columns(n) {
		f, err := sn.entity.ResolveField(s.w.Catalog, expr.Name(col.Name))
		if err != nil {
			return &AudienceError{Field: "key", Code: "forbidden-scope", Msg: fmt.Sprintf("key %s is limited by %q, and audiences of %s cannot be limited by it: %v", sc.Key, sc.Where, sn.entity.Entity.Name, err)}
		}
		logical.SetQualified(col.Name, f.Name)
	}
	q, err := sqlgen.EntityKeysWhere(s.w.Dialect, sn.entity, n, s.w.Project.Timezone)
	if err != nil {
		return err
	}
	res, err := s.w.Engine.Query(ctx, q)
	if err != nil {
		return fmt.Errorf("evaluating key %s's scope: %w", sc.Key, err)
	}
	ids := make([]uint32, 0, len(res.Rows))
	for _, row := range res.Rows {
		id, err := aud.KeyID(row[0])
		if err != nil {
			return err
		}
		ids = append(ids, id)
	}
	set := roaring.BitmapOf(ids...)
	set.And(sn.full)
	set.RunOptimize()
	s.mu.Lock()
	s.scopes[cacheKey] = &scopedSet{popTab: sn.popTab, set: set}
	s.mu.Unlock()
	sn.pop = set
	return nil
}
