package plan

import (
	"fmt"
	"strings"

	"github.com/strata-metrics/strata/compiler/expr"
	"github.com/strata-metrics/strata/compiler/logical"
	"github.com/strata-metrics/strata/model"
)

// valuesPart plans a query without metrics: the distinct values of its
// dimensions over one fact's wide table, the rows its filters keep. It is one
// part without measures, so rollups of the fact that keep the dimensions and
// filter fields serve it like any other part.
//
// The fact is the query's From, or else the only fact whose wide table
// reaches every dimension and filter field; when several do, the query must
// name one (the values of customers.segment among transactions are not those
// among balances).
func (b *builder) valuesPart() *Error {
	var w *logical.WideTable
	if from := strings.TrimSpace(b.q.From); from != "" {
		if w = b.cat.WideTable(from); w == nil {
			names := b.factNames(nil)
			return &Error{Field: "from", Code: "unknown-table", Msg: fmt.Sprintf("unknown fact %q%s; the wide tables are %s", from, model.DidYouMean(from, names), strings.Join(names, ", "))}
		}
	} else {
		reach := b.factNames(func(w *logical.WideTable) bool { return b.reachesAll(w) && b.valuesAllowed(w) == nil })
		switch len(reach) {
		case 1:
			w = b.cat.WideTable(reach[0])
		case 0:
			return &Error{Field: "dimensions", Code: "unreachable-field", Msg: "no fact's wide table reaches every dimension and filter field of the query"}
		default:
			return &Error{Field: "from", Code: "no-metrics", Msg: fmt.Sprintf("a query without metrics lists values from one fact's wide table, and %s all reach its fields; add a metric, or name the fact in from, e.g. \"from\": %q", strings.Join(reach, ", "), reach[0])}
		}
	}
	if err := b.valuesAllowed(w); err != nil {
		return err
	}
	pt := &Part{ID: "p0", Fact: w, Source: "raw"}
	b.partByKey[w.Name()+"|"+Key(model.Period{}, nil)] = pt
	b.partField[pt] = "dimensions"
	b.p.Parts = append(b.p.Parts, pt)
	return nil
}

func (b *builder) factNames(keep func(*logical.WideTable) bool) []string {
	var out []string
	for _, w := range b.cat.Wide {
		if keep == nil || keep(w) {
			out = append(out, w.Name())
		}
	}
	return out
}

// reachesAll reports whether a wide table has every dimension and filter field.
func (b *builder) reachesAll(w *logical.WideTable) bool {
	for _, d := range b.p.Dims {
		if w.Field(d.Field) == nil {
			return false
		}
	}
	for _, c := range b.p.Where {
		for _, col := range expr.Columns(c) {
			if q, _ := logical.FieldRef(col.Name); w.Field(q) == nil {
				return false
			}
		}
	}
	for _, s := range b.q.Semi {
		if w.Field(s.Field) == nil {
			return false
		}
	}
	return true
}

// valuesAllowed lets a key with a metric list read values only from the
// wide tables of facts it may read a metric of: the rows of another fact
// are not its to see, even as the values they hold.
func (b *builder) valuesAllowed(w *logical.WideTable) *Error {
	sc := b.q.Scope
	if sc == nil || sc.Metrics == nil {
		return nil
	}
	for _, name := range sc.Metrics {
		for _, m := range b.cat.Measures(name) {
			if m.Fact == w {
				return nil
			}
		}
	}
	return &Error{Field: "from", Code: "forbidden-fact", Msg: fmt.Sprintf("key %s may read no metric of %s (allowed: %s), so it may not list values from its wide table", sc.Key, w.Name(), strings.Join(sc.Metrics, ", "))}
}
