package sqlgen

import (
	"fmt"
	"strings"

	"github.com/pingcap/tidb/pkg/parser/ast"

	"github.com/strata-metrics/strata/compiler/audience"
	"github.com/strata-metrics/strata/compiler/logical"
	"github.com/strata-metrics/strata/model"
)

// The SQL of tags and audiences. Every statement is rooted at the entity
// table, with LEFT JOINs to the tables its fields need along the scope's
// many-to-one joins, so each entity appears exactly once. The first column is
// always the entity's bitmap id: its key, or for a text key the id its
// dictionary gives it (keydict.go), joined where the key is selected.

// entityWriter renders fields of an audience scope.
type entityWriter struct {
	d       Dialect
	s       *audience.Scope
	tz      string
	aliases map[string]bool
	dict    bool // the key's dictionary is joined
}

func newEntityWriter(d Dialect, s *audience.Scope, tz string) *entityWriter {
	return &entityWriter{d: d, s: s, tz: tz, aliases: map[string]bool{s.Alias: true}}
}

func (w *entityWriter) q(s string) string { return w.d.QuoteIdent(s) }

// column renders a physical column, timestamps as wall time in the project's zone.
func (w *entityWriter) column(alias, col string) string {
	w.aliases[alias] = true
	in := w.s.Wide.Instance(alias)
	s := w.q(alias) + "." + w.q(col)
	if c := in.Table.Column(col); c != nil && c.Type.Family() == model.FamTime {
		from := in.Table.Timezone
		if c.Type.Base == "timestamptz" {
			from = ""
		} else if from == "" {
			from = "UTC"
		}
		s = w.d.LocalTime(s, from, w.tz)
	}
	return s
}

// field renders a field reachable from the entity.
func (w *entityWriter) field(name string) (string, error) {
	f := w.s.Field(name)
	if f == nil {
		return "", fmt.Errorf("internal: field %s is not reachable from %s", name, w.s.Entity.Name)
	}
	if f.Computed == nil {
		return w.column(f.Alias, f.Column), nil
	}
	s, err := Expr(w.d, f.Computed, func(c *ast.ColumnName) (string, error) {
		name, grain := logical.ComputedColumn(c)
		if grain != "" {
			return w.d.TimeGrain(w.column(f.Alias, name), grain), nil
		}
		return w.column(f.Alias, name), nil
	}, w.tz)
	if err != nil {
		return "", err
	}
	// As in the wide tables: a computed field of a joined table is NULL when
	// the entity has no row there.
	if f.Alias != w.s.Alias {
		in := w.s.Wide.Instance(f.Alias)
		key := w.q(f.Alias) + "." + w.q(in.Path[len(in.Path)-1].ToColumn)
		s = fmt.Sprintf("(CASE WHEN %s IS NULL THEN NULL ELSE %s END)", key, s)
	}
	return s, nil
}

func (w *entityWriter) expr(n ast.ExprNode) (string, error) {
	return Expr(w.d, n, func(c *ast.ColumnName) (string, error) {
		name, grain := logical.FieldRef(c)
		s, err := w.field(name)
		if err != nil || grain == "" {
			return s, err
		}
		return w.d.TimeGrain(s, grain), nil
	}, w.tz)
}

// truth renders a condition that holds only where n is TRUE.
func (w *entityWriter) truth(n ast.ExprNode) (string, error) {
	s, err := w.expr(n)
	if err != nil {
		return "", err
	}
	return "COALESCE(" + s + ", FALSE)", nil
}

// key renders the entity's bitmap id; see the comment on top.
func (w *entityWriter) key() string {
	if !w.s.Dictionary() {
		return w.rawKey()
	}
	w.dict = true
	return keyDictID(w.d)
}

// rawKey renders the entity's key as stored.
func (w *entityWriter) rawKey() string { return w.column(w.s.Alias, w.s.Key) }

