package service

import (
	"context"
	"fmt"
	"sort"

	"github.com/RoaringBitmap/roaring/v2"

	aud "github.com/strata-metrics/strata/compiler/audience"
	"github.com/strata-metrics/strata/compiler/sqlgen"
)

// ProfileDim is an audience's distribution over one dimension beside the
// population's.
type ProfileDim struct {
	Field  string         `json:"field"`
	Values []ProfileValue `json:"values"`
}

// ProfileValue is one value of a profile dimension (nil: NULL). Index is the
// audience's share ÷ the population's share: above 1 the value is
// over-represented in the audience.
type ProfileValue struct {
	Value           *string `json:"value"`
	Count           uint64  `json:"count"`
	Share           float64 `json:"share"`
	PopulationCount uint64  `json:"population_count"`
	PopulationShare float64 `json:"population_share"`
	Index           float64 `json:"index"`
}

// Saturation is the share of the audience holding a tag (or a categorical
// tag's value).
type Saturation struct {
	Tag   string  `json:"tag"`
	Value *string `json:"value,omitempty"`
	Count uint64  `json:"count"`
	Share float64 `json:"share"`
}

// values loads the split of the population by a field, cached per
// population version.
func (sn *snapshot) values(ctx context.Context, field string) (*valueSets, error) {
	s := sn.s
	s.mu.Lock()
	vs, ok := s.dims[field]
	s.mu.Unlock()
	if ok && vs.popTab == sn.popTab {
		return vs, nil
	}
	q, err := sqlgen.EntityValues(s.w.Dialect, sn.entity, field, false, s.w.Project.Timezone)
	if err != nil {
		return nil, err
	}
	res, err := s.w.Engine.Query(ctx, q)
	if err != nil {
		return nil, fmt.Errorf("profile %s: %w", field, err)
	}
	ids := map[string][]uint32{}
	var nulls []uint32
	for _, row := range res.Rows {
		id, err := aud.KeyID(row[0])
		if err != nil {
			return nil, err
		}
		if v, ok := row[1].(string); ok {
			ids[v] = append(ids[v], id)
		} else {
			nulls = append(nulls, id)
		}
	}
	vs = &valueSets{popTab: sn.popTab, sets: map[string]*roaring.Bitmap{}}
	for v, list := range ids {
		bm := roaring.BitmapOf(list...)
		bm.And(sn.full)
		bm.RunOptimize()
		vs.sets[v] = bm
		vs.values = append(vs.values, v)
	}
	sort.Strings(vs.values)
	vs.null = roaring.BitmapOf(nulls...)
	vs.null.And(sn.full)
	s.mu.Lock()
	s.dims[field] = vs
	s.mu.Unlock()
	return vs, nil
}

func (sn *snapshot) profile(ctx context.Context, at, name string, members *roaring.Bitmap) (*ProfileDim, error) {
	f, err := sn.entity.ResolveField(sn.s.w.Catalog, name)
	if err != nil {
		return nil, &AudienceError{Field: at, Code: "unknown-field", Msg: err.Error()}
	}
	vs, err := sn.values(ctx, f.Name)
	if err != nil {
		return nil, err
	}
	size, pop := members.GetCardinality(), sn.pop.GetCardinality()
	out := &ProfileDim{Field: f.Name}
	add := func(v *string, set *roaring.Bitmap) {
		pc := set.AndCardinality(sn.pop) // within a key's scope, when it has one
		if pc == 0 {
			return
		}
		c := members.AndCardinality(set)
		pv := ProfileValue{Value: v, Count: c, Share: ratio(c, size), PopulationCount: pc, PopulationShare: ratio(pc, pop)}
		if pv.PopulationShare > 0 {
			pv.Index = pv.Share / pv.PopulationShare
		}
		out.Values = append(out.Values, pv)
	}
	for _, v := range vs.values {
		v := v
		add(&v, vs.sets[v])
	}
	add(nil, vs.null)
	return out, nil
}

// saturation measures every tag of the audience's entity.
func (sn *snapshot) saturation(ctx context.Context, members *roaring.Bitmap) ([]Saturation, error) {
	var out []Saturation
	size := members.GetCardinality()
	for _, t := range sn.s.w.Project.Tags {
		if t.Entity.Value != sn.entity.Entity.Name {
			continue
		}
		v, err := sn.tag(ctx, t)
		if err != nil {
			return nil, err
		}
		if !aud.IsCategorical(t) {
			c := members.AndCardinality(v.union)
			out = append(out, Saturation{Tag: t.Name, Count: c, Share: ratio(c, size)})
			continue
		}
		vals := make([]string, 0, len(v.sets))
		for val := range v.sets {
			vals = append(vals, val)
		}
		sort.Strings(vals)
		for _, val := range vals {
			val := val
			c := members.AndCardinality(v.sets[val])
			out = append(out, Saturation{Tag: t.Name, Value: &val, Count: c, Share: ratio(c, size)})
		}
	}
	return out, nil
}
