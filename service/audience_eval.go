package service

import (
	"context"
	"fmt"
	"sort"
	"sync"
	"time"

	"github.com/RoaringBitmap/roaring/v2"

	aud "github.com/strata-metrics/strata/compiler/audience"
	"github.com/strata-metrics/strata/compiler/plan"
	"github.com/strata-metrics/strata/compiler/sqlgen"
	"github.com/strata-metrics/strata/materializer"
	"github.com/strata-metrics/strata/model"
)

// AudienceError is a problem with a request, located in one of its fields ("expr",
// "overlap.hv", "profile[1]") and, inside an expression, at a byte offset.
type AudienceError struct {
	Field  string `json:"field"`
	Offset int    `json:"offset,omitempty"`
	Code   string `json:"code"`
	Msg    string `json:"message"`
}

func (e *AudienceError) Error() string { return e.Field + ": " + e.Msg }

// TagUse says which version of a tag an answer read, and whether it is
// within its freshness SLA.
type TagUse struct {
	Name    string    `json:"name"`
	AsOf    string    `json:"as_of"`
	BuiltAt time.Time `json:"built_at"`
	Stale   bool      `json:"stale"`
	Reason  string    `json:"reason,omitempty"`
}

// Audiences evaluates audiences over one warehouse. It is safe for concurrent use.
type Audiences struct {
	w    *Project
	defs map[string]*aud.TagDef
	now  func() time.Time
	// roaringOnly turns dense evaluation off (tests compare the two).
	roaringOnly bool

	mu        sync.Mutex
	stateRows map[string]materializer.TagState
	stateRead time.Time
	versions  map[string]*version   // by version table
	current   map[string]string     // tag (or population) name → its cached version table
	dims      map[string]*valueSets // by field
	scopes    map[string]*scopedSet // by entity and key scope
}

// version is one loaded tag version: its bitmaps by value ("" for a
// boolean tag) and their union.
type version struct {
	sets  map[string]*roaring.Bitmap
	union *roaring.Bitmap
	// dense holds bitsets of its bitmaps from word denseBase on, made on
	// first use (audience_dense.go); under Audiences.mu.
	dense     map[*roaring.Bitmap][]uint64
	denseBase int
}

// valueSets splits the population by a field's values; null holds the
// entities where it is NULL.
type valueSets struct {
	popTab string // the population version it was split from
	values []string
	sets   map[string]*roaring.Bitmap
	null   *roaring.Bitmap
}

// New returns a service over the warehouse's tags.
func NewAudiences(p *Project) (*Audiences, error) {
	defs, err := aud.Definitions(p.Catalog)
	if err != nil {
		return nil, err
	}
	s := &Audiences{w: p, defs: map[string]*aud.TagDef{}, now: time.Now,
		versions: map[string]*version{}, current: map[string]string{}, dims: map[string]*valueSets{}, scopes: map[string]*scopedSet{}}
	for _, d := range defs {
		s.defs[d.Tag.Name] = d
	}
	return s, nil
}

// snapshot is what one request reads: the state rows and the loaded versions.
type snapshot struct {
	s      *Audiences
	states map[string]materializer.TagState
	pop    *roaring.Bitmap // the population, within the key's scope
	full   *roaring.Bitmap // the whole population, for what is cached across keys
	popTab string
	popV   *version // the population's version, which caches its bitsets
	entity *aud.Scope
	used   map[string]TagUse
	// predWords are the request's predicates as bitsets, for dense evaluation.
	predWords map[*aud.Predicate][]uint64
}

func (s *Audiences) snapshot(ctx context.Context, scope *aud.Scope, key *plan.Scope) (*snapshot, error) {
	states, err := s.states(ctx)
	if err != nil {
		return nil, err
	}
	sn := &snapshot{s: s, states: states, entity: scope, used: map[string]TagUse{}}
	pname := materializer.PopulationName(scope.Entity.Name)
	st := states[pname]
	if st.Table == "" {
		return nil, &AudienceError{Field: "expr", Code: "tags-not-built", Msg: fmt.Sprintf("the tags of %s have not been built; run `strata refresh`", scope.Entity.Name)}
	}
	v, err := s.load(ctx, pname, st.Table)
	if err != nil {
		return nil, err
	}
	sn.pop, sn.full, sn.popTab, sn.popV = v.union, v.union, st.Table, v
	if err := sn.restrict(ctx, key); err != nil {
		return nil, err
	}
	return sn, nil
}

// StateTTL is how long the tag store's state rows are reused between
// requests: a rebuilt tag is answered from at most this long after its swap,
// and a request in between costs no engine round trip.
const StateTTL = time.Second

func (s *Audiences) states(ctx context.Context) (map[string]materializer.TagState, error) {
	s.mu.Lock()
	if s.stateRows != nil && s.now().Sub(s.stateRead) < StateTTL {
		st := s.stateRows
		s.mu.Unlock()
		return st, nil
	}
	s.mu.Unlock()
	st, err := materializer.ReadTagStates(ctx, s.w.Engine, s.w.Dialect)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	s.stateRows, s.stateRead = st, s.now()
	s.mu.Unlock()
	return st, nil
}

