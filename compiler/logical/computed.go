package logical

import (
	"fmt"
	"slices"
	"strings"

	"github.com/pingcap/tidb/pkg/parser/ast"

	"github.com/strata-metrics/strata/compiler/expr"
	"github.com/strata-metrics/strata/model"
)

// Computed dimensions belong to a table; every instance of that table in every
// wide table gets the field (`customers.age_band`, or `role.age_band` under a
// role). The expression is checked once, against the table's own columns.
func (c *Catalog) addComputed(diags *model.Diagnostics) {
	for _, d := range c.Project.Dimensions {
		t := c.Project.Table(d.Table)
		if t == nil {
			continue
		}
		node, diag := expr.ParseModel(d.Expr)
		if diag != nil {
			diags.Add(diag)
			continue
		}
		what := "a dimension"
		ok := addExprErrors(d.Expr, expr.Check(node, what), diags)
		for _, col := range expr.Columns(node) {
			if msg, bad := computedRef(t, col.Name); bad {
				diags.Add(model.ErrExpr(expr.Pos(d.Expr, expr.NodeOffset(col)), "unknown-field", "dimension %s %s", d.Name, msg))
				ok = false
				continue
			}
			if name, grain := ComputedColumn(col.Name); t.Column(name) == nil {
				diags.Add(model.ErrUnknownColumn(expr.Pos(d.Expr, expr.NodeOffset(col)), t.Name, name, columnNames(t)))
				ok = false
			} else if grain != "" {
				f := &Field{Type: t.Column(name).Type}
				if !f.IsTime() {
					diags.Add(model.ErrExpr(expr.Pos(d.Expr, expr.NodeOffset(col)), "bad-grain", "%s is %s and has no grains; only date and timestamp columns do", name, f.Type))
					ok = false
				} else if !slices.Contains(f.Grains(), grain) {
					diags.Add(model.ErrExpr(expr.Pos(d.Expr, expr.NodeOffset(col)), "bad-grain", "%s is a date and has no %s grain (grains: %s)", name, grain, strings.Join(f.Grains(), ", ")))
					ok = false
				}
			}
		}
		if !ok {
			continue
		}
		own := func(col *ast.ColumnName) (model.Type, bool) {
			name, grain := ComputedColumn(col)
			if cl := t.Column(name); cl != nil {
				return GrainType(cl.Type, grain), true
			}
			return model.Type{}, false
		}
		if !addExprErrors(d.Expr, expr.TypeCheck(node, what, own, false), diags) {
			continue
		}
		if !addExprErrors(d.Expr, GrainLabels(node, func(c *ast.ColumnName) string { _, g := ComputedColumn(c); return g }), diags) {
			continue
		}
		typ := d.Type
		if typ.Base == "" {
			typ = InferType(node, func(col *ast.ColumnName) model.Type {
				name, grain := ComputedColumn(col)
				return GrainType(t.Column(name).Type, grain)
			})
		}
		for _, w := range c.Wide {
			for _, in := range w.Instances {
				if in.Table != t {
					continue
				}
				f := &Field{Name: in.Alias + "." + d.Field, Alias: in.Alias, Type: typ, Computed: node, Dim: d, Desc: d.Description}
				w.Fields = append(w.Fields, f)
				w.fields[f.Name] = f
				if len(c.fields[f.Name]) == 0 {
					c.bare[d.Field] = append(c.bare[d.Field], f.Name)
				}
				c.fields[f.Name] = append(c.fields[f.Name], f)
			}
		}
	}
}

// computedRef reads a column reference of a computed dimension of table t:
// column, t.column, column.grain or t.column.grain (customers.birth_date.year).
// A grain reference is kept as t.column.grain in the reference's three parts,
// which ComputedColumn reads back; the others stay as written. It reports
// what is wrong with a reference to another table.
func computedRef(t *model.Table, col *ast.ColumnName) (string, bool) {
	schema, tbl, name := col.Schema.O, col.Table.O, col.Name.O
	isGrain := slices.Contains(model.Grains, name)
	switch {
	case schema != "":
		if schema != t.Name || !isGrain {
			return fmt.Sprintf("may only use columns of table %q (optionally at a grain), not %q", t.Name, expr.Name(col)), true
		}
	case tbl != "" && tbl != t.Name:
		if !isGrain || t.Column(tbl) == nil {
			return fmt.Sprintf("may only use columns of table %q, not %q", t.Name, expr.Name(col)), true
		}
		col.Schema = ast.NewCIStr(t.Name)
	}
	return "", false
}

// ComputedColumn reads a computed dimension's column reference: the column
// of its table and the grain it is read at ("" for the column itself).
func ComputedColumn(col *ast.ColumnName) (column, grain string) {
	if col.Schema.O != "" {
		return col.Table.O, col.Name.O
	}
	return col.Name.O, ""
}

func columnNames(t *model.Table) []string {
	out := make([]string, len(t.Columns))
	for i, c := range t.Columns {
		out[i] = c.Name
	}
	return out
}

// addExprErrors records expression errors at their file positions and reports
// whether there were none.
func addExprErrors(e model.Expr, errs []*expr.Error, diags *model.Diagnostics) bool {
	for _, err := range errs {
		diags.Add(model.ErrExpr(expr.Pos(e, err.Offset), err.Code, "%s", err.Msg))
	}
	return len(errs) == 0
}
