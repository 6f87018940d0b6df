package audience

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"
	"time"

	"github.com/pingcap/tidb/pkg/parser/ast"
	"github.com/pingcap/tidb/pkg/parser/opcode"

	"github.com/strata-metrics/strata/compiler/expr"
	"github.com/strata-metrics/strata/compiler/logical"
	"github.com/strata-metrics/strata/compiler/plan"
	"github.com/strata-metrics/strata/model"
)

// Tag kinds.
const (
	KindBoolean     = "boolean"     // where: an entity predicate
	KindBehaviour   = "behaviour"   // where_metric: a metric per entity over a window
	KindCategorical = "categorical" // value: one set per value of a field
)

// TagDef is a tag's checked definition.
type TagDef struct {
	Tag   *model.Tag
	Kind  string
	Scope *Scope
	Where ast.ExprNode // boolean: the predicate, references qualified
	Value string       // categorical: the qualified field
	Hash  string       // changes whenever what the tag selects could
}

// Definitions checks every tag of the project. The catalog must have been
// built without errors, which already placed each problem in its YAML file;
// the errors here name the tag.
func Definitions(cat *logical.Catalog) ([]*TagDef, error) {
	var out []*TagDef
	for _, t := range cat.Project.Tags {
		d, err := Definition(cat, t)
		if err != nil {
			return nil, err
		}
		out = append(out, d)
	}
	return out, nil
}

// Definition checks one tag.
func Definition(cat *logical.Catalog, t *model.Tag) (*TagDef, error) {
	s, err := EntityScope(cat, t.Entity.Value)
	if err != nil {
		return nil, fmt.Errorf("tag %s: %w", t.Name, err)
	}
	d := &TagDef{Tag: t, Scope: s}
	h := sha256.New()
	fmt.Fprintf(h, "tag\x00%s\x00%s\x00%s\x00", t.Name, t.Entity.Value, cat.Project.Timezone)
	switch {
	case !t.Where.IsZero():
		d.Kind = KindBoolean
		n, perr := expr.Parse(t.Where.Text)
		if perr != nil {
			return nil, fmt.Errorf("tag %s: where: %s", t.Name, perr.Msg)
		}
		for _, col := range expr.Columns(n) {
			// A field, or a time field at a grain, as in a query's where.
			name, grain, rerr := cat.ResolveGrain(expr.Name(col.Name))
			if rerr != nil {
				return nil, fmt.Errorf("tag %s: where: %w", t.Name, rerr)
			}
			f, err := s.ResolveField(cat, name)
			if err != nil {
				return nil, fmt.Errorf("tag %s: where: %w", t.Name, err)
			}
			logical.SetQualifiedGrain(col.Name, f.Name, grain)
		}
		d.Where = n
		fmt.Fprintf(h, "where\x00%s", plan.ExprString(n))
	case t.Value.Value != "":
		d.Kind = KindCategorical
		f, err := s.ResolveField(cat, t.Value.Value)
		if err != nil {
			return nil, fmt.Errorf("tag %s: value: %w", t.Name, err)
		}
		d.Value = f.Name
		fmt.Fprintf(h, "value\x00%s\x00%s", f.Name, exprHash(f))
	case t.WhereMetric != nil:
		d.Kind = KindBehaviour
		wm := t.WhereMetric
		lm := cat.Metrics[wm.Metric.Value]
		if lm == nil {
			return nil, fmt.Errorf("tag %s: unknown metric %q", t.Name, wm.Metric.Value)
		}
		fmt.Fprintf(h, "metric\x00%s\x00%s\x00%s\x00%s\x00%v", wm.Metric.Value, wm.Filter.Text, wm.Window, wm.Op.Value, wm.Value)
		for _, m := range cat.Measures(wm.Metric.Value) {
			fmt.Fprintf(h, "\x00%s", plan.MeasureString(m))
		}
	default:
		return nil, fmt.Errorf("tag %s: give one of where, where_metric or value", t.Name)
	}
	d.Hash = hex.EncodeToString(h.Sum(nil))[:16]
	return d, nil
}

func exprHash(f *logical.Field) string {
	if f.Computed != nil {
		return plan.ExprString(f.Computed)
	}
	return f.Column
}

// GroupKey names what one aggregation can build a behaviour tag with: tags
// of one entity whose metrics are of one fact, under one filter and window,
// differ only in the metric and its test, so one GROUP BY entity computes
// them all.
func (d *TagDef) GroupKey(cat *logical.Catalog) string {
	wm := d.Tag.WhereMetric
	if wm == nil {
		return ""
	}
	fact := ""
	if lm := cat.Metrics[wm.Metric.Value]; lm != nil && lm.Fact != nil {
		fact = lm.Fact.Name()
	}
	return fmt.Sprintf("%s\x00%s\x00%s\x00%v", d.Scope.Entity.Name, fact, wm.Filter.Text, wm.Window)
}

