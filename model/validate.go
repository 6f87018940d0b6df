package model

import (
	"fmt"
	"sort"
)

// validate runs the checks that need no expression parsing, and builds the
// project's name indexes. It records every problem in diags.
func validate(p *Project, diags *Diagnostics) {
	checkEngine(p, diags)
	checkTables(p, diags)
	checkRelationships(p, diags)
	checkDimensions(p, diags)
	checkMetrics(p, diags)
	checkRollups(p, diags)
	checkTags(p, diags)
}

func checkTables(p *Project, diags *Diagnostics) {
	p.tables = map[string]*Table{}
	for _, t := range p.Tables {
		if first, dup := p.tables[t.Name]; dup {
			diags.Add(ErrDuplicateName(t.Pos, "table", t.Name, first.Pos))
			continue
		}
		p.tables[t.Name] = t
		t.columns = map[string]*Column{}
		for _, c := range t.Columns {
			if first, dup := t.columns[c.Name]; dup {
				diags.Add(ErrDuplicateName(c.Pos, "column", t.Name+"."+c.Name, first.Pos))
				continue
			}
			t.columns[c.Name] = c
		}
		if len(t.Columns) == 0 {
			continue // missing or malformed columns are reported already; do not cascade
		}
		cols := columnNames(t)
		for _, k := range t.PrimaryKey {
			if t.columns[k.Value] == nil {
				diags.Add(ErrUnknownColumn(k.Pos, t.Name, k.Value, cols))
			}
		}
		if t.Time.Value != "" {
			c := t.columns[t.Time.Value]
			switch {
			case c == nil:
				diags.Add(ErrUnknownColumn(t.Time.Pos, t.Name, t.Time.Value, cols))
			case !c.Type.IsTemporal():
				diags.Add(ErrInvalid(t.Time.Pos, "time", fmt.Sprintf("column %q is %s; a time column must be a date or timestamp", c.Name, c.Type)))
			}
		}
		if t.Kind == KindDimension && t.Time.Value != "" {
			diags.Add(ErrInvalid(t.Time.Pos, "time", "only facts have a default time column"))
		}
	}
}

func columnNames(t *Table) []string {
	out := make([]string, len(t.Columns))
	for i, c := range t.Columns {
		out[i] = c.Name
	}
	return out
}

// resolveRef checks that a table.column reference exists and returns its column.
func resolveRef(p *Project, r FieldRef, diags *Diagnostics) *Column {
	t := p.tables[r.Table]
	if t == nil {
		diags.Add(ErrUnknownTable(r.Pos, r.Table, p.TableNames()))
		return nil
	}
	c := t.columns[r.Column]
	if c == nil {
		diags.Add(ErrUnknownColumn(r.Pos, r.Table, r.Column, columnNames(t)))
	}
	return c
}

func checkRelationships(p *Project, diags *Diagnostics) {
	roles := map[string]Pos{}
	for _, r := range p.Relationships {
		from := resolveRef(p, r.From, diags)
		to := resolveRef(p, r.To, diags)
		if r.As.Value != "" {
			if first, dup := roles[r.As.Value]; dup {
				diags.Add(ErrDuplicateName(r.As.Pos, "role", r.As.Value, first))
			} else if t := p.tables[r.As.Value]; t != nil {
				diags.Add(ErrNameClash(r.As.Pos, "role", r.As.Value, "table", t.Pos))
			}
			roles[r.As.Value] = r.As.Pos
		}
		if from == nil || to == nil {
			continue
		}
		name := r.From.String() + " -> " + r.To.String()
		if from.Type.Family() != to.Type.Family() {
			diags.Add(ErrRelTypes(r.Pos, name, from.Type, to.Type))
		}
		// The "one" side must be a key, or following the edge could fan rows out.
		one, oneRef := p.tables[r.To.Table], r.To
		if r.Cardinality == OneToMany {
			one, oneRef = p.tables[r.From.Table], r.From
		}
		if r.Cardinality == ManyToMany {
			continue
		}
		if !isKey(one, oneRef.Column) {
			diags.Add(ErrRelNotKey(r.Pos, name, oneRef.String(), keyString(one)))
		}
	}
	checkCycles(p, diags)
}

func isKey(t *Table, col string) bool {
	return len(t.PrimaryKey) == 1 && t.PrimaryKey[0].Value == col
}

func keyString(t *Table) string {
	if len(t.PrimaryKey) == 0 {
		return ""
	}
	s := ""
	for i, k := range t.PrimaryKey {
		if i > 0 {
			s += ", "
		}
		s += t.Name + "." + k.Value
	}
	return s
}

// Edge is a relationship oriented from its many side to its one side: the
// direction in which joining never multiplies rows.
type Edge struct {
	Rel      *Relationship
	From, To FieldRef
}

// ForwardEdges returns the project's many_to_one and one_to_one relationships
// oriented many → one, in declaration order.
func (p *Project) ForwardEdges() []Edge {
	var out []Edge
	for _, r := range p.Relationships {
		switch r.Cardinality {
		case ManyToOne, OneToOne:
			out = append(out, Edge{Rel: r, From: r.From, To: r.To})
		case OneToMany:
			out = append(out, Edge{Rel: r, From: r.To, To: r.From})
		}
	}
	return out
}

