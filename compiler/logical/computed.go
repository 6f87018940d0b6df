package logical

import (
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
			tbl, name := col.Name.Table.O, col.Name.Name.O
			if col.Name.Schema.O != "" || (tbl != "" && tbl != t.Name) {
				diags.Add(model.ErrExpr(expr.Pos(d.Expr, expr.NodeOffset(col)), "unknown-field",
					"dimension %s may only use columns of table %q, not %q", d.Name, t.Name, expr.Name(col.Name)))
				ok = false
				continue
			}
			if t.Column(name) == nil {
				diags.Add(model.ErrUnknownColumn(expr.Pos(d.Expr, expr.NodeOffset(col)), t.Name, name, columnNames(t)))
				ok = false
			}
		}
		if !ok {
			continue
		}
		own := func(col *ast.ColumnName) (model.Type, bool) {
			if cl := t.Column(col.Name.O); cl != nil {
				return cl.Type, true
			}
			return model.Type{}, false
		}
		if !addExprErrors(d.Expr, expr.TypeCheck(node, what, own, false), diags) {
			continue
		}
		typ := d.Type
		if typ.Base == "" {
			typ = InferType(node, func(col *ast.ColumnName) model.Type {
				return t.Column(col.Name.O).Type
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