func (w *entityWriter) from() string {
	e := w.s.Entity
	s := "FROM " + w.q(e.Name) + " AS " + w.q(w.s.Alias)
	if w.dict {
		s += "\n" + keyDictJoin(w.d, w.s, w.rawKey())
	}
	for _, j := range w.s.Joins(w.aliases) {
		to := w.s.Wide.Instance(j.ToAlias)
		s += fmt.Sprintf("\nLEFT JOIN %s AS %s ON %s.%s = %s.%s", w.q(to.Table.Name), w.q(j.ToAlias),
			w.q(j.FromAlias), w.q(j.FromColumn), w.q(j.ToAlias), w.q(j.ToColumn))
	}
	return s
}

func (w *entityWriter) selectSQL(cols []string, where []string, order string) string {
	var b strings.Builder
	b.WriteString("SELECT " + strings.Join(cols, ", ") + "\n" + w.from())
	if len(where) > 0 {
		b.WriteString("\nWHERE " + strings.Join(where, "\n  AND "))
	}
	if order != "" {
		b.WriteString("\nORDER BY " + order)
	}
	return b.String()
}

// EntityKeys selects the key of every entity: the audience population.
func EntityKeys(d Dialect, s *audience.Scope, tz string) string {
	w := newEntityWriter(d, s, tz)
	k := w.key()
	return w.selectSQL([]string{k}, []string{k + " IS NOT NULL"}, "")
}

// EntityKeysWhere selects the key of every entity where the condition is TRUE.
func EntityKeysWhere(d Dialect, s *audience.Scope, cond ast.ExprNode, tz string) (string, error) {
	w := newEntityWriter(d, s, tz)
	c, err := w.truth(cond)
	if err != nil {
		return "", err
	}
	k := w.key()
	return w.selectSQL([]string{k}, []string{k + " IS NOT NULL", c}, ""), nil
}

// EntityPredicates selects the key and one boolean column per predicate, for
// the entities where at least one holds: every predicate of a request is
// evaluated in one scan.
func EntityPredicates(d Dialect, s *audience.Scope, preds []ast.ExprNode, tz string) (string, error) {
	w := newEntityWriter(d, s, tz)
	cols := []string{w.key()}
	var any []string
	for _, p := range preds {
		c, err := w.truth(p)
		if err != nil {
			return "", err
		}
		cols = append(cols, c)
		any = append(any, c)
	}
	return w.selectSQL(cols, []string{cols[0] + " IS NOT NULL", "(" + strings.Join(any, " OR ") + ")"}, ""), nil
}

// EntityValues selects the key and a field's value as text for every entity;
// the value is NULL where the field is. nonNull drops those entities.
func EntityValues(d Dialect, s *audience.Scope, field string, nonNull bool, tz string) (string, error) {
	w := newEntityWriter(d, s, tz)
	f, err := w.field(field)
	if err != nil {
		return "", err
	}
	v := fmt.Sprintf("CAST(%s AS %s)", f, d.Type(model.Type{Base: "varchar"}))
	where := []string{w.key() + " IS NOT NULL"}
	if nonNull {
		where = append(where, f+" IS NOT NULL")
	}
	return w.selectSQL([]string{w.key(), v}, where, ""), nil
}

// FactWatermark selects the latest time of a fact, as wall time in the
// project's zone and as text: the end of a behaviour tag's window.
func FactWatermark(d Dialect, cat *logical.Catalog, fact string) (string, error) {
	wt := cat.WideTable(fact)
	if wt == nil {
		return "", fmt.Errorf("internal: no wide table for fact %s", fact)
	}
	t := wt.Fact
	if t.Time.Value == "" {
		return "", fmt.Errorf("fact %s has no time column; a where_metric tag needs one", fact)
	}
	tz := cat.Project.Timezone
	if tz == "" {
		tz = "UTC"
	}
	col := d.QuoteIdent(t.Name) + "." + d.QuoteIdent(t.Time.Value)
	if c := t.Column(t.Time.Value); c != nil && c.Type.Family() == model.FamTime {
		from := t.Timezone
		if c.Type.Base == "timestamptz" {
			from = ""
		} else if from == "" {
			from = "UTC"
		}
		col = d.LocalTime(col, from, tz)
	}
	return fmt.Sprintf("SELECT CAST(MAX(%s) AS %s) FROM %s AS %s", col, d.Type(model.Type{Base: "varchar"}), d.QuoteIdent(t.Name), d.QuoteIdent(t.Name)), nil
}
