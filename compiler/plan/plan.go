package plan

import (
	"fmt"
	"strings"
	"time"

	"github.com/pingcap/tidb/pkg/parser/ast"
	"github.com/pingcap/tidb/pkg/parser/format"

	"github.com/strata-metrics/strata/compiler/logical"
	"github.com/strata-metrics/strata/model"
)

// Plan is a resolved metric query.
type Plan struct {
	Query   *Query
	Catalog *logical.Catalog
	TZ      string // the project's time zone: grains and timestamp literals use it

	Dims    []*Dim
	Metrics []*logical.Metric // the output metrics, in query order
	Parts   []*Part
	// Where holds the query filter's top-level AND terms, references qualified,
	// then the key's scope terms.
	Where []ast.ExprNode
	// ScopeTerms marks the Where terms that come from the key's scope.
	ScopeTerms map[ast.ExprNode]bool
	// Having references metrics by name; it is applied after aggregation.
	Having ast.ExprNode
	Order  []Order
	Limit  int
	Offset int
	// Freshness is the staleness the query tolerates (0: any).
	Freshness time.Duration
}

// Dim is one output dimension.
type Dim struct {
	Name  string // the output column: the qualified field, plus ".grain" for a time grain
	Field string // the qualified field
	Grain string // "" or a grain
	Type  model.Type
}

// Order is one ORDER BY term over an output column.
type Order struct {
	Name string
	Desc bool
}

// Part is one aggregation of one fact's wide table to the query's grain.
// Several parts are joined on the shared dimensions (drill-across).
type Part struct {
	ID       string
	Fact     *logical.WideTable
	Measures []*Measure
	// NonAdditive is set on a semi-additive part: it holds that metric only,
	// and keeps only the rows at the last (or first) snapshot time of each period.
	NonAdditive *logical.Metric
	// Shift is set on a period-over-period part: rows are read with the time
	// dimensions moved forward by Shift, so period P holds the values of P−Shift.
	Shift model.Period
	// Cumulative is set on a cumulative part: each period P of the query's time
	// dimension Dims[TimeDim] aggregates the rows of its window, read without
	// the query's filter on that time field.
	Cumulative *Cumulative
	TimeDim    int
	// Joins are the LEFT JOINs the part needs, parents before children.
	Joins []logical.Join
	// Where holds the query's filter terms; under Shift, time fields read shifted.
	Where []ast.ExprNode
	// Semi holds the audience restrictions: rows whose entity key is an id
	// of the table.
	Semi []SemiJoin
	// Source is "raw" or, after the rewrite, the rollup that serves the part.
	Source string
	// Rollup is set by compiler/rewrite when a rollup serves the part.
	Rollup *RollupSource
	// TimeFields are the time fields the query's time dimensions use, which a
	// shifted part reads shifted.
	TimeFields map[string]bool
}

// Cumulative is the window of a cumulative part.
type Cumulative struct {
	ToDate string       // from the start of the period of this grain containing P
	Window model.Period // or over [end of P − Window, end of P)
}

// String names the window: "month to date", "7 days".
func (c *Cumulative) String() string {
	switch {
	case c == nil:
		return ""
	case c.ToDate != "":
		return c.ToDate + " to date"
	}
	return c.Window.String()
}

// Key is the part context a metric is read in: its shift and window.
func Key(shift model.Period, cum *Cumulative) string { return shift.String() + "|" + cum.String() }

// RollupSource says how a rollup table serves a part. The rewrite fills it
// from the rollup's definition (compiler/rollup), so that the SQL writer reads
// the rollup's layout from here and never looks the rollup up by name.
type RollupSource struct {
	Name  string
	Table string // the engine table holding the rollup's current version
	// Grain is the rollup's time grain and TimeField its time field.
	Grain     string
	TimeField string
	// Dims are the qualified fields the rollup keeps as they are.
	Dims []string
	Rows int64
	// Stale, when set, lists the partitions whose sources changed since the
	// build: the part reads the rollup's other rows UNION ALL the raw rows of
	// these partitions aggregated the way the rollup stores them (the lambda
	// tail), so the answer stays exact while the builder catches up.
	Stale []Range
	// StaleFiles, when set, are the only fact files holding rows of the
	// stale partitions: the tail reads them instead of the whole source.
	StaleFiles []string
	// KeyTables names, for each measure kept as a distinct set, the side table
	// of its distinct keys; only engines without a set type use them.
	KeyTables map[string]string
}

// Range is a half-open range [From, To) of a rollup's time labels, as
// YYYY-MM-DD dates in the project's time zone. The zero Range stands for
// the rows whose time is NULL.
type Range struct {
	From, To string
}

// IsNull reports whether the range stands for the NULL time labels.
func (r Range) IsNull() bool { return r.From == "" && r.To == "" }

// Measure is a simple metric computed by a part, in column Col.
type Measure struct {
	Metric *logical.Metric
	Col    string
}

// Measure returns the part's measure for the metric, or nil.
func (p *Part) Measure(name string) *Measure {
	for _, m := range p.Measures {
		if m.Metric.Name == name {
			return m
		}
	}
	return nil
}

