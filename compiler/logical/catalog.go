package logical

import (
	"fmt"
	"sort"
	"strings"

	"github.com/pingcap/tidb/pkg/parser/ast"

	"github.com/strata-metrics/strata/model"
)

// Catalog is the checked logical layer of a project.
type Catalog struct {
	Project *model.Project
	// Wide lists one wide table per fact, in declaration order.
	Wide    []*WideTable
	Metrics map[string]*Metric
	// fields maps every qualified field name to the fields of that name (one per
	// wide table that reaches it); bare maps a bare column name to qualified names.
	fields map[string][]*Field
	bare   map[string][]string
	wide   map[string]*WideTable
}

// WideTable is a fact's logical super-wide table.
type WideTable struct {
	Fact      *model.Table
	Instances []*Instance // the fact first, then in breadth-first order
	Fields    []*Field

	instances map[string]*Instance
	fields    map[string]*Field
}

// Name is the fact's name.
func (w *WideTable) Name() string { return w.Fact.Name }

// Instance returns the table instance with the alias, or nil.
func (w *WideTable) Instance(alias string) *Instance { return w.instances[alias] }

// Field returns the field with the qualified name, or nil.
func (w *WideTable) Field(name string) *Field { return w.fields[name] }

// Instance is a table as reached inside a wide table: under its own name, or
// under a role's name when the relationship that reached it has `as:`.
type Instance struct {
	Alias string
	Table *model.Table
	Role  bool
	Path  []Join // from the fact to this instance; empty for the fact itself
}

// Join is one LEFT JOIN along a path.
type Join struct {
	FromAlias, FromColumn string
	ToAlias, ToColumn     string
	Rel                   *model.Relationship
}

func (j Join) String() string {
	return j.FromAlias + "." + j.FromColumn + " -> " + j.ToAlias + "." + j.ToColumn
}

// PathString renders the instance's join path.
func (i *Instance) PathString() string {
	if len(i.Path) == 0 {
		return "(fact)"
	}
	parts := make([]string, len(i.Path))
	for k, j := range i.Path {
		parts[k] = j.String()
	}
	return strings.Join(parts, ", ")
}

// Field is one column of a wide table.
type Field struct {
	Name     string // alias.column
	Alias    string // the instance
	Column   string // the physical column; "" for a computed dimension
	Type     model.Type
	Computed ast.ExprNode // a computed dimension's expression, references qualified
	Dim      *model.Dimension
	Desc     string
}

// IsTime reports whether the field takes grains.
func (f *Field) IsTime() bool { return f.Type.IsTemporal() }

// Grains lists the grains the field supports.
func (f *Field) Grains() []string {
	if !f.IsTime() {
		return nil
	}
	if f.Type.Family() == model.FamDate {
		return model.Grains[1:]
	}
	return model.Grains
}

// Build expands the project into its catalog and checks every expression of the
// model against it. The project must have loaded without errors.
func Build(p *model.Project) (*Catalog, model.Diagnostics) {
	var diags model.Diagnostics
	c := &Catalog{Project: p, Metrics: map[string]*Metric{}, fields: map[string][]*Field{}, bare: map[string][]string{}, wide: map[string]*WideTable{}}
	edges := map[string][]model.Edge{}
	for _, e := range p.ForwardEdges() {
		edges[e.From.Table] = append(edges[e.From.Table], e)
	}
	for _, t := range p.Tables {
		if t.Kind != model.KindFact {
			continue
		}
		w := expand(p, t, edges, &diags)
		c.Wide = append(c.Wide, w)
		c.wide[t.Name] = w
	}
	for _, w := range c.Wide {
		for _, f := range w.Fields {
			if len(c.fields[f.Name]) == 0 {
				col := f.Name[strings.IndexByte(f.Name, '.')+1:]
				c.bare[col] = append(c.bare[col], f.Name)
			}
			c.fields[f.Name] = append(c.fields[f.Name], f)
		}
	}
	for k, v := range c.bare {
		sort.Strings(v)
		c.bare[k] = v
	}
	c.addComputed(&diags)
	c.buildMetrics(&diags)
	c.checkRollups(&diags)
	c.checkTags(&diags)
	c.checkAPIKeys(&diags)
	diags.Sort()
	return c, diags
}

