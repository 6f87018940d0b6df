package materializer

import (
	"context"
	"fmt"
	"time"

	"github.com/RoaringBitmap/roaring/v2"

	"github.com/strata-metrics/strata/compiler/audience"
	"github.com/strata-metrics/strata/compiler/sqlgen"
	"github.com/strata-metrics/strata/engine"
)

// Batched tag builds. A refresh groups its tags so the engine reads each
// source once:
//
//   - every boolean and categorical tag of an entity, and the entity's
//     population, come from one packed scan of the entity table
//     (sqlgen.EntityPacked): per entity its key and a few integer words
//     holding one bit per predicate and a code per categorical value; the
//     bitmaps are filled here as the rows stream in. A categorical field's
//     values are listed first (one small DISTINCT each); a field with more
//     than maxPackedValues values is built alone.
//   - every behaviour tag of an entity over one fact, filter and window
//     (TagDef.GroupKey) comes from one aggregation computing each distinct
//     metric per entity, with one bit per tag's test (sqlgen.PackedTests).
//     The aggregation also says who had facts at all: a test true at zero
//     (txn_count < 5) holds for every member of the population it does not
//     reach.
//
// The writes stay per tag (buildSets: its own version table and atomic
// swap), so readers see each tag whole. When a batch fails, its tags are
// built one at a time, so one broken tag fails alone and the error names it.
// A tag's reported duration is its share of the batch's engine time plus
// its own write.

// maxPackedValues bounds a categorical field's values in a packed scan;
// beyond it a CASE per row costs more than the field's own scan.
const maxPackedValues = 4096

// An idSet collects the ids of one bitmap as they stream in. While the ids
// stay below denseLimit it sets bits in a plain bitset, which costs a
// nanosecond an id where adding to a roaring bitmap costs ten; the bitset
// becomes a bitmap at the end. An id beyond the limit (a sparse key space)
// turns it into a roaring bitmap fed in runs.
type idSet struct {
	dense  []uint64
	sparse *roaring.Bitmap
	buf    []uint32
}

// denseLimit bounds a bitset at 16 MiB.
const denseLimit = 1 << 27

// flushAt is how many ids a sparse set buffers before adding them.
const flushAt = 1 << 16

func (b *idSet) add(id uint32) {
	if b.sparse == nil && id < denseLimit {
		i := int(id >> 6)
		if i >= len(b.dense) {
			n := max(2*len(b.dense), i+1, 1024)
			b.dense = append(b.dense, make([]uint64, n-len(b.dense))...)
		}
		b.dense[i] |= 1 << (id & 63)
		return
	}
	if b.sparse == nil {
		b.sparse = roaring.FromDense(b.dense, true)
		b.dense = nil
	}
	b.buf = append(b.buf, id)
	if len(b.buf) >= flushAt {
		b.sparse.AddMany(b.buf)
		b.buf = b.buf[:0]
	}
}

func (b *idSet) done() *roaring.Bitmap {
	bm := b.sparse
	if bm == nil {
		bm = roaring.FromDense(b.dense, true)
		b.dense = nil
	} else {
		bm.AddMany(b.buf)
		b.buf = nil
	}
	bm.RunOptimize()
	return bm
}

// builtSets is what a batch computed for one tag.
type builtSets struct {
	sets map[string]*roaring.Bitmap
	asOf string
	err  error
}

// packedRows streams a packed query's rows: the key and its words.
func (m *Materializer) packedRows(ctx context.Context, q string, words int, fn func(id uint32, w []int64) error) error {
	key := new(any)
	ws := make([]int64, words)
	dest := []any{key}
	for i := range ws {
		dest = append(dest, &ws[i])
	}
	row := func(scan func(dest ...any) error) error {
		if err := scan(dest...); err != nil {
			return err
		}
		if *key == nil {
			return nil
		}
		id, err := audience.KeyID(*key)
		if err != nil {
			return err
		}
		return fn(id, ws)
	}
	if sc, ok := m.Engine.(rowScanner); ok {
		return engine.Clean(sc.Each(ctx, q, row))
	}
	res, err := m.Engine.Query(ctx, q)
	if err != nil {
		return engine.Clean(err)
	}
	for _, r := range res.Rows {
		err := row(func(dest ...any) error {
			*key = r[0]
			for i := range ws {
				ws[i] = toInt64(r[i+1])
			}
			return nil
		})
		if err != nil {
			return err
		}
	}
	return nil
}

