package service

import (
	"context"
	"time"

	"github.com/strata-metrics/strata/compiler/plan"
	"github.com/strata-metrics/strata/compiler/sqlfront"
)

// SQLOptions tune how a statement in the SQL form is answered.
type SQLOptions struct {
	// NoRollup answers from the raw tables.
	NoRollup bool
	// Freshness is how stale a rollup may be ("1h"); empty: the project's.
	Freshness string
	// Scope is the calling key's limit (see plan.Scope); nil reads all.
	Scope *plan.Scope
}

// Translate reads a statement in the SQL form as the metric query it means.
func (w *Project) Translate(sql string, args []any, opts SQLOptions) (*sqlfront.Statement, error) {
	var metrics []string
	if opts.Scope != nil {
		metrics = opts.Scope.Metrics
	}
	st, err := sqlfront.TranslateFor(w.Catalog, metrics, sql, args...)
	if err != nil {
		return nil, err
	}
	st.Query.NoRollup = st.Query.NoRollup || opts.NoRollup
	if opts.Freshness != "" {
		st.Query.Freshness = opts.Freshness
	}
	st.Query.Scope = opts.Scope
	return st, nil
}

// SQL answers a SELECT over a wide table: it becomes a metric query, answered
// like any other (same plan, rewrite and engine), and the result takes the
// statement's column order and names. Errors are located in the statement.
func (w *Project) SQL(ctx context.Context, sql string, args []any, opts SQLOptions) (*Result, error) {
	start := time.Now()
	st, err := w.Translate(sql, args, opts)
	if err != nil {
		return nil, err
	}
	res, err := w.Answer(ctx, st.Query)
	if err != nil {
		return nil, st.Locate(err)
	}
	out := Reshape(res, st)
	out.Meta.TookMS = float64(time.Since(start).Microseconds()) / 1000
	return out, nil
}

// ExplainSQL explains the metric query a statement becomes.
func (w *Project) ExplainSQL(ctx context.Context, sql string, opts SQLOptions) (*sqlfront.Statement, *Explanation, error) {
	st, err := w.Translate(sql, nil, opts)
	if err != nil {
		return nil, nil, err
	}
	x, err := w.Explain(ctx, st.Query)
	if err != nil {
		return nil, nil, st.Locate(err)
	}
	return st, x, nil
}

// Reshape reorders and renames a metric query's result to a statement's
// select list; a column selected twice appears twice. The result itself is
// left as it was (it may be shared by the result cache).
func Reshape(res *Result, st *sqlfront.Statement) *Result {
	cols := st.Columns
	idx := map[string]int{}
	for i, c := range res.Columns {
		idx[c.Name] = i
	}
	from := make([]int, len(cols))
	out := &Result{Columns: make([]Column, len(cols)), Rows: make([][]any, len(res.Rows)), Meta: res.Meta}
	for j, c := range cols {
		from[j] = idx[c.Source]
		out.Columns[j] = res.Columns[from[j]]
		out.Columns[j].Name = c.Name
	}
	for i, row := range res.Rows {
		r := make([]any, len(cols))
		for j, k := range from {
			r[j] = row[k]
		}
		out.Rows[i] = r
	}
	return out
}
