package materializer_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/strata-metrics/strata/compiler/plan"
	"github.com/strata-metrics/strata/examples/bank/generate/bankgen"
	"github.com/strata-metrics/strata/internal/banktest"
	"github.com/strata-metrics/strata/service"
)

// latticeModel adds rollups to the bank model that finer ones produce
// exactly (a week grain from the day rollup, fewer fields without time, the
// semi-additive balance by fewer fields at its day grain) and one that none
// does (the balance by month: a snapshot is not summed over dates).
const latticeModel = `rollups:
  - name: lat_week
    metrics: [txn_amount, txn_count, active_customers, approx_customers, max_txn, min_txn, avg_amount]
    dimensions: [channels.name]
    time: { field: transactions.txn_time, grain: week }
  - name: lat_total
    metrics: [txn_count, posted_count, max_txn]
    dimensions: [customers.segment]
  - name: lat_balance_segment
    metrics: [total_balance]
    dimensions: [customers.segment]
    time: { field: balances.snapshot_date, grain: day }
  - name: lat_sorted
    metrics: [txn_count]
    dimensions: [branches.city, customers.segment]
    time: { field: transactions.txn_time, grain: day }
  - name: lat_balance_month
    metrics: [total_balance]
    dimensions: [customers.segment]
    time: { field: balances.snapshot_date, grain: month }
`

// latticeBank generates a small bank with the lattice rollups into dir.
func latticeBank(t *testing.T, dir string) {
	t.Helper()
	if err := banktest.CopyModel(dir); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "models", "lattice.yaml"), []byte(latticeModel), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := bankgen.Generate(context.Background(), filepath.Join(dir, "data"), bankgen.Options{Transactions: 4000, Seed: 5}); err != nil {
		t.Fatal(err)
	}
}

// storedRows reads a rollup's current version as text, row by row in the
// order stored, sets sorted (a set's order is not part of its value), with
// its column types.
func storedRows(t *testing.T, w *service.Project, name string, sorted bool) (types, rows []string) {
	t.Helper()
	ctx := context.Background()
	st, err := w.Status(ctx)
	if err != nil {
		t.Fatal(err)
	}
	table := ""
	for _, s := range st {
		if s.Name == name {
			table = s.Table
		}
	}
	if table == "" {
		t.Fatalf("%s is not built", name)
	}
	quoted := `"_strata"."` + strings.TrimPrefix(table, "_strata.") + `"`
	desc, err := w.Engine.Query(ctx, "DESCRIBE "+quoted)
	if err != nil {
		t.Fatal(err)
	}
	var cols []string
	for _, r := range desc.Rows {
		c, typ := r[0].(string), r[1].(string)
		types = append(types, c+" "+typ)
		if strings.HasSuffix(typ, "[]") {
			cols = append(cols, `list_sort("`+c+`")`)
		} else {
			cols = append(cols, `"`+c+`"`)
		}
	}
	q := "SELECT " + strings.Join(cols, ", ") + " FROM " + quoted
	if sorted {
		q += " ORDER BY ALL"
	}
	res, err := w.Engine.Query(ctx, q)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range res.Rows {
		rows = append(rows, fmt.Sprint(r...))
	}
	return types, rows
}