// entityScan computes an entity's population and the sets of its boolean
// and categorical tags (defs) in one packed scan. Tags it could not pack
// (too many values) are left out of the result.
func (m *Materializer) entityScan(ctx context.Context, s *audience.Scope, defs []*audience.TagDef) (*roaring.Bitmap, map[string]builtSets, error) {
	tz := m.Project.Timezone
	var terms []*sqlgen.PackedTerm
	var packed []*audience.TagDef
	for _, d := range defs {
		if d.Kind == audience.KindBoolean {
			terms = append(terms, &sqlgen.PackedTerm{Pred: d.Where})
			packed = append(packed, d)
			continue
		}
		q, err := sqlgen.EntityDistinctValues(m.Dialect, s, d.Value, tz)
		if err != nil {
			return nil, nil, err
		}
		res, err := m.Engine.Query(ctx, q)
		if err != nil {
			return nil, nil, engine.Clean(err)
		}
		if len(res.Rows) > maxPackedValues {
			continue
		}
		vals := make([]string, 0, len(res.Rows))
		for _, r := range res.Rows {
			v, _ := r[0].(string)
			vals = append(vals, v)
		}
		terms = append(terms, &sqlgen.PackedTerm{Field: d.Value, Values: vals})
		packed = append(packed, d)
	}
	q, words, err := sqlgen.EntityPacked(m.Dialect, s, terms, tz)
	if err != nil {
		return nil, nil, err
	}
	var pop idSet
	bools := make([]idSet, len(terms))
	cats := make([][]idSet, len(terms))
	for i, t := range terms {
		if t.Field != "" {
			cats[i] = make([]idSet, len(t.Values))
		}
	}
	// The terms as flat arrays: the loop below runs once per entity and term.
	word, shift, mask, other := make([]int, len(terms)), make([]int, len(terms)), make([]int64, len(terms)), make([]int64, len(terms))
	for i, t := range terms {
		word[i], shift[i], mask[i], other[i] = t.Word, t.Shift, 1<<t.Bits-1, t.Other
		if t.Field == "" {
			other[i] = -1
		}
	}
	var late error
	err = m.packedRows(ctx, q, words, func(id uint32, w []int64) error {
		pop.add(id)
		for i := range word {
			c := w[word[i]] >> shift[i] & mask[i]
			switch {
			case c == 0:
			case other[i] < 0:
				bools[i].add(id)
			case c == other[i]:
				if late == nil {
					late = fmt.Errorf("tag %s: a value of %s appeared while the tag was built", packed[i].Tag.Name, terms[i].Field)
				}
			default:
				cats[i][c-1].add(id)
			}
		}
		return nil
	})
	if err != nil {
		return nil, nil, err
	}
	if late != nil {
		return nil, nil, late
	}
	out := map[string]builtSets{}
	for i, t := range terms {
		d := packed[i]
		if t.Field == "" {
			out[d.Tag.Name] = builtSets{sets: map[string]*roaring.Bitmap{"": bools[i].done()}}
			continue
		}
		sets := map[string]*roaring.Bitmap{}
		for j, v := range t.Values {
			if bm := cats[i][j].done(); !bm.IsEmpty() {
				sets[v] = bm
			}
		}
		out[d.Tag.Name] = builtSets{sets: sets}
	}
	return pop.done(), out, nil
}