// Forget drops the cached state rows, so that the next request sees builds
// made since (the builder calls it after a refresh in the same process).
func (s *Audiences) Forget() {
	s.mu.Lock()
	s.stateRows = nil
	s.mu.Unlock()
}

// load returns a version, reading it from the engine the first time.
func (s *Audiences) load(ctx context.Context, name, table string) (*version, error) {
	s.mu.Lock()
	if v, ok := s.versions[table]; ok {
		s.mu.Unlock()
		return v, nil
	}
	s.mu.Unlock()
	res, err := s.w.Engine.Query(ctx, sqlgen.TagTableRead(s.w.Dialect, table))
	if err != nil {
		return nil, fmt.Errorf("tag %s: reading version %s: %w", name, table, err)
	}
	v := &version{sets: map[string]*roaring.Bitmap{}}
	var all []*roaring.Bitmap
	for _, row := range res.Rows {
		value, _ := row[0].(string)
		if b, ok := row[0].([]byte); ok {
			value = string(b)
		}
		bm, err := materializer.DecodeTagBitmap(s.w.Dialect, row[1])
		if err != nil {
			return nil, fmt.Errorf("tag %s: version %s holds a damaged bitmap: %w", name, table, err)
		}
		v.sets[value] = bm
		all = append(all, bm)
	}
	v.union = roaring.FastOr(all...)
	s.mu.Lock()
	defer s.mu.Unlock()
	if old, ok := s.current[name]; ok && old != table {
		delete(s.versions, old)
	}
	s.versions[table], s.current[name] = v, table
	return v, nil
}

// tag loads a tag for the request and records the version used.
func (sn *snapshot) tag(ctx context.Context, t *model.Tag) (*version, error) {
	st := sn.states[t.Name]
	if st.Table == "" {
		msg := fmt.Sprintf("tag %s has not been built; run `strata refresh %s`", t.Name, t.Name)
		if st.LastError != "" {
			msg = fmt.Sprintf("tag %s has no good version: its last build failed: %s", t.Name, st.LastError)
		}
		return nil, &AudienceError{Field: "expr", Code: "tag-not-built", Msg: msg}
	}
	if _, ok := sn.used[t.Name]; !ok {
		use := TagUse{Name: t.Name, AsOf: st.AsOf, BuiltAt: st.BuiltAt}
		def := sn.s.defs[t.Name]
		switch age := sn.s.now().Sub(st.BuiltAt); {
		case def != nil && st.Hash != def.Hash:
			use.Stale, use.Reason = true, "its definition changed since the build; run `strata refresh "+t.Name+"`"
		case st.LastError != "":
			use.Stale, use.Reason = true, "its last build failed ("+st.LastError+"); the previous version is used"
		case t.Freshness > 0 && age > t.Freshness:
			use.Stale, use.Reason = true, fmt.Sprintf("built %s ago, beyond its freshness SLA of %s", age.Round(time.Second), t.Freshness)
		}
		sn.used[t.Name] = use
	}
	return sn.s.load(ctx, t.Name, st.Table)
}

