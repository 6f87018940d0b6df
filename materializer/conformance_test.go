package materializer_test

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/strata-metrics/strata/compiler"
	"github.com/strata-metrics/strata/compiler/plan"
	"github.com/strata-metrics/strata/compiler/rewrite"
	"github.com/strata-metrics/strata/compiler/sqlgen"
	"github.com/strata-metrics/strata/engine"
	"github.com/strata-metrics/strata/engine/enginetest"
	"github.com/strata-metrics/strata/materializer"
	"github.com/strata-metrics/strata/model"
	"github.com/strata-metrics/strata/service"
)

// TestConformance is the engines' conformance suite over the oracle queries:
// the bank's tables are loaded into every engine available (a fresh DuckDB
// always; MariaDB when STRATA_TEST_MYSQL_DSN is set, a StarRocks or Doris
// cluster when STRATA_TEST_STARROCKS_DSN is — see engine/enginetest), and
// every rollup is built there by the materializer. Each query is compiled
// for the engine's dialect twice — on the raw tables, and through the
// rewrite onto the rollups built in that engine — and both answers must
// equal the hand-written SQL's on DuckDB over the same data. The cumulative
// and semi-additive cases are among them (oracle_cumulative_test.go,
// oracle_queries_test.go).
//
// It lives here rather than in engine/enginetest because it compiles metric
// queries, and engine/ must not import the compiler.
//
// One engine, one case: go test ./materializer -run 'TestConformance/mariadb/rollup/by_segment'
func TestConformance(t *testing.T) {
	w := oracleWarehouse(t)
	ctx := context.Background()
	for _, e := range enginetest.Engines(t) {
		t.Run(e.Name, func(t *testing.T) {
			dialect, err := sqlgen.Get(e.Engine.Dialect())
			if err != nil {
				t.Fatal(err)
			}
			loadProject(t, e.Engine, w.Project)
			m := materializer.New(w.Catalog, e.Engine, dialect)
			built, err := m.Refresh(ctx, nil, nil)
			if err != nil {
				t.Fatal(err)
			}
			for _, r := range built {
				if r.Err != nil {
					t.Fatalf("building %s on %s: %v", r.Name, e.Name, r.Err)
				}
			}
			states, _, err := m.States(ctx)
			if err != nil {
				t.Fatal(err)
			}
			rollups := &rewrite.Input{Rollups: m.Rollups, States: states, Now: time.Now()}
			served := 0
			for _, path := range []struct {
				name    string
				rollups *rewrite.Input
			}{{"raw", nil}, {"rollup", rollups}} {
				t.Run(path.name, func(t *testing.T) {
					for _, c := range oracleCases {
						t.Run(c.name, func(t *testing.T) {
							if conformCase(t, w, e, dialect, c, path.rollups) {
								served++
							}
						})
					}
				})
			}
			t.Logf("%s: %d of %d oracle queries served by a rollup built there", e.Name, served, len(oracleCases))
			if served < 10 {
				t.Errorf("only %d oracle queries were served by a rollup on %s: the rollup path is barely checked", served, e.Name)
			}
		})
	}
}

// conformCase runs one oracle case on an engine, through the rollups when
// given, and compares it with the hand-written SQL's answer on DuckDB. It
// reports whether a rollup served the query.
func conformCase(t *testing.T, w *service.Project, e enginetest.Named, dialect sqlgen.Dialect, c oracleCase, rollups *rewrite.Input) bool {
	ctx := context.Background()
	q := c.q
	q.NoRollup = rollups == nil
	compiled, err := compiler.Compile(w.Catalog, &q, rollups, dialect)
	if err != nil {
		t.Fatalf("%s SQL: %v", e.Name, err)
	}
	usedRollup, servedBy := false, "raw"
	for _, d := range compiled.Decisions {
		if d.Used {
			usedRollup, servedBy = true, d.Rollup
		}
	}
	if rollups != nil && c.rollup != "" && servedBy != c.rollup {
		t.Errorf("served by %s; the case is written for %s", servedBy, c.rollup)
	}
	res, err := e.Engine.Query(ctx, compiled.SQL)
	if err != nil {
		t.Fatalf("%s: %v\nSQL:\n%s", e.Name, err, compiled.SQL)
	}
	got := &service.Result{Columns: resultColumns(compiled.Plan), Rows: res.Rows}
	types := make([]string, len(got.Columns))
	for i, col := range got.Columns {
		types[i] = col.Type
	}
	engine.Conform(got.Rows, types)
	oracleSQL := c.sql
	if e.Name == "mariadb" && len(c.approx) > 0 {
		// approx_count_distinct is exact on MySQL (it has no
		// sketch): compare with the exact count.
		oracleSQL = strings.ReplaceAll(oracleSQL, "approx_count_distinct(", "COUNT(DISTINCT ")
		c.approx = nil
	}
	want, err := w.Engine.Query(ctx, oracleSQL)
	if err != nil {
		t.Fatalf("hand-written SQL: %v", err)
	}
	if len(want.Rows) == 0 {
		t.Fatal("the hand-written SQL returns no rows: the case tests nothing")
	}
	if diff := compareRows(c, got, want.Rows); diff != "" {
		t.Errorf("%s\n\n%s SQL:\n%s\n\n%s result:\n%s\nhand-written result:\n%s",
			diff, e.Name, compiled.SQL, e.Name, formatRows(got.Rows, 20), formatRows(want.Rows, 20))
	}
	return usedRollup
}

// resultColumns names and types a plan's output columns as results carry them.
func resultColumns(p *plan.Plan) []service.Column {
	var cols []service.Column
	for _, d := range p.Dims {
		cols = append(cols, service.Column{Name: d.Name, Type: d.Type.String()})
	}
	for _, m := range p.Metrics {
		cols = append(cols, service.Column{Name: m.Name, Type: m.Type.String()})
	}
	return cols
}

// loadProject copies every table of the project from its parquet source into
// the engine, as a table of the table's name with the declared column types.
func loadProject(t *testing.T, eng engine.Engine, p *model.Project) {
	t.Helper()
	ctx := context.Background()
	for _, tb := range p.Tables {
		key := map[string]bool{}
		for _, k := range tb.PrimaryKey {
			key[k.Value] = true
		}
		var cols []enginetest.ColumnDef
		for _, c := range tb.Columns {
			cols = append(cols, enginetest.ColumnDef{Name: c.Name, Type: c.Type.String(), Key: key[c.Name]})
		}
		src := tb.Source.Value
		if !strings.HasSuffix(src, ".parquet") {
			t.Fatalf("table %s: source %s is not a parquet file", tb.Name, src)
		}
		if !filepath.IsAbs(src) {
			src = filepath.Join(p.Dir, src)
		}
		start := time.Now()
		if err := enginetest.LoadParquet(ctx, eng, tb.Name, cols, src); err != nil {
			t.Fatal(err)
		}
		t.Logf("loaded %s in %v", tb.Name, time.Since(start).Round(time.Millisecond))
	}
}
