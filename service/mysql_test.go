package service_test

import (
	"context"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/strata-metrics/strata/compiler/plan"
	"github.com/strata-metrics/strata/engine"
	"github.com/strata-metrics/strata/engine/enginetest"
	"github.com/strata-metrics/strata/engine/mysql"
	"github.com/strata-metrics/strata/examples/bank/generate/bankgen"
	"github.com/strata-metrics/strata/internal/banktest"
	"github.com/strata-metrics/strata/model"
	"github.com/strata-metrics/strata/service"
)

// tourQueries are the README tour's queries.
var tourQueries = []plan.Query{
	{Metrics: []string{"txn_amount", "active_customers", "avg_ticket"}, Dimensions: []string{"customers.segment"}, Order: []string{"-txn_amount"}},
	{Metrics: []string{"txn_amount", "txn_amount_mom"}, Dimensions: []string{"transactions.txn_time.month"},
		Where: "transactions.txn_time >= '2025-01-01' AND transactions.txn_time < '2025-07-01'"},
	{Metrics: []string{"total_balance"}, Dimensions: []string{"balances.snapshot_date.quarter", "branches.region"}, Limit: 8},
	{Metrics: []string{"txn_amount", "txn_count"}, Dimensions: []string{"channels.name", "transactions.txn_time.month"}},
}

// bankOnMariaDB generates the bank's data, opens it on DuckDB (the reference)
// and loads the same rows into the database ods of a private MariaDB, then
// opens a copy of the project switched to that server: engine type mysql,
// the DSN from the environment, every source an engine table (ods.<table>).
func bankOnMariaDB(t *testing.T, srv *enginetest.Server) (ref, onMaria *service.Project) {
	t.Helper()
	ctx := context.Background()
	dir := t.TempDir()
	if err := banktest.CopyModel(dir); err != nil {
		t.Fatal(err)
	}
	if _, err := bankgen.Generate(ctx, filepath.Join(dir, "data"), bankgen.Options{Transactions: 4000, Seed: 3}); err != nil {
		t.Fatal(err)
	}
	ref, err := banktest.Open(ctx, dir, service.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ref.Close() })

	loader, err := mysql.Open(ctx, mysql.Config{DSN: srv.DSN})
	if err != nil {
		t.Fatal(err)
	}
	defer loader.Close()
	if err := loader.Exec(ctx, "CREATE DATABASE IF NOT EXISTS ods"); err != nil {
		t.Fatal(err)
	}
	for _, tb := range ref.Project.Tables {
		key := map[string]bool{}
		for _, k := range tb.PrimaryKey {
			key[k.Value] = true
		}
		var cols []enginetest.ColumnDef
		for _, c := range tb.Columns {
			cols = append(cols, enginetest.ColumnDef{Name: c.Name, Type: c.Type.String(), Key: key[c.Name]})
		}
		if err := enginetest.LoadParquet(ctx, loader, "ods."+tb.Name, cols, filepath.Join(dir, tb.Source.Value)); err != nil {
			t.Fatal(err)
		}
	}

	mdir := t.TempDir()
	if err := banktest.CopyModel(mdir); err != nil {
		t.Fatal(err)
	}
	physical := filepath.Join(mdir, "models", "physical.yaml")
	b, err := os.ReadFile(physical)
	if err != nil {
		t.Fatal(err)
	}
	b = regexp.MustCompile(`source: data/(\w+)\.parquet`).ReplaceAll(b, []byte("source: ods.$1"))
	if err := os.WriteFile(physical, b, 0o644); err != nil {
		t.Fatal(err)
	}
	settings := filepath.Join(mdir, "strata.yaml")
	s, err := os.ReadFile(settings)
	if err != nil {
		t.Fatal(err)
	}
	s = []byte(strings.Replace(string(s), "  type: duckdb\n  path: .strata/warehouse.duckdb\n", "  type: mysql\n  dsn: \"${STRATA_TEST_BANK_DSN}\"\n  query_timeout: 2m\n", 1))
	if err := os.WriteFile(settings, s, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Setenv("STRATA_TEST_BANK_DSN", srv.DSN)
	_, cat, err := banktest.Load(mdir)
	if err != nil {
		t.Fatal(err)
	}
	if cat.Project.Engine.Type != model.EngineMySQL {
		t.Fatalf("the switched project's engine is %q", cat.Project.Engine.Type)
	}
	onMaria, err = service.Open(ctx, cat, service.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { onMaria.Close() })
	return ref, onMaria
}

