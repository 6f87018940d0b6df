package materializer_test

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/strata-metrics/strata/compiler/plan"
	"github.com/strata-metrics/strata/compiler/sqlgen"
	"github.com/strata-metrics/strata/engine"
	"github.com/strata-metrics/strata/engine/enginetest"
	"github.com/strata-metrics/strata/model"
	"github.com/strata-metrics/strata/service"
)

// TestConformance is the engines' conformance suite over the oracle queries:
// the bank's tables are loaded into every engine available (a fresh DuckDB
// always; MariaDB when STRATA_TEST_MYSQL_DSN is set — see engine/enginetest),
// each query is compiled for the engine's dialect and run there, and its
// answer must equal the hand-written SQL's on DuckDB over the same data.
//
// It lives here rather than in engine/enginetest because it compiles metric
// queries, and engine/ must not import the compiler.
//
// One engine, one case: go test ./materializer -run 'TestConformance/mariadb/by_segment'
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
			for _, c := range oracleCases {
				t.Run(c.name, func(t *testing.T) {
					q := c.q
					q.NoRollup = true
					p, perr := plan.Build(w.Catalog, &q)
					if perr != nil {
						t.Fatalf("plan: %v", perr)
					}
					sql, err := sqlgen.Generate(p, dialect)
					if err != nil {
						t.Fatalf("%s SQL: %v", e.Name, err)
					}
					res, err := e.Engine.Query(ctx, sql)
					if err != nil {
						t.Fatalf("%s: %v\nSQL:\n%s", e.Name, err, sql)
					}
					got := &service.Result{Columns: resultColumns(p), Rows: res.Rows}
					types := make([]string, len(got.Columns))
					for i, col := range got.Columns {
						types[i] = col.Type
					}
					engine.Conform(got.Rows, types)
					oracleSQL := c.sql
					if e.Name != "duckdb" && len(c.approx) > 0 {
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
							diff, e.Name, sql, e.Name, formatRows(got.Rows, 20), formatRows(want.Rows, 20))
					}
				})
			}
		})
	}
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