// checkCycles reports each cycle of forward edges once, at the relationship
// that closes it.
func checkCycles(p *Project, diags *Diagnostics) {
	adj := map[string][]Edge{}
	for _, e := range p.ForwardEdges() {
		if p.tables[e.From.Table] != nil && p.tables[e.To.Table] != nil {
			adj[e.From.Table] = append(adj[e.From.Table], e)
		}
	}
	const (
		white = iota
		grey
		black
	)
	color := map[string]int{}
	var stack []string
	var visit func(t string)
	visit = func(t string) {
		color[t] = grey
		stack = append(stack, t)
		for _, e := range adj[t] {
			switch color[e.To.Table] {
			case grey:
				i := len(stack) - 1
				for stack[i] != e.To.Table {
					i--
				}
				path := append(append([]string{}, stack[i:]...), e.To.Table)
				diags.Add(ErrRelCycle(e.Rel.Pos, path))
			case white:
				visit(e.To.Table)
			}
		}
		stack = stack[:len(stack)-1]
		color[t] = black
	}
	names := p.TableNames()
	sort.Strings(names)
	for _, t := range names {
		if color[t] == white {
			visit(t)
		}
	}
}

func checkDimensions(p *Project, diags *Diagnostics) {
	seen := map[string]Pos{}
	for _, d := range p.Dimensions {
		t := p.tables[d.Table]
		if t == nil {
			diags.Add(ErrUnknownTable(d.Pos, d.Table, p.TableNames()))
			continue
		}
		if c := t.columns[d.Field]; c != nil {
			diags.Add(ErrNameClash(d.Pos, "dimension", d.Name, "column", c.Pos))
			continue
		}
		if first, dup := seen[d.Name]; dup {
			diags.Add(ErrDuplicateName(d.Pos, "dimension", d.Name, first))
			continue
		}
		seen[d.Name] = d.Pos
	}
}

func checkMetrics(p *Project, diags *Diagnostics) {
	p.metrics = map[string]*Metric{}
	for _, m := range p.Metrics {
		if first, dup := p.metrics[m.Name]; dup {
			diags.Add(ErrDuplicateName(m.Pos, "metric", m.Name, first.Pos))
			continue
		}
		p.metrics[m.Name] = m
	}
	for _, m := range p.Metrics {
		if (m.Kind == MetricOffset || m.Kind == MetricCumulative) && m.Base.Value != "" && p.metrics[m.Base.Value] == nil {
			diags.Add(ErrUnknownMetric(m.Base.Pos, m.Base.Value, p.MetricNames()))
		}
	}
}

func checkRollups(p *Project, diags *Diagnostics) {
	seen := map[string]Pos{}
	for _, r := range p.Rollups {
		if first, dup := seen[r.Name]; dup {
			diags.Add(ErrDuplicateName(r.Pos, "rollup", r.Name, first))
		}
		seen[r.Name] = r.Pos
		for _, m := range r.Metrics {
			if p.metrics[m.Value] == nil {
				diags.Add(ErrUnknownMetric(m.Pos, m.Value, p.MetricNames()))
			}
		}
		if r.Time != nil && r.Partition.Value != "" && grainIndex(r.Partition.Value) < grainIndex(r.Time.Grain.Value) {
			diags.Add(ErrInvalid(r.Partition.Pos, "partition", fmt.Sprintf("a %s partition is finer than the rollup's %s grain", r.Partition.Value, r.Time.Grain.Value)))
		}
		if r.Partition.Value != "" && r.Time == nil {
			diags.Add(ErrInvalid(r.Partition.Pos, "partition", "a partitioned rollup needs `time`"))
		}
	}
}

func grainIndex(g string) int {
	for i, x := range Grains {
		if x == g {
			return i
		}
	}
	return -1
}

func checkTags(p *Project, diags *Diagnostics) {
	seen := map[string]Pos{}
	for _, t := range p.Tags {
		if first, dup := seen[t.Name]; dup {
			diags.Add(ErrDuplicateName(t.Pos, "tag", t.Name, first))
		}
		seen[t.Name] = t.Pos
		// A missing entity (Value "") is reported by the decoder.
		et := p.tables[t.Entity.Value]
		if et == nil && t.Entity.Value != "" {
			diags.Add(ErrUnknownTable(t.Entity.Pos, t.Entity.Value, p.TableNames()))
		} else if et != nil && len(et.PrimaryKey) != 1 {
			diags.Add(ErrInvalid(t.Entity.Pos, "entity", fmt.Sprintf("table %q needs a single-column primary key to be a tag entity", et.Name)))
		}
		if wm := t.WhereMetric; wm != nil && wm.Metric.Value != "" && p.metrics[wm.Metric.Value] == nil {
			diags.Add(ErrUnknownMetric(wm.Metric.Pos, wm.Metric.Value, p.MetricNames()))
		}
	}
}