// TestBankTourOnMariaDB runs the README tour on the bank example switched to
// MariaDB: refresh, status and the tour's queries give the numbers DuckDB gives.
func TestBankTourOnMariaDB(t *testing.T) {
	srv := enginetest.StartMariaDB(t)
	ref, m := bankOnMariaDB(t, srv)
	ctx := context.Background()
	for _, p := range []*service.Project{ref, m} {
		res, err := p.Refresh(ctx, nil, nil)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range res {
			if r.Err != nil {
				t.Fatalf("%s: refresh %s: %v", p.Dialect.Name(), r.Name, r.Err)
			}
		}
	}
	refStatus, err := ref.Status(ctx)
	if err != nil {
		t.Fatal(err)
	}
	status, err := m.Status(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for i, s := range status {
		if s.State != "fresh" || s.Rows != refStatus[i].Rows {
			t.Errorf("rollup %s on mariadb: %s with %d rows; on duckdb %s with %d rows", s.Name, s.State, s.Rows, refStatus[i].State, refStatus[i].Rows)
		}
	}
	rollupServed := 0
	for _, q := range tourQueries {
		want, err := ref.Query(ctx, &q)
		if err != nil {
			t.Fatal(err)
		}
		got, err := m.Query(ctx, &q)
		if err != nil {
			t.Fatalf("%v: %v", q.Metrics, err)
		}
		if got.Meta.ServedBy != "raw" {
			rollupServed++
		}
		t.Logf("%v by %v: served by %s on mariadb, %s on duckdb", q.Metrics, q.Dimensions, got.Meta.ServedBy, want.Meta.ServedBy)
		if diff := sameRows(got.Rows, want.Rows); diff != "" {
			t.Errorf("%v by %v: %s\nmariadb SQL:\n%s", q.Metrics, q.Dimensions, diff, got.Meta.SQL)
		}
	}
	if rollupServed == 0 {
		t.Error("no tour query was served by a rollup on mariadb")
	}
}

// sameRows compares two results in order: numbers to 1e-9 relative (the
// engines' quotients round differently past that), everything else exactly.
func sameRows(got, want [][]any) string {
	if len(got) != len(want) {
		return fmt.Sprintf("%d rows, want %d", len(got), len(want))
	}
	for i := range got {
		for j := range got[i] {
			if !sameCell(got[i][j], want[i][j]) {
				return fmt.Sprintf("row %d column %d: %v (%T), want %v (%T)", i, j, got[i][j], got[i][j], want[i][j], want[i][j])
			}
		}
	}
	return ""
}

func sameCell(a, b any) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	if x, ok := num(a); ok {
		y, ok := num(b)
		return ok && (x == y || math.Abs(x-y) <= 1e-9*math.Max(math.Abs(x), math.Abs(y)))
	}
	if x, ok := a.(time.Time); ok {
		y, ok := b.(time.Time)
		return ok && x.Equal(y)
	}
	return fmt.Sprint(a) == fmt.Sprint(b)
}

func num(v any) (float64, bool) {
	switch x := v.(type) {
	case int64:
		return float64(x), true
	case float64:
		return x, true
	case engine.Decimal:
		return x.Float64(), true
	case fmt.Stringer:
		var f float64
		if _, err := fmt.Sscan(strings.TrimSpace(x.String()), &f); err == nil {
			return f, true
		}
	}
	return 0, false
}
