package service_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/strata-metrics/strata/compiler/sqlgen"
	"github.com/strata-metrics/strata/engine"
	"github.com/strata-metrics/strata/materializer"
	"github.com/strata-metrics/strata/service"
)

// faultEngine fails the statements failOn picks, passing the rest through.
type faultEngine struct {
	engine.Engine
	failOn func(sql string, args []any) bool
}

var errInjected = errors.New("injected failure")

func (f *faultEngine) Exec(ctx context.Context, q string, args ...any) error {
	if f.failOn(q, args) {
		return errInjected
	}
	return f.Engine.Exec(ctx, q, args...)
}

func (f *faultEngine) ExecTx(ctx context.Context, stmts ...engine.Statement) error {
	for _, st := range stmts {
		if f.failOn(st.SQL, st.Args) {
			return errInjected
		}
	}
	return f.Engine.ExecTx(ctx, stmts...)
}

// readDict reads the customers' key dictionary.
func readDict(t *testing.T, e engine.Engine) map[string]int64 {
	t.Helper()
	res, err := e.Query(context.Background(), `SELECT entity_key, id FROM _strata.keys_customers`)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]int64{}
	for _, r := range res.Rows {
		out[r[0].(string)] = r[1].(int64)
	}
	return out
}

// rewriteCustomers replaces the customers file with the rows of a query over
// the current one (read as c).
func rewriteCustomers(t *testing.T, w *service.Project, dir, query string) {
	t.Helper()
	f := filepath.Join(dir, "data", "customers.parquet")
	q := fmt.Sprintf("COPY (%s) TO '%s.tmp' (FORMAT parquet)", strings.ReplaceAll(query, "CUSTOMERS", "read_parquet('"+f+"')"), f)
	if err := w.Engine.Exec(context.Background(), q); err != nil {
		t.Fatalf("rewriting customers: %v", err)
	}
	if err := os.Rename(f+".tmp", f); err != nil {
		t.Fatal(err)
	}
}