// HoldsWithoutFacts reports whether a behaviour tag's test is true for an
// entity with no facts in the window: its metric is then 0 when it counts
// (count, count_distinct, approx_count_distinct of one fact) and NULL
// otherwise, and NULL passes no test. Such a tag holds every entity of the
// population the aggregation does not reach.
func HoldsWithoutFacts(cat *logical.Catalog, d *TagDef) bool {
	wm := d.Tag.WhereMetric
	lm := cat.Metrics[wm.Metric.Value]
	if lm == nil || lm.Kind != model.MetricSimple {
		return false
	}
	switch lm.Agg {
	case model.AggCount, model.AggCountDistinct, model.AggApproxCountDistinct:
	default:
		return false
	}
	v := wm.Value
	switch wm.Op.Value {
	case ">":
		return 0 > v
	case ">=":
		return 0 >= v
	case "<":
		return 0 < v
	case "<=":
		return 0 <= v
	case "=":
		return v == 0
	case "!=":
		return v != 0
	}
	return false
}

// BehaviourPlan plans the behaviour tags of one group (GroupKey): each
// distinct metric per entity key over the window ending at watermark (wall
// time in the project's zone, as the engine prints it), for every entity
// with facts there; the tests are applied over it. The plan's first
// dimension is the entity key, its metrics are named in metrics.
func BehaviourPlan(cat *logical.Catalog, defs []*TagDef, watermark string) (p *plan.Plan, metrics []string, err error) {
	d := defs[0]
	wm := d.Tag.WhereMetric
	seen := map[string]bool{}
	for _, o := range defs {
		if o.GroupKey(cat) != d.GroupKey(cat) {
			return nil, nil, fmt.Errorf("internal: tags %s and %s are not of one group", d.Tag.Name, o.Tag.Name)
		}
		if m := o.Tag.WhereMetric.Metric.Value; !seen[m] {
			seen[m] = true
			metrics = append(metrics, m)
		}
	}
	lm := cat.Metrics[wm.Metric.Value]
	if lm == nil || lm.Fact == nil {
		return nil, nil, fmt.Errorf("tag %s: metric %s is not a metric of one fact", d.Tag.Name, wm.Metric.Value)
	}
	fact := lm.Fact
	key := d.Scope.Alias + "." + d.Scope.Key
	if fact.Field(key) == nil {
		return nil, nil, fmt.Errorf("tag %s: fact %s does not reach entity %s", d.Tag.Name, fact.Name(), d.Scope.Entity.Name)
	}
	timeCol := fact.Fact.Time.Value
	if timeCol == "" {
		return nil, nil, fmt.Errorf("tag %s: fact %s has no time column for the window", d.Tag.Name, fact.Name())
	}
	q := &plan.Query{
		Metrics:    metrics,
		Dimensions: []string{key},
		Where:      wm.Filter.Text,
		NoRollup:   true,
	}
	p, perr := plan.Build(cat, q)
	if perr != nil {
		return nil, nil, fmt.Errorf("tag %s: %v", d.Tag.Name, perr)
	}
	if wm.Window.IsZero() {
		return p, metrics, nil
	}
	end, err := parseWallTime(watermark)
	if err != nil {
		return nil, nil, fmt.Errorf("tag %s: watermark %q: %w", d.Tag.Name, watermark, err)
	}
	start := wm.Window.Before(end)
	bounds := []ast.ExprNode{
		compare(opcode.GT, fact.Fact.Name, timeCol, formatWallTime(start)),
		compare(opcode.LE, fact.Fact.Name, timeCol, formatWallTime(end)),
	}
	p.Where = append(p.Where, bounds...)
	for _, pt := range p.Parts {
		pt.Where = append(pt.Where, bounds...)
	}
	return p, metrics, nil
}

func compare(op opcode.Op, table, col, lit string) ast.ExprNode {
	return &ast.BinaryOperationExpr{Op: op,
		L: &ast.ColumnNameExpr{Name: &ast.ColumnName{Table: ast.NewCIStr(table), Name: ast.NewCIStr(col)}},
		R: ast.NewValueExpr(lit, "", "")}
}

func parseWallTime(s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	for _, layout := range []string{"2006-01-02 15:04:05.999999999", "2006-01-02 15:04:05", "2006-01-02"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("not a date or timestamp")
}

func formatWallTime(t time.Time) string { return t.Format("2006-01-02 15:04:05.999999") }