// uses lists the tag versions read, by name.
func (sn *snapshot) uses() []TagUse {
	out := make([]TagUse, 0, len(sn.used))
	for _, u := range sn.used {
		out = append(out, u)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// predicates evaluates every predicate of the audiences in one engine scan.
func (sn *snapshot) predicates(ctx context.Context, auds []*aud.Audience) (map[*aud.Predicate]*roaring.Bitmap, error) {
	out := map[*aud.Predicate]*roaring.Bitmap{}
	var preds []*aud.Predicate
	for _, a := range auds {
		preds = append(preds, a.Predicates...)
	}
	if len(preds) == 0 {
		return out, nil
	}
	w := sn.s.w
	q, err := sqlgen.EntityPredicates(w.Dialect, sn.entity, exprs(preds), w.Project.Timezone)
	if err != nil {
		return nil, err
	}
	res, err := w.Engine.Query(ctx, q)
	if err != nil {
		return nil, fmt.Errorf("evaluating the audience's predicates: %w", err)
	}
	ids := make([][]uint32, len(preds))
	for _, row := range res.Rows {
		id, err := aud.KeyID(row[0])
		if err != nil {
			return nil, err
		}
		for i := range preds {
			if truthy(row[i+1]) {
				ids[i] = append(ids[i], id)
			}
		}
	}
	for i, p := range preds {
		bm := roaring.BitmapOf(ids[i]...)
		bm.And(sn.pop)
		out[p] = bm
	}
	return out, nil
}

// eval computes an audience's members: the members of the expression within
// the population (which a key's scope may have narrowed).
//
// The population is applied once, at the end: restricting to it commutes
// with AND and OR, and NOT is taken within it, so the inner nodes work on the
// tag bitmaps as stored. Inside an AND, a NOT term is removed from the
// running intersection in place (A AND NOT B = A \ B) rather than
// materialising its complement, which at millions of members is most of the
// work.
//
// Over a dense population the same is computed on bitsets (audience_dense.go).
func (sn *snapshot) eval(ctx context.Context, n aud.Node, preds map[*aud.Predicate]*roaring.Bitmap) (*memberSet, error) {
	if tree, pop, base, err := sn.dense(ctx, n, preds); err != nil || tree != nil {
		if err != nil {
			return nil, err
		}
		return denseEval(tree, pop, base), nil
	}
	bm, err := sn.evalNode(ctx, n, preds)
	if err != nil {
		return nil, err
	}
	return roaringMembers(roaring.And(bm, sn.pop)), nil
}

// overlap counts an audience and its overlap with members (evaluated by
// eval), keeping no members of its own where it can.
func (sn *snapshot) overlap(ctx context.Context, n aud.Node, preds map[*aud.Predicate]*roaring.Bitmap, members *memberSet) (size, both uint64, err error) {
	tree, pop, base, err := sn.dense(ctx, n, preds)
	if err != nil {
		return 0, 0, err
	}
	if tree != nil && members.words != nil && members.base == base && len(members.words) == len(pop) {
		size, both = denseCount(tree, pop, members)
		return size, both, nil
	}
	o, err := sn.eval(ctx, n, preds)
	if err != nil {
		return 0, 0, err
	}
	return o.card, members.andCardinality(o), nil
}

// dense resolves a node for dense evaluation, with the population's bitset
// and its first word; a nil tree when the population is not dense.
func (sn *snapshot) dense(ctx context.Context, n aud.Node, preds map[*aud.Predicate]*roaring.Bitmap) (*denseNode, []uint64, int, error) {
	f, ok := sn.s.denseFrame(sn.pop)
	if !ok {
		return nil, nil, 0, nil
	}
	if sn.predWords == nil {
		sn.predWords = map[*aud.Predicate][]uint64{}
	}
	tree, err := sn.denseTree(ctx, n, f.base, preds, sn.predWords)
	if err != nil {
		return nil, nil, 0, err
	}
	// The population's bitset, cached with its version (a key's scope is
	// one of its bitmaps too, cached per population version).
	return tree, sn.s.words(sn.popV, sn.pop, f.base), f.base, nil
}

// evalNode computes a node's members, possibly outside the population; the
// result may be a stored bitmap, never to be modified.
func (sn *snapshot) evalNode(ctx context.Context, n aud.Node, preds map[*aud.Predicate]*roaring.Bitmap) (*roaring.Bitmap, error) {
	switch x := n.(type) {
	case aud.And:
		var pos, neg []*roaring.Bitmap
		for _, t := range x.Terms {
			if nt, ok := t.(aud.Not); ok {
				inner, err := sn.evalNode(ctx, nt.X, preds)
				if err != nil {
					return nil, err
				}
				neg = append(neg, inner)
				continue
			}
			bm, err := sn.evalNode(ctx, t, preds)
			if err != nil {
				return nil, err
			}
			pos = append(pos, bm)
		}
		var acc *roaring.Bitmap
		switch len(pos) {
		case 0:
			acc = sn.pop.Clone()
		case 1:
			acc = pos[0].Clone()
		default:
			acc = roaring.FastAnd(pos...)
		}
		for _, bm := range neg {
			acc.AndNot(bm)
		}
		return acc, nil
	case aud.Or:
		sets, err := sn.evalAll(ctx, x.Terms, preds)
		if err != nil {
			return nil, err
		}
		return roaring.FastOr(sets...), nil
	case aud.Not:
		inner, err := sn.evalNode(ctx, x.X, preds)
		if err != nil {
			return nil, err
		}
		return roaring.AndNot(sn.pop, inner), nil
	case *aud.TagSet:
		v, err := sn.tag(ctx, x.Tag)
		if err != nil {
			return nil, err
		}
		if x.Values == nil {
			return v.union, nil
		}
		var sets []*roaring.Bitmap
		for _, val := range x.Values {
			if bm, ok := v.sets[val]; ok {
				sets = append(sets, bm)
			}
		}
		return roaring.FastOr(sets...), nil
	case *aud.Predicate:
		return preds[x], nil
	}
	return nil, fmt.Errorf("internal: audience node %T", n)
}

func (sn *snapshot) evalAll(ctx context.Context, ns []aud.Node, preds map[*aud.Predicate]*roaring.Bitmap) ([]*roaring.Bitmap, error) {
	out := make([]*roaring.Bitmap, len(ns))
	for i, n := range ns {
		bm, err := sn.evalNode(ctx, n, preds)
		if err != nil {
			return nil, err
		}
		out[i] = bm
	}
	return out, nil
}

// truthy reads a boolean column: a bool, or on MySQL an integer.
func truthy(v any) bool {
	switch x := v.(type) {
	case bool:
		return x
	case int64:
		return x != 0
	}
	return false
}