// behaviourGroup computes the behaviour tags of one group (same GroupKey)
// from one aggregation at the fact's watermark. pop is the entity's
// population, needed by the tests that hold without facts.
func (m *Materializer) behaviourGroup(ctx context.Context, defs []*audience.TagDef, pop *roaring.Bitmap) (map[string]builtSets, error) {
	d := defs[0]
	lm := m.Catalog.Metrics[d.Tag.WhereMetric.Metric.Value]
	if lm == nil || lm.Fact == nil {
		return nil, fmt.Errorf("tag %s: metric %s is not a metric of one fact", d.Tag.Name, d.Tag.WhereMetric.Metric.Value)
	}
	needPop := false
	for _, o := range defs {
		if audience.HoldsWithoutFacts(m.Catalog, o) {
			needPop = true
		}
	}
	if needPop && pop == nil {
		return nil, fmt.Errorf("tag %s: the population of %s could not be built, and the tag holds entities without facts", d.Tag.Name, d.Scope.Entity.Name)
	}
	wq, err := sqlgen.FactWatermark(m.Dialect, m.Catalog, lm.Fact.Name())
	if err != nil {
		return nil, err
	}
	res, err := m.Engine.Query(ctx, wq)
	if err != nil {
		return nil, engine.Clean(err)
	}
	out := map[string]builtSets{}
	if len(res.Rows) != 1 || res.Rows[0][0] == nil {
		// No facts: every entity has the metric over nothing.
		for _, o := range defs {
			bm := roaring.New()
			if audience.HoldsWithoutFacts(m.Catalog, o) {
				bm = pop.Clone()
			}
			out[o.Tag.Name] = builtSets{sets: map[string]*roaring.Bitmap{"": bm}}
		}
		return out, nil
	}
	asOf := res.Rows[0][0].(string)
	p, _, err := audience.BehaviourPlan(m.Catalog, defs, asOf)
	if err != nil {
		return nil, err
	}
	inner, err := sqlgen.Generate(p, m.Dialect)
	if err != nil {
		return nil, err
	}
	tests := make([]sqlgen.MetricTest, len(defs))
	for i, o := range defs {
		wm := o.Tag.WhereMetric
		tests[i] = sqlgen.MetricTest{Metric: wm.Metric.Value, Op: wm.Op.Value, Value: wm.Value}
	}
	q, terms, words, err := sqlgen.PackedTests(m.Dialect, d.Scope, inner, p.Dims[0].Name, tests)
	if err != nil {
		return nil, err
	}
	var seen idSet
	hold := make([]idSet, len(defs))
	err = m.packedRows(ctx, q, words, func(id uint32, w []int64) error {
		seen.add(id)
		for i, t := range terms {
			if t.Code(w) != 0 {
				hold[i].add(id)
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	reached := seen.done()
	for i, o := range defs {
		bm := hold[i].done()
		if audience.HoldsWithoutFacts(m.Catalog, o) {
			bm.Or(roaring.AndNot(pop, reached))
		}
		out[o.Tag.Name] = builtSets{sets: map[string]*roaring.Bitmap{"": bm}, asOf: asOf}
	}
	return out, nil
}

// refreshBatched builds the tags of todo entity by entity, each entity's
// population first; see the comment on top.
func (m *Materializer) refreshBatched(ctx context.Context, todo []*audience.TagDef, progress func(TagResult)) []TagResult {
	var out []TagResult
	emit := func(r TagResult) {
		out = append(out, r)
		if progress != nil {
			progress(r)
		}
	}
	type entityTags struct {
		scope   *audience.Scope
		scanned []*audience.TagDef
		groups  [][]*audience.TagDef
	}
	var order []string
	byEntity := map[string]*entityTags{}
	for _, d := range todo {
		name := d.Scope.Entity.Name
		e := byEntity[name]
		if e == nil {
			e = &entityTags{scope: d.Scope}
			byEntity[name] = e
			order = append(order, name)
		}
		if d.Kind != audience.KindBehaviour {
			e.scanned = append(e.scanned, d)
			continue
		}
		placed := false
		for i, g := range e.groups {
			if g[0].GroupKey(m.Catalog) == d.GroupKey(m.Catalog) {
				e.groups[i], placed = append(g, d), true
				break
			}
		}
		if !placed {
			e.groups = append(e.groups, []*audience.TagDef{d})
		}
	}
	for _, name := range order {
		e := byEntity[name]
		if ctx.Err() != nil {
			break
		}
		var pop *roaring.Bitmap
		if err := e.scope.CheckKeyType(); err != nil {
			// Every build of this entity fails the same way; buildSets records it.
			pop = nil
		} else if err := m.syncKeys(ctx, e.scope); err != nil {
			// Without the new keys' ids nothing of the entity can be built.
			emit(m.writeSets(ctx, PopulationName(name), "population", e.scope, "", builtSets{err: err}, 0))
			for _, d := range e.scanned {
				emit(m.writeSets(ctx, d.Tag.Name, d.Kind, d.Scope, d.Hash, builtSets{err: err}, 0))
			}
			for _, g := range e.groups {
				for _, d := range g {
					emit(m.writeSets(ctx, d.Tag.Name, d.Kind, d.Scope, d.Hash, builtSets{err: err}, 0))
				}
			}
			continue
		} else {
			start := time.Now()
			p, sets, err := m.entityScan(ctx, e.scope, e.scanned)
			share := time.Since(start) / time.Duration(len(sets)+1)
			if err == nil {
				pop = p
				r := m.writeSets(ctx, PopulationName(name), "population", e.scope, "", builtSets{sets: map[string]*roaring.Bitmap{"": p}}, share)
				emit(r)
				if r.Err != nil {
					pop = nil
				}
				for _, d := range e.scanned {
					if bs, ok := sets[d.Tag.Name]; ok {
						emit(m.writeSets(ctx, d.Tag.Name, d.Kind, d.Scope, d.Hash, bs, share))
					} else {
						emit(m.buildTag(ctx, d))
					}
				}
			} else {
				r := m.buildPopulation(ctx, e.scope)
				emit(r)
				if r.Err == nil {
					pop, _ = m.readBitmap(ctx, PopulationName(name))
				}
				for _, d := range e.scanned {
					emit(m.buildTag(ctx, d))
				}
			}
		}
		for _, g := range e.groups {
			if ctx.Err() != nil {
				break
			}
			start := time.Now()
			sets, err := m.behaviourGroup(ctx, g, pop)
			share := time.Since(start) / time.Duration(len(g))
			for _, d := range g {
				if err == nil {
					emit(m.writeSets(ctx, d.Tag.Name, d.Kind, d.Scope, d.Hash, sets[d.Tag.Name], share))
					continue
				}
				if len(g) > 1 {
					// Alone, so that the error is this tag's own.
					start := time.Now()
					one, err1 := m.behaviourGroup(ctx, []*audience.TagDef{d}, pop)
					if err1 == nil {
						emit(m.writeSets(ctx, d.Tag.Name, d.Kind, d.Scope, d.Hash, one[d.Tag.Name], time.Since(start)))
						continue
					}
					err = err1
				}
				emit(m.writeSets(ctx, d.Tag.Name, d.Kind, d.Scope, d.Hash, builtSets{err: err}, 0))
			}
		}
	}
	return out
}

// writeSets stores sets computed by a batch as a tag version.
func (m *Materializer) writeSets(ctx context.Context, name, kind string, s *audience.Scope, hash string, bs builtSets, share time.Duration) TagResult {
	res := m.buildSets(ctx, name, kind, s, hash, func() (map[string]*roaring.Bitmap, string, error) {
		return bs.sets, bs.asOf, bs.err
	})
	res.Duration += share
	return res
}

// syncKeys gives the entity's new keys their ids when its key is text
// (sqlgen.KeyDictSync), before anything of the entity is built: every query
// of the build then finds each key's id in the dictionary.
func (m *Materializer) syncKeys(ctx context.Context, s *audience.Scope) error {
	if !s.Dictionary() {
		return nil
	}
	if err := m.Engine.Exec(ctx, sqlgen.KeyDictDDL(m.Dialect, s)); err != nil {
		return fmt.Errorf("entity %s: creating its key dictionary: %w", s.Entity.Name, engine.Clean(err))
	}
	if err := m.Engine.Exec(ctx, sqlgen.KeyDictSync(m.Dialect, s)); err != nil {
		return fmt.Errorf("entity %s: adding new keys to its key dictionary: %w", s.Entity.Name, engine.Clean(err))
	}
	return nil
}

// readBitmap reads the union of a tag version's bitmaps.
func (m *Materializer) readBitmap(ctx context.Context, name string) (*roaring.Bitmap, error) {
	st, err := m.tagStates(ctx)
	if err != nil {
		return nil, err
	}
	s, ok := st[name]
	if !ok || s.Table == "" {
		return nil, fmt.Errorf("tag %s is not built", name)
	}
	res, err := m.Engine.Query(ctx, sqlgen.TagTableRead(m.Dialect, s.Table))
	if err != nil {
		return nil, engine.Clean(err)
	}
	out := roaring.New()
	for _, r := range res.Rows {
		bm, err := DecodeTagBitmap(m.Dialect, r[1])
		if err != nil {
			return nil, fmt.Errorf("tag %s: a damaged bitmap: %w", name, err)
		}
		out.Or(bm)
	}
	return out, nil
}