// expand walks forward edges breadth-first from the fact.
func expand(p *model.Project, fact *model.Table, edges map[string][]model.Edge, diags *model.Diagnostics) *WideTable {
	w := &WideTable{Fact: fact, instances: map[string]*Instance{}, fields: map[string]*Field{}}
	root := &Instance{Alias: fact.Name, Table: fact}
	w.add(root)
	queue := []*Instance{root}
	for len(queue) > 0 {
		in := queue[0]
		queue = queue[1:]
		for _, e := range edges[in.Table.Name] {
			to := p.Table(e.To.Table)
			if to == nil || in.Table.Column(e.From.Column) == nil {
				continue
			}
			alias := to.Name
			if e.Rel.As.Value != "" {
				alias = e.Rel.As.Value
			}
			j := Join{FromAlias: in.Alias, FromColumn: e.From.Column, ToAlias: alias, ToColumn: e.To.Column, Rel: e.Rel}
			path := append(append([]Join{}, in.Path...), j)
			if prev := w.instances[alias]; prev != nil {
				if prev != root || alias != fact.Name {
					diags.Add(model.ErrAmbiguousPath(e.Rel.Pos, fact.Name, alias, prev.PathString(), (&Instance{Path: path}).PathString()))
				}
				continue
			}
			next := &Instance{Alias: alias, Table: to, Role: e.Rel.As.Value != "", Path: path}
			w.add(next)
			queue = append(queue, next)
		}
	}
	return w
}

func (w *WideTable) add(in *Instance) {
	w.Instances = append(w.Instances, in)
	w.instances[in.Alias] = in
	for _, col := range in.Table.Columns {
		f := &Field{Name: in.Alias + "." + col.Name, Alias: in.Alias, Column: col.Name, Type: col.Type, Desc: col.Description}
		w.Fields = append(w.Fields, f)
		w.fields[f.Name] = f
	}
}

// FieldNames lists every qualified field name in the catalog, sorted.
func (c *Catalog) FieldNames() []string { return model.SortedKeys(c.fields) }

// WideTable returns the fact's wide table, or nil.
func (c *Catalog) WideTable(fact string) *WideTable { return c.wide[fact] }

// ResolveError explains why a field name did not resolve.
type ResolveError struct {
	Code       string
	Msg        string
	Candidates []string
}

func (e *ResolveError) Error() string { return e.Msg }

// Resolve turns a field name as written — qualified, or bare when unique across
// the model — into its qualified name.
func (c *Catalog) Resolve(name string) (string, *ResolveError) {
	if _, ok := c.fields[name]; ok {
		return name, nil
	}
	if !strings.Contains(name, ".") {
		switch cands := c.bare[name]; len(cands) {
		case 0:
		case 1:
			return cands[0], nil
		default:
			return "", &ResolveError{Code: "ambiguous-field", Msg: fmt.Sprintf("field %q is ambiguous: it could be %s", name, strings.Join(cands, ", ")), Candidates: cands}
		}
	}
	return "", &ResolveError{Code: "unknown-field", Msg: fmt.Sprintf("unknown field %q%s", name, model.DidYouMean(name, c.FieldNames()))}
}

// Reaching lists the wide tables that hold the qualified field.
func (c *Catalog) Reaching(name string) []*WideTable {
	var out []*WideTable
	for _, w := range c.Wide {
		if w.fields[name] != nil {
			out = append(out, w)
		}
	}
	return out
}

// AnyField returns the field's definition as seen from any wide table.
func (c *Catalog) AnyField(name string) *Field {
	if fs := c.fields[name]; len(fs) > 0 {
		return fs[0]
	}
	return nil
}
