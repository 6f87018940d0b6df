package service

import (
	"context"

	"github.com/strata-metrics/strata/materializer"
)

// SetRoaringOnly turns dense audience evaluation off (on: false), so that a
// test can compare the two evaluations on the same tags.
func (s *Audiences) SetRoaringOnly(on bool) { s.roaringOnly = on }

// EvaluatesDense says whether the entity's audiences are evaluated on bitsets.
func (s *Audiences) EvaluatesDense(entity string) bool {
	st, err := s.states(context.Background())
	if err != nil {
		return false
	}
	name := materializer.PopulationName(entity)
	v, err := s.load(context.Background(), name, st[name].Table)
	if err != nil {
		return false
	}
	_, ok := s.denseFrame(v.union)
	return ok
}
