package compiler

import (
	"github.com/strata-metrics/strata/compiler/logical"
	"github.com/strata-metrics/strata/compiler/plan"
	"github.com/strata-metrics/strata/compiler/sqlgen"
	"github.com/strata-metrics/strata/model"
)

// Check builds the logical layer of a loaded project and checks every
// expression in it. It is the second phase after model.Load.
func Check(p *model.Project) (*logical.Catalog, model.Diagnostics) { return logical.Build(p) }

// Compiled is a planned query and its SQL for one dialect.
type Compiled struct {
	Plan *plan.Plan
	SQL  string
}

// Compile plans a query on the raw wide tables and renders it. Rollup rewrite
// is a separate phase (compiler/rewrite) between the two for callers that know
// the rollups' state.
func Compile(cat *logical.Catalog, q *plan.Query, d sqlgen.Dialect) (*Compiled, error) {
	p, err := plan.Build(cat, q)
	if err != nil {
		return nil, err
	}
	s, gerr := sqlgen.Generate(p, d)
	if gerr != nil {
		return nil, gerr
	}
	return &Compiled{Plan: p, SQL: s}, nil
}
