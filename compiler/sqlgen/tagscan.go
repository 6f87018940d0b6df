package sqlgen

import (
	"fmt"
	"math/bits"
	"strconv"
	"strings"

	"github.com/pingcap/tidb/pkg/parser/ast"

	"github.com/strata-metrics/strata/compiler/audience"
	"github.com/strata-metrics/strata/model"
)

// Packed tag scans. Building every tag of an entity with its own query scans
// the entity table once per tag and ships each tag's keys separately; a
// packed scan reads the entity once and returns, per entity, its key and a
// few BIGINT words in which every boolean tag is one bit and every
// categorical tag a small code (the index of the entity's value in the list
// of the field's values, 0 for NULL). Behaviour tags over one fact, filter
// and window are packed the same way over a single aggregation, one bit per
// test. The words are sums of constants, so the SQL is the same on every
// engine, and only integers travel to the materializer.

// wordBits is how many bits of a BIGINT word carry terms; the sign bit is
// left alone so every word is a non-negative sum.
const wordBits = 62

// PackedTerm is one term of a packed scan: a predicate (Pred, or a metric
// test of PackedTests; one bit) or a categorical field (Field with its Values, a code of Bits bits: 0 for NULL,
// i+1 for Values[i], and Other for a value not in the list, which appeared
// after the list was read). Word, Shift, Bits and Other are set by the scan.
type PackedTerm struct {
	Pred   ast.ExprNode
	Field  string
	Values []string

	Word, Shift, Bits int
	Other             int64
}

// Code extracts the term's bit or code from a row's words.
func (t *PackedTerm) Code(words []int64) int64 {
	return words[t.Word] >> t.Shift & (1<<t.Bits - 1)
}

// layout places the terms in words, never splitting a term between two.
func layout(terms []*PackedTerm) (int, error) {
	word, used := 0, 0
	for _, t := range terms {
		t.Bits = 1
		if t.Field != "" {
			t.Other = int64(len(t.Values) + 1)
			t.Bits = bits.Len64(uint64(t.Other))
		}
		if t.Bits > wordBits {
			return 0, fmt.Errorf("internal: a packed term of %d bits", t.Bits)
		}
		if used+t.Bits > wordBits {
			word, used = word+1, 0
		}
		t.Word, t.Shift = word, used
		used += t.Bits
	}
	if used == 0 {
		return word, nil
	}
	return word + 1, nil
}

// sumWords renders each word as the sum of its terms' constants.
func sumWords(d Dialect, nwords int, terms []*PackedTerm, render func(t *PackedTerm) (string, error)) ([]string, error) {
	parts := make([][]string, nwords)
	for _, t := range terms {
		s, err := render(t)
		if err != nil {
			return nil, err
		}
		parts[t.Word] = append(parts[t.Word], s)
	}
	out := make([]string, nwords)
	for i, p := range parts {
		out[i] = fmt.Sprintf("CAST(%s AS %s)", strings.Join(p, " + "), d.Type(model.Type{Base: "bigint"}))
	}
	return out, nil
}

func bitConst(code int64, shift int) string { return strconv.FormatInt(code<<shift, 10) }