// TestTextKeyDictionaryStable rebuilds the tags of a text-key bank after
// customers are deleted and added, with builds that fail on the way: the
// ids of existing keys never change, new keys get new ids after the largest,
// deleted keys are never members, a failed build leaves the previous
// versions serving (over the ids they were built with) and the dictionary
// consistent, and every answer equals hand-written SQL.
func TestTextKeyDictionaryStable(t *testing.T) {
	ctx := context.Background()
	dir := filepath.Join(t.TempDir(), "bank")
	w, err := openTextKeyBank(ctx, dir, 800)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	evalKeys := func(expr string) []string {
		s, err := service.NewAudiences(w)
		if err != nil {
			t.Fatal(err)
		}
		return memberKeys(t, s, expr, nil)
	}
	// The first build gives the keys 0..n-1 in key order.
	first := readDict(t, w.Engine)
	all0 := keysWhere(t, w.Engine, "TRUE")
	if len(first) != len(all0) {
		t.Fatalf("dictionary holds %d keys; the customers %d", len(first), len(all0))
	}
	for i, k := range all0 {
		if first[k] != int64(i) {
			t.Fatalf("first build: key %s has id %d, want %d", k, first[k], i)
		}
	}
	hv0 := evalKeys("high_value")
	if len(hv0) == 0 {
		t.Fatal("no high_value customers to test with")
	}

	// Delete every 7th customer and add 25 whose keys sort before and after
	// every existing one.
	rewriteCustomers(t, w, dir, `SELECT * FROM CUSTOMERS c WHERE hash(c.customer_id) % 7 <> 0
UNION ALL SELECT * EXCLUDE (n) REPLACE ((CASE WHEN n % 2 = 0 THEN 'A' ELSE 'Z' END) || lpad(CAST(n AS VARCHAR), 5, '0') AS customer_id)
FROM (SELECT *, ROW_NUMBER() OVER (ORDER BY customer_id) AS n FROM CUSTOMERS) x WHERE n <= 25`)
	all1 := keysWhere(t, w.Engine, "TRUE")
	var deleted, added []string
	for _, k := range all0 {
		if _, ok := slices.BinarySearch(all1, k); !ok {
			deleted = append(deleted, k)
		}
	}
	for _, k := range all1 {
		if _, ok := first[k]; !ok {
			added = append(added, k)
		}
	}
	if len(deleted) == 0 || len(added) != 25 {
		t.Fatalf("%d deleted, %d added; the rewrite should do both", len(deleted), len(added))
	}

	// A build whose high_value swap fails: the new keys are in the
	// dictionary, every other tag is rebuilt, high_value keeps its version.
	failing := &faultEngine{Engine: w.Engine, failOn: func(q string, args []any) bool {
		return q == sqlgen.TagSwap(w.Dialect) && len(args) > 0 && args[0] == "high_value"
	}}
	res, err := materializer.New(w.Catalog, failing, w.Dialect).RefreshTags(ctx, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range res {
		if (r.Err != nil) != (r.Name == "high_value") {
			t.Errorf("build %s: %v", r.Name, r.Err)
		}
	}
	second := readDict(t, w.Engine)
	checkStable := func(step string, d map[string]int64) {
		t.Helper()
		for k, id := range first {
			if d[k] != id {
				t.Errorf("%s: key %s has id %d; it had %d", step, k, d[k], id)
			}
		}
		for i, k := range added { // added is sorted: new ids in key order
			if want := int64(len(first) + i); d[k] != want {
				t.Errorf("%s: new key %s has id %d, want %d", step, k, d[k], want)
			}
		}
		if len(d) != len(first)+len(added) {
			t.Errorf("%s: dictionary holds %d keys, want %d", step, len(d), len(first)+len(added))
		}
	}
	checkStable("after a failed build", second)
	var hvKept []string
	for _, k := range hv0 {
		if _, ok := slices.BinarySearch(all1, k); ok {
			hvKept = append(hvKept, k)
		}
	}
	if got := evalKeys("high_value"); !slices.Equal(got, hvKept) {
		t.Errorf("high_value after its failed build (its previous version within today's customers): %s", diffKeys(got, hvKept))
	}
	if got, want := evalKeys("segment = 'mass' OR NOT segment = 'mass'"), all1; !slices.Equal(got, want) {
		t.Errorf("the population after the build: %s", diffKeys(got, want))
	}

	// A build whose dictionary update fails builds nothing of customers and
	// leaves the dictionary as it was.
	failing.failOn = func(q string, _ []any) bool {
		return strings.HasPrefix(q, "INSERT INTO") && strings.Contains(q, "keys_customers")
	}
	res, err = materializer.New(w.Catalog, failing, w.Dialect).RefreshTags(ctx, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range res {
		if r.Err == nil || !strings.Contains(r.Error, "key dictionary") {
			t.Errorf("build %s with a failing dictionary: %v", r.Name, r.Err)
		}
	}
	checkStable("after a failed dictionary update", readDict(t, w.Engine))

	// A good build: everything equals the hand-written SQL over the new
	// customers; the deleted keys are no one's members.
	if err := buildAll(ctx, w.Materializer()); err != nil {
		t.Fatal(err)
	}
	checkStable("after a good build", readDict(t, w.Engine))
	for _, c := range cases() {
		if got, want := evalKeys(c.expr), keysWhere(t, w.Engine, c.sql); !slices.Equal(got, want) {
			t.Errorf("after the rebuild, %s: %s", c.expr, diffKeys(got, want))
		}
	}
	for _, expr := range []string{"high_value OR NOT high_value", "NOT segment = 'staff'", "quiet_90d"} {
		for _, k := range evalKeys(expr) {
			if _, gone := slices.BinarySearch(deleted, k); gone {
				t.Errorf("deleted customer %s is a member of %s", k, expr)
			}
		}
	}

	// A deleted customer who comes back has the id it had.
	back := deleted[0]
	rewriteCustomers(t, w, dir, `SELECT * FROM CUSTOMERS c UNION ALL SELECT * REPLACE ('`+back+`' AS customer_id) FROM (SELECT * FROM CUSTOMERS LIMIT 1) x`)
	if err := buildAll(ctx, w.Materializer()); err != nil {
		t.Fatal(err)
	}
	third := readDict(t, w.Engine)
	checkStable("after a customer came back", third)
	if third[back] != first[back] {
		t.Errorf("returning customer %s has id %d; it had %d", back, third[back], first[back])
	}
	if got := evalKeys("high_value OR NOT high_value"); !slices.Contains(got, back) {
		t.Errorf("returning customer %s is not in the population", back)
	}
}
