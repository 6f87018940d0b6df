package cli

import (
	"fmt"

	"github.com/strata-metrics/strata/compiler/logical"
	"github.com/strata-metrics/strata/compiler/rollup"
	"github.com/strata-metrics/strata/compiler/sqlgen"
	"github.com/strata-metrics/strata/model"
)

// olapDiags reports, for a project on StarRocks or Doris, each rollup
// metric counting distinct non-integer values: those engines' exact sets
// (BITMAP) hold integers only, so the refresh would refuse the rollup.
func olapDiags(p *model.Project, cat *logical.Catalog, diags *model.Diagnostics) {
	if cat == nil || diags.HasErrors() {
		return
	}
	for _, r := range rollup.Definitions(cat) {
		if r.Def == nil {
			continue
		}
		for _, name := range sqlgen.OLAPInexactDistinct(p.Engine.Type, r) {
			pos := r.Def.Pos
			for _, s := range r.Def.Metrics {
				if s.Value == name {
					pos = s.Pos
				}
			}
			diags.Add(&model.Diagnostic{Pos: pos, Severity: model.SevError, Code: "engine-unsupported", Field: name,
				Message: fmt.Sprintf("rollup %s: metric %s counts distinct values of a non-integer field, which a %s rollup cannot keep exactly (its BITMAP columns hold integers; bitmap_hash would count two values sharing a 32-bit hash once); count an integer key instead, or leave %s out of the rollup", r.Name, name, p.Engine.Type, name)})
		}
	}
}