// ServedBy joins each part's source with "+": "raw", "txn_daily", "txn_daily+raw".
func (p *Plan) ServedBy() string {
	seen := map[string]bool{}
	var out []string
	for _, pt := range p.Parts {
		if !seen[pt.Source] {
			seen[pt.Source] = true
			out = append(out, pt.Source)
		}
	}
	return strings.Join(out, "+")
}

// String prints the plan for explain and golden tests.
func (p *Plan) String() string {
	var b strings.Builder
	b.WriteString("dimensions:\n")
	if len(p.Dims) == 0 {
		b.WriteString("  (none: one row)\n")
	}
	for _, d := range p.Dims {
		fmt.Fprintf(&b, "  %s %s\n", d.Name, d.Type)
	}
	for _, pt := range p.Parts {
		fmt.Fprintf(&b, "part %s: fact %s, source %s\n", pt.ID, pt.Fact.Name(), pt.Source)
		if !pt.Shift.IsZero() {
			fmt.Fprintf(&b, "  shifted: time read %s later\n", pt.Shift)
		}
		if c := pt.Cumulative; c != nil {
			fmt.Fprintf(&b, "  cumulative: %s along %s, read without the filter on it\n", c, p.Dims[pt.TimeDim].Name)
		}
		if na := pt.NonAdditive; na != nil {
			per := ""
			if len(na.NonAdditive.Per) > 0 {
				per = " per " + strings.Join(na.NonAdditive.Per, ", ")
			}
			fmt.Fprintf(&b, "  semi-additive: rows at the %s %s of each period%s\n", na.NonAdditive.Take, na.NonAdditive.Time, per)
		}
		if pt.Rollup == nil {
			for _, j := range pt.Joins {
				fmt.Fprintf(&b, "  join %s\n", j)
			}
		}
		for _, w := range pt.Where {
			fmt.Fprintf(&b, "  where %s\n", ExprString(w))
		}
		for _, m := range pt.Measures {
			fmt.Fprintf(&b, "  measure %s = %s\n", m.Col, MeasureString(m.Metric))
		}
	}
	b.WriteString("output:\n")
	for _, m := range p.Metrics {
		fmt.Fprintf(&b, "  %s %s\n", m.Name, m.Type)
	}
	if p.Having != nil {
		fmt.Fprintf(&b, "having %s\n", ExprString(p.Having))
	}
	for _, o := range p.Order {
		dir := "asc"
		if o.Desc {
			dir = "desc"
		}
		fmt.Fprintf(&b, "order %s %s\n", o.Name, dir)
	}
	if p.Limit > 0 {
		fmt.Fprintf(&b, "limit %d\n", p.Limit)
	}
	if p.Offset > 0 {
		fmt.Fprintf(&b, "offset %d\n", p.Offset)
	}
	return b.String()
}

// MeasureString renders a simple metric's definition.
func MeasureString(m *logical.Metric) string {
	arg := "*"
	if m.Expr != nil {
		arg = ExprString(m.Expr)
	}
	s := fmt.Sprintf("%s(%s)", m.Agg, arg)
	if m.Filter != nil {
		s += " filter (" + ExprString(m.Filter) + ")"
	}
	return s
}

// ExprString renders an expression as MySQL-flavoured text for plans and
// messages; it is never executed.
func ExprString(n ast.Node) string {
	var b strings.Builder
	ctx := format.NewRestoreCtx(format.RestoreStringSingleQuotes|format.RestoreStringWithoutCharset|format.RestoreKeyWordUppercase|format.RestoreNameLowercase|format.RestoreSpacesAroundBinaryOperation, &b)
	if err := n.Restore(ctx); err != nil {
		return "?"
	}
	return escapeLiterals(b.String())
}

// escapeLiterals rewrites the string literals of restored text so that the
// plan reads on one line and, for the common escapes, parses back to the same
// values: the restorer doubles quotes but writes backslashes, newlines, tabs
// and other control characters raw. Inside a literal they become the MySQL
// escapes \\, \n, \r, \t and \0, any other control character \xNN (shown,
// not parsed: the SQL writer spells those with chr()); outside a literal the
// text is kept.
func escapeLiterals(s string) string {
	if !strings.Contains(s, "\\") && !hasControl(s) {
		return s
	}
	var b strings.Builder
	in := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !in {
			b.WriteByte(c)
			in = c == '\''
			continue
		}
		switch {
		case c == '\'' && i+1 < len(s) && s[i+1] == '\'':
			b.WriteString("''")
			i++
		case c == '\'':
			b.WriteByte(c)
			in = false
		case c == '\\':
			b.WriteString(`\\`)
		case c == '\n':
			b.WriteString(`\n`)
		case c == '\r':
			b.WriteString(`\r`)
		case c == '\t':
			b.WriteString(`\t`)
		case c == 0:
			b.WriteString(`\0`)
		case c < 0x20 || c == 0x7f:
			fmt.Fprintf(&b, `\x%02x`, c)
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

func hasControl(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 0x20 || s[i] == 0x7f {
			return true
		}
	}
	return false
}