// A refresh builds each rollup that a finer fresh one produces from that
// one, finer first, says so, and stores the same rows with the same types as
// a build from the raw tables.
func TestLatticeBuildsEqualRawBuilds(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	latticeBank(t, dir)
	lat, err := banktest.Open(ctx, dir, service.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer lat.Close()
	res, err := lat.Refresh(ctx, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	from := map[string]string{}
	pos := map[string]int{}
	for i, r := range res {
		if r.Err != nil {
			t.Fatalf("%s: %v", r.Name, r.Err)
		}
		from[r.Name], pos[r.Name] = r.From, i
	}
	want := map[string]string{
		"txn_daily": "", "balance_daily": "", "app_daily": "", "lat_balance_month": "",
		"txn_monthly_segment": "txn_daily", "lat_week": "txn_daily", "lat_total": "txn_daily",
		"lat_balance_segment": "balance_daily", "lat_sorted": "txn_daily",
	}
	for name, src := range want {
		if from[name] != src {
			t.Errorf("%s built from %q, want %q", name, from[name], src)
		}
		if src != "" && pos[src] > pos[name] {
			t.Errorf("%s built before its source %s", name, src)
		}
	}
	st, err := lat.Status(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range st {
		if s.BuiltFrom != want[s.Name] {
			t.Errorf("status: %s built_from %q, want %q", s.Name, s.BuiltFrom, want[s.Name])
		}
	}

	// The same rollups, each built alone in an empty warehouse: from the raw tables.
	raw, err := banktest.Open(ctx, dir, service.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	for name, src := range want {
		if src == "" {
			continue
		}
		r2, err := raw.Refresh(ctx, []string{name}, nil)
		if err != nil || r2[0].Err != nil || r2[0].From != "" {
			t.Fatalf("raw build of %s: %v %+v", name, err, r2)
		}
		lt, lr := storedRows(t, lat, name, true)
		rt, rr := storedRows(t, raw, name, true)
		if strings.Join(lt, "\n") != strings.Join(rt, "\n") {
			t.Errorf("%s: column types differ:\nlattice %v\nraw     %v", name, lt, rt)
		}
		if len(lr) == 0 || len(lr) != len(rr) {
			t.Fatalf("%s: %d rows from the lattice, %d from raw", name, len(lr), len(rr))
		}
		for i := range lr {
			if lr[i] != rr[i] {
				t.Errorf("%s row %d: lattice %s, raw %s", name, i, lr[i], rr[i])
				break
			}
		}
	}

	// And the answers they serve are the raw answers.
	for _, q := range []*plan.Query{
		{Metrics: []string{"txn_amount", "active_customers", "avg_amount", "max_txn"}, Dimensions: []string{"channels.name", "transactions.txn_time.week"}},
		{Metrics: []string{"txn_count", "posted_count"}, Dimensions: []string{"customers.segment"}},
		{Metrics: []string{"total_balance"}, Dimensions: []string{"customers.segment", "balances.snapshot_date.month"}},
	} {
		got, err := lat.Query(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		nr := *q
		nr.NoRollup = true
		want, err := lat.Query(ctx, &nr)
		if err != nil {
			t.Fatal(err)
		}
		if got.Meta.ServedBy == "raw" {
			t.Errorf("%v: served by raw", q.Metrics)
		}
		if g, w := rowSet(got.Rows), rowSet(want.Rows); g != w {
			t.Errorf("%v served by %s: answers differ from raw:\n%s\nraw:\n%s", q.Metrics, got.Meta.ServedBy, g, w)
		}
	}
}

// rowSet is an answer's rows as sorted lines: queries without an order.
// Floating-point values (averages) are compared to 12 significant digits,
// as a ratio of exact sums is computed in a different order by each path.
func rowSet(rows [][]any) string {
	lines := make([]string, len(rows))
	for i, r := range rows {
		cells := make([]string, len(r))
		for j, v := range r {
			if f, ok := v.(float64); ok {
				cells[j] = strconv.FormatFloat(f, 'g', 12, 64)
			} else {
				cells[j] = fmt.Sprint(v)
			}
		}
		lines[i] = strings.Join(cells, " ")
	}
	sort.Strings(lines)
	return strings.Join(lines, "\n")
}

// A stored rollup is sorted by its time label, then its fields from the
// fewest distinct values to the most, whatever order they are declared in,
// as far as the runs stay long enough to skip (sortPrefix): this small
// rollup keeps the field with the fewest values, declared second.
func TestRollupsStoredSorted(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	latticeBank(t, dir)
	w, err := banktest.Open(ctx, dir, service.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	if res, err := w.Refresh(ctx, []string{"lat_sorted"}, nil); err != nil || res[0].Err != nil {
		t.Fatalf("%v %+v", err, res)
	}
	st, err := w.Status(ctx)
	if err != nil {
		t.Fatal(err)
	}
	table := ""
	for _, s := range st {
		if s.Name == "lat_sorted" {
			table = `"_strata"."` + strings.TrimPrefix(s.Table, "_strata.") + `"`
		}
	}
	card, err := w.Engine.Query(ctx, `SELECT COUNT(DISTINCT "customers.segment"), COUNT(DISTINCT "branches.city") FROM `+table)
	if err != nil {
		t.Fatal(err)
	}
	if seg, city := card.Rows[0][0].(int64), card.Rows[0][1].(int64); seg >= city || seg < 2 {
		t.Fatalf("the data must have fewer segments than cities, and several: %d, %d", seg, city)
	}
	cols := `"transactions.txn_time.day", "customers.segment"`
	stored, err := w.Engine.Query(ctx, "SELECT "+cols+" FROM "+table)
	if err != nil {
		t.Fatal(err)
	}
	sorted, err := w.Engine.Query(ctx, "SELECT "+cols+" FROM "+table+" ORDER BY "+cols+" NULLS LAST")
	if err != nil {
		t.Fatal(err)
	}
	if len(stored.Rows) < 100 {
		t.Fatalf("only %d rows: too few to tell", len(stored.Rows))
	}
	for i := range stored.Rows {
		if fmt.Sprint(stored.Rows[i]) != fmt.Sprint(sorted.Rows[i]) {
			t.Fatalf("row %d stored as %v, sorted it is %v", i, stored.Rows[i], sorted.Rows[i])
		}
	}
}

// Every sum is stored in the narrow type when its values fit (the bank's
// all do), written so by the build itself: no stored column keeps the
// 128-bit type SUM gives.
func TestBuildsStoreNarrowSums(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	latticeBank(t, dir)
	w, err := banktest.Open(ctx, dir, service.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	res, err := w.Refresh(ctx, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range res {
		if r.Err != nil {
			t.Fatalf("%s: %v", r.Name, r.Err)
		}
	}
	st, err := w.Status(ctx)
	if err != nil {
		t.Fatal(err)
	}
	sums := 0
	for _, s := range st {
		desc, err := w.Engine.Query(ctx, `DESCRIBE "_strata"."`+strings.TrimPrefix(s.Table, "_strata.")+`"`)
		if err != nil {
			t.Fatal(err)
		}
		for _, row := range desc.Rows {
			name, typ := fmt.Sprint(row[0]), strings.ToUpper(fmt.Sprint(row[1]))
			if typ == "HUGEINT" || strings.HasPrefix(typ, "DECIMAL(38") {
				t.Errorf("%s.%s is stored as %s", s.Name, name, typ)
			}
			if strings.HasPrefix(typ, "DECIMAL(18") {
				sums++
			}
		}
	}
	if sums == 0 {
		t.Fatal("no decimal sum column in any rollup: the test checks nothing")
	}
}
