package compiler

import (
	"github.com/strata-metrics/strata/compiler/logical"
	"github.com/strata-metrics/strata/compiler/plan"
	"github.com/strata-metrics/strata/compiler/rewrite"
	"github.com/strata-metrics/strata/compiler/sqlgen"
	"github.com/strata-metrics/strata/model"
)

// Check builds the logical layer of a loaded project and checks every
// expression in it. It is the second phase after model.Load.
func Check(p *model.Project) (*logical.Catalog, model.Diagnostics) { return logical.Build(p) }

// Compiled is a planned query, the rewrite's verdict on every rollup, and
// the SQL for one dialect.
type Compiled struct {
	// Plan is the plan the SQL renders: after the rewrite, when there was one.
	Plan      *plan.Plan
	Decisions []rewrite.Decision
	SQL       string
}

// Compile is the query pipeline every caller uses — the CLI's compile, query
// and explain, the DataAPI, the tests:
//
//	plan.Build (resolve and check the query on the wide tables)
//	→ rewrite.Apply (move parts onto rollups, recording every verdict)
//	→ sqlgen.Generate (one statement in the dialect)
//
// rollups holds the rollups' definitions and built state; nil plans on the raw
// tables alone and records no verdicts (`strata compile` without an engine).
func Compile(cat *logical.Catalog, q *plan.Query, rollups *rewrite.Input, d sqlgen.Dialect) (*Compiled, error) {
	p, perr := plan.Build(cat, q)
	if perr != nil {
		return nil, perr
	}
	var decisions []rewrite.Decision
	if rollups != nil {
		p, decisions = rewrite.Apply(p, *rollups)
	}
	s, err := sqlgen.Generate(p, d)
	if err != nil {
		return nil, err
	}
	return &Compiled{Plan: p, Decisions: decisions, SQL: s}, nil
}