// EntityPacked selects the key of every entity with the words of its terms;
// it is also the population, every entity appearing once. The terms'
// layout is set; words is how many word columns follow the key.
func EntityPacked(d Dialect, s *audience.Scope, terms []*PackedTerm, tz string) (q string, words int, err error) {
	if words, err = layout(terms); err != nil {
		return "", 0, err
	}
	w := newEntityWriter(d, s, tz)
	cols, err := sumWords(d, words, terms, func(t *PackedTerm) (string, error) {
		if t.Field == "" {
			// CASE takes a NULL condition as false, which is what a tag
			// means; wrapping it in COALESCE, as elsewhere, doubles the
			// scan's cost.
			c, err := w.expr(t.Pred)
			if err != nil {
				return "", err
			}
			return fmt.Sprintf("CASE WHEN %s THEN %s ELSE 0 END", c, bitConst(1, t.Shift)), nil
		}
		f, err := w.field(t.Field)
		if err != nil {
			return "", err
		}
		var b strings.Builder
		fmt.Fprintf(&b, "CASE WHEN %s IS NULL THEN 0 ELSE CASE CAST(%s AS %s)", f, f, d.Type(model.Type{Base: "varchar"}))
		for i, v := range t.Values {
			fmt.Fprintf(&b, " WHEN %s THEN %s", d.QuoteString(v), bitConst(int64(i+1), t.Shift))
		}
		fmt.Fprintf(&b, " ELSE %s END END", bitConst(t.Other, t.Shift))
		return b.String(), nil
	})
	if err != nil {
		return "", 0, err
	}
	k := w.key()
	return w.selectSQL(append([]string{k}, cols...), []string{k + " IS NOT NULL"}, ""), words, nil
}

// EntityDistinctValues selects the distinct non-NULL values of a field of
// the entity, as text, in order: the code list of a categorical term.
func EntityDistinctValues(d Dialect, s *audience.Scope, field string, tz string) (string, error) {
	w := newEntityWriter(d, s, tz)
	f, err := w.field(field)
	if err != nil {
		return "", err
	}
	v := fmt.Sprintf("CAST(%s AS %s)", f, d.Type(model.Type{Base: "varchar"}))
	return w.selectSQL([]string{"DISTINCT " + v}, []string{w.key() + " IS NOT NULL", f + " IS NOT NULL"}, "1"), nil
}

// MetricTest is a behaviour tag's test of a metric's value per entity.
type MetricTest struct {
	Metric string
	Op     string // one of model's tag operators
	Value  float64
}

// PackedTests wraps an aggregation whose first column is the entity key
// (named key) and whose other columns are metrics by name, selecting the
// key and words with one bit per test: every behaviour tag over one fact,
// filter and window from one aggregation. Each entity the aggregation has
// appears once, whether or not any test holds, so the caller knows who had
// facts at all. The tests' layout is returned in the order given.
//
// For an entity with a key dictionary (s.Dictionary()) the key is mapped to
// its id by joining the dictionary; a fact key the dictionary lacks (an
// entity that is not in the entity table) is left out, as it is outside the
// population anyway.
func PackedTests(d Dialect, s *audience.Scope, inner, key string, tests []MetricTest) (q string, terms []*PackedTerm, words int, err error) {
	terms = make([]*PackedTerm, len(tests))
	for i := range tests {
		terms[i] = &PackedTerm{} // one bit, as a predicate
	}
	if words, err = layout(terms); err != nil {
		return "", nil, 0, err
	}
	idx := map[*PackedTerm]int{}
	for i, t := range terms {
		idx[t] = i
	}
	cols, err := sumWords(d, words, terms, func(t *PackedTerm) (string, error) {
		mt := tests[idx[t]]
		switch mt.Op {
		case ">", ">=", "<", "<=", "=", "!=":
		default:
			return "", fmt.Errorf("internal: tag operator %q", mt.Op)
		}
		op := mt.Op
		if op == "!=" {
			op = "<>"
		}
		return fmt.Sprintf("CASE WHEN %s.%s %s %s THEN %s ELSE 0 END", d.QuoteIdent("agg"), d.QuoteIdent(mt.Metric), op,
			strconv.FormatFloat(mt.Value, 'f', -1, 64), bitConst(1, t.Shift)), nil
	})
	if err != nil {
		return "", nil, 0, err
	}
	k := d.QuoteIdent("agg") + "." + d.QuoteIdent(key)
	id, join := k, ""
	if s.Dictionary() {
		id, join = keyDictID(d), "\n"+keyDictJoin(d, s, k)
	}
	q = fmt.Sprintf("SELECT %s, %s\nFROM (\n%s\n) AS %s%s\nWHERE %s IS NOT NULL", id, strings.Join(cols, ", "), indent(inner), d.QuoteIdent("agg"), join, k)
	return q, terms, words, nil
}
