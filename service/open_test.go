package service_test

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/strata-metrics/strata/compiler/plan"
	"github.com/strata-metrics/strata/compiler/sqlgen"
	"github.com/strata-metrics/strata/engine"
	"github.com/strata-metrics/strata/engine/duckdb"
	"github.com/strata-metrics/strata/examples/bank/generate/bankgen"
	"github.com/strata-metrics/strata/internal/banktest"
	"github.com/strata-metrics/strata/service"
)

// recording is an engine that counts the statements that may write.
type recording struct {
	engine.Engine
	mu     sync.Mutex
	writes []string
}

func (r *recording) Exec(ctx context.Context, sql string, args ...any) error {
	r.mu.Lock()
	r.writes = append(r.writes, sql)
	r.mu.Unlock()
	return r.Engine.Exec(ctx, sql, args...)
}

func (r *recording) ExecTx(ctx context.Context, stmts ...engine.Statement) error {
	r.mu.Lock()
	for _, s := range stmts {
		r.writes = append(r.writes, s.SQL)
	}
	r.mu.Unlock()
	return r.Engine.ExecTx(ctx, stmts...)
}

func (r *recording) reset() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	w := r.writes
	r.writes = nil
	return w
}

// Opening a project for queries writes nothing once its sources are
// registered: the second open over the same warehouse, its queries, explains
// and status reads issue no statement that writes. A changed source file is
// registered again.
func TestOpenIsReadOnly(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	if err := banktest.CopyModel(dir); err != nil {
		t.Fatal(err)
	}
	if _, err := bankgen.Generate(ctx, filepath.Join(dir, "data"), bankgen.Options{Transactions: 2000, Seed: 7}); err != nil {
		t.Fatal(err)
	}
	_, cat, err := banktest.Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	db, err := duckdb.Open(filepath.Join(dir, "warehouse.duckdb"), 1)
	if err != nil {
		t.Fatal(err)
	}
	eng := &recording{Engine: db}
	defer db.Close()

	first, err := service.New(ctx, cat, eng, sqlgen.DuckDB{})
	if err != nil {
		t.Fatal(err)
	}
	if w := eng.reset(); len(w) == 0 {
		t.Fatal("the first open registered no source views")
	}
	if res, err := first.Refresh(ctx, []string{"txn_monthly_segment"}, nil); err != nil || res[0].Err != nil {
		t.Fatalf("refresh: %v %+v", err, res)
	}
	eng.reset()

	s, err := service.New(ctx, cat, eng, sqlgen.DuckDB{})
	if err != nil {
		t.Fatal(err)
	}
	q := &plan.Query{Metrics: []string{"txn_amount", "active_customers"}, Dimensions: []string{"customers.segment"}}
	res, err := s.Query(ctx, q)
	if err != nil {
		t.Fatal(err)
	}
	if res.Meta.ServedBy != "txn_monthly_segment" || len(res.Rows) == 0 {
		t.Fatalf("served by %s with %d rows; want the built rollup", res.Meta.ServedBy, len(res.Rows))
	}
	if _, err := s.Explain(ctx, q); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Status(ctx); err != nil {
		t.Fatal(err)
	}
	if w := eng.reset(); len(w) > 0 {
		t.Fatalf("opening for queries wrote %d statements, want none:\n%v", len(w), w)
	}

	// A table whose file changed gets its view again (a view binds the file's
	// columns when it is made), and only that one.
	src := filepath.Join(dir, cat.Project.Tables[0].Source.Value)
	later := time.Now().Add(time.Minute)
	if err := os.Chtimes(src, later, later); err != nil {
		t.Fatal(err)
	}
	if _, err := service.New(ctx, cat, eng, sqlgen.DuckDB{}); err != nil {
		t.Fatal(err)
	}
	w := eng.reset()
	if len(w) != 2 || !slices.ContainsFunc(w, func(s string) bool { return s == sqlgen.RecordSource(sqlgen.DuckDB{}) }) {
		t.Fatalf("a changed source wrote %v; want its view and its record", w)
	}
}
