package materializer_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/strata-metrics/strata/compiler/plan"
	"github.com/strata-metrics/strata/internal/banktest"
	"github.com/strata-metrics/strata/service"
)

// oracleCase is a metric query and the SQL an analyst would write by hand
// for it over the raw tables. The SQL's columns are the query's dimensions
// then its metrics, in the query's order.
type oracleCase struct {
	name string
	q    plan.Query
	sql  string
	// approx gives a relative tolerance for columns holding approximate
	// values (approx_count_distinct), by output column name.
	approx map[string]float64
	// nullIn names output columns in which the hand-written result must hold
	// at least one NULL: it guards what the case is meant to exercise
	// (division by zero, a period with no earlier data…).
	nullIn []string
	// rollup, when set, is the rollup that must serve the query once the
	// rollups are built (TestConformance's rollup pass).
	rollup string
}

// floatTolerance is the relative tolerance for floating-point cells.
const floatTolerance = banktest.FloatTolerance

// TestOracle runs every metric query through Strata (raw path) and its
// hand-written SQL directly on DuckDB, and compares the answers cell by cell.
func TestOracle(t *testing.T) {
	w := oracleWarehouse(t)
	ctx := context.Background()
	if len(oracleCases) < 45 {
		t.Errorf("only %d oracle queries; want at least 45", len(oracleCases))
	}
	seen := map[string]bool{}
	for _, c := range oracleCases {
		if seen[c.name] {
			t.Fatalf("duplicate oracle case %q", c.name)
		}
		seen[c.name] = true
		t.Run(c.name, func(t *testing.T) {
			q := c.q
			q.NoRollup = true
			got, err := w.Query(ctx, &q)
			if err != nil {
				var ee *service.EngineError
				if errors.As(err, &ee) {
					t.Fatalf("strata: %v\nSQL:\n%s", err, ee.SQL)
				}
				t.Fatalf("strata: %v", err)
			}
			if got.Meta.ServedBy != "raw" {
				t.Errorf("served by %q; the oracle checks the raw path", got.Meta.ServedBy)
			}
			want, err := w.Engine.Query(ctx, c.sql)
			if err != nil {
				t.Fatalf("hand-written SQL: %v\nSQL:\n%s", err, c.sql)
			}
			if len(want.Rows) == 0 {
				t.Fatalf("the hand-written SQL returns no rows: the case tests nothing")
			}
			for _, name := range c.nullIn {
				if !hasNull(got.Columns, want.Rows, name) {
					t.Errorf("the hand-written result has no NULL in column %s: the case does not exercise what it should", name)
				}
			}
			if diff := compareRows(c, got, want.Rows); diff != "" {
				qj, _ := json.Marshal(c.q)
				t.Errorf("query %s\n%s\n\nstrata SQL:\n%s\n\nhand-written SQL:\n%s\n\nstrata result:\n%s\nhand-written result:\n%s",
					qj, diff, got.Meta.SQL, strings.TrimSpace(c.sql), formatRows(got.Rows, 40), formatRows(want.Rows, 40))
			}
		})
	}
}

func hasNull(cols []service.Column, rows [][]any, name string) bool {
	for j, c := range cols {
		if c.Name != name {
			continue
		}
		for _, r := range rows {
			if r[j] == nil {
				return true
			}
		}
	}
	return false
}

// compareRows compares Strata's result with the hand-written rows and
// describes the first differences ("" when equal). Without an explicit order
// in the query, both sides are sorted before comparing.
func compareRows(c oracleCase, got *service.Result, want [][]any) string {
	var b strings.Builder
	ncol := len(c.q.Dimensions) + len(c.q.Metrics)
	if len(got.Columns) != ncol {
		fmt.Fprintf(&b, "strata returned %d columns, want %d\n", len(got.Columns), ncol)
		return b.String()
	}
	if len(want) > 0 && len(want[0]) != ncol {
		fmt.Fprintf(&b, "the hand-written SQL returns %d columns, want %d\n", len(want[0]), ncol)
		return b.String()
	}
	gotRows := got.Rows
	if len(c.q.Order) == 0 {
		gotRows = sortedRows(gotRows)
		want = sortedRows(want)
	}
	if len(gotRows) != len(want) {
		fmt.Fprintf(&b, "row count: strata %d, hand-written %d\n", len(gotRows), len(want))
	}
	diffs := 0
	for i := 0; i < min(len(gotRows), len(want)); i++ {
		for j := 0; j < ncol; j++ {
			col := got.Columns[j]
			tol := floatTolerance
			if a, ok := c.approx[col.Name]; ok {
				tol = a
			}
			if !banktest.CellEqual(gotRows[i][j], want[i][j], col.Type, tol) {
				if diffs < 10 {
					fmt.Fprintf(&b, "row %d column %s: strata %s, hand-written %s\n", i, col.Name, banktest.Show(gotRows[i][j]), banktest.Show(want[i][j]))
				}
				diffs++
			}
		}
	}
	if diffs > 10 {
		fmt.Fprintf(&b, "… %d differing cells in all\n", diffs)
	}
	return b.String()
}

// sortedRows returns the rows in a canonical order: cell by cell, NULLs last.
func sortedRows(rows [][]any) [][]any {
	out := append([][]any(nil), rows...)
	sort.SliceStable(out, func(i, j int) bool {
		for k := range out[i] {
			if c := compareCells(out[i][k], out[j][k]); c != 0 {
				return c < 0
			}
		}
		return false
	})
	return out
}

func compareCells(a, b any) int {
	switch {
	case a == nil && b == nil:
		return 0
	case a == nil:
		return 1
	case b == nil:
		return -1
	}
	if x, ok := banktest.Number(a); ok {
		if y, ok := banktest.Number(b); ok {
			switch {
			case x < y:
				return -1
			case x > y:
				return 1
			}
			return 0
		}
	}
	switch x := a.(type) {
	case time.Time:
		if y, ok := b.(time.Time); ok {
			return x.Compare(y)
		}
	case string:
		if y, ok := b.(string); ok {
			return strings.Compare(x, y)
		}
	case bool:
		if y, ok := b.(bool); ok {
			switch {
			case x == y:
				return 0
			case !x:
				return -1
			}
			return 1
		}
	}
	return strings.Compare(fmt.Sprintf("%T:%v", a, a), fmt.Sprintf("%T:%v", b, b))
}

func formatRows(rows [][]any, max int) string {
	var b strings.Builder
	for i, r := range rows {
		if i == max {
			fmt.Fprintf(&b, "  … %d rows in all\n", len(rows))
			break
		}
		cells := make([]string, len(r))
		for j, v := range r {
			cells[j] = banktest.Show(v)
		}
		b.WriteString("  " + strings.Join(cells, " | ") + "\n")
	}
	if len(rows) == 0 {
		b.WriteString("  (no rows)\n")
	}
	return b.String()
}
