package service_test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/strata-metrics/strata/compiler/plan"
	"github.com/strata-metrics/strata/engine"
	"github.com/strata-metrics/strata/examples/bank/generate/bankgen"
	"github.com/strata-metrics/strata/internal/banktest"
	"github.com/strata-metrics/strata/materializer"
	"github.com/strata-metrics/strata/service"
)

// The bank with a text customer key: the same data, every customer_id
// turned into a string such as 'C0007919' (banktest.TextKeys), and the
// model's customer_id columns declared varchar. Its tags get their ids from the customers' key
// dictionary; every answer must equal the same hand-written SQL as the
// integer bank's, the keys compared as text.

// makeTextKeyBank writes the text-key bank into dir: model, extra tags and data.
func makeTextKeyBank(ctx context.Context, dir string, transactions, customers int) error {
	if err := banktest.CopyModel(dir); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, "models", "extra_tags.yaml"), []byte(extraTags), 0o644); err != nil {
		return err
	}
	opts := bankgen.Options{Transactions: transactions, Customers: customers, Seed: 7}
	if _, err := bankgen.Generate(ctx, filepath.Join(dir, "data"), opts); err != nil {
		return err
	}
	return banktest.TextKeys(ctx, dir)
}

// openTextKeyBank opens a text-key bank and builds every tag.
func openTextKeyBank(ctx context.Context, dir string, customers int) (*service.Project, error) {
	if err := makeTextKeyBank(ctx, dir, testTransactions, customers); err != nil {
		return nil, err
	}
	w, err := banktest.Open(ctx, dir, service.Options{})
	if err != nil {
		return nil, err
	}
	if err := buildAll(ctx, w.Materializer()); err != nil {
		w.Close()
		return nil, err
	}
	return w, nil
}

func buildAll(ctx context.Context, m *materializer.Materializer) error {
	res, err := m.RefreshTags(ctx, nil, nil)
	if err != nil {
		return err
	}
	for _, r := range res {
		if r.Err != nil {
			return fmt.Errorf("tag %s: %w", r.Name, r.Err)
		}
	}
	return nil
}

var textBank struct {
	once sync.Once
	w    *service.Project
	s    *service.Audiences
	err  error
}

// textBankService is bankService for the text-key bank.
func textBankService(t testing.TB) (*service.Project, *service.Audiences) {
	t.Helper()
	textBank.once.Do(func() {
		ctx := context.Background()
		if textBank.w, textBank.err = openTextKeyBank(ctx, filepath.Join(testRoot, "textbank"), testCustomers); textBank.err != nil {
			return
		}
		textBank.s, textBank.err = service.NewAudiences(textBank.w)
	})
	if textBank.err != nil {
		t.Fatalf("text-key bank: %v", textBank.err)
	}
	return textBank.w, textBank.s
}

// keysWhere lists the keys of the customers the hand-written condition holds for, sorted.
func keysWhere(t *testing.T, e engine.Engine, cond string) []string {
	t.Helper()
	res, err := e.Query(context.Background(), "SELECT c.customer_id "+handFrom+" WHERE "+cond+" ORDER BY 1")
	if err != nil {
		t.Fatalf("hand-written SQL: %v\n%s", err, cond)
	}
	out := make([]string, len(res.Rows))
	for i, r := range res.Rows {
		out[i] = r[0].(string)
	}
	return out
}

// memberKeys evaluates an audience to its members' keys, sorted.
func memberKeys(t *testing.T, s *service.Audiences, expr string, scope *plan.Scope) []string {
	t.Helper()
	ctx := context.Background()
	members, a, _, err := s.MembersIn(ctx, expr, scope)
	if err != nil {
		t.Fatalf("%s: %v", expr, err)
	}
	keys, err := s.MemberKeys(ctx, a, members)
	if err != nil {
		t.Fatalf("%s: keys: %v", expr, err)
	}
	if uint64(len(keys)) != members.GetCardinality() {
		t.Fatalf("%s: %d keys for %d members", expr, len(keys), members.GetCardinality())
	}
	sort.Strings(keys)
	return keys
}

func diffKeys(got, want []string) string {
	var out []string
	for _, k := range got {
		if _, ok := slices.BinarySearch(want, k); !ok && len(out) < 5 {
			out = append(out, "+"+k)
		}
	}
	for _, k := range want {
		if _, ok := slices.BinarySearch(got, k); !ok && len(out) < 10 {
			out = append(out, "-"+k)
		}
	}
	return fmt.Sprintf("%d vs %d hand-written; first differences %v", len(got), len(want), out)
}

// TestTextKeyOracleMembers checks every audience of the text-key bank, its
// size, population and CSV export of the original keys against hand-written SQL.
func TestTextKeyOracleMembers(t *testing.T) {
	w, s := textBankService(t)
	ctx := context.Background()
	all := keysWhere(t, w.Engine, "TRUE")
	if len(all) != testCustomers || !strings.HasPrefix(all[0], "C") {
		t.Fatalf("the text-key bank has %d customers (first %q); want %d text keys", len(all), all[0], testCustomers)
	}
	for _, c := range cases() {
		t.Run(c.expr, func(t *testing.T) {
			want := keysWhere(t, w.Engine, c.sql)
			res, err := s.Evaluate(ctx, &service.AudienceRequest{Expr: c.expr})
			if err != nil {
				t.Fatalf("evaluate: %v", err)
			}
			if res.Size != uint64(len(want)) || res.Population != uint64(len(all)) {
				t.Errorf("size %d of %d; hand-written %d of %d", res.Size, res.Population, len(want), len(all))
			}
			if got := memberKeys(t, s, c.expr, nil); !slices.Equal(got, want) {
				t.Errorf("members differ: %s", diffKeys(got, want))
			}
			members, a, _, err := s.Members(ctx, c.expr)
			if err != nil {
				t.Fatal(err)
			}
			var buf bytes.Buffer
			if err := s.Export(ctx, &buf, service.ExportCSV, a, members); err != nil {
				t.Fatal(err)
			}
			lines := strings.Split(strings.TrimSuffix(buf.String(), "\n"), "\n")
			if lines[0] != "customer_id" {
				t.Fatalf("CSV export header %q", lines[0])
			}
			got := lines[1:]
			if len(want) == 0 && len(got) == 1 && got[0] == "" {
				got = nil
			}
			sort.Strings(got)
			if !slices.Equal(got, want) {
				t.Errorf("CSV export: %s", diffKeys(got, want))
			}
		})
	}
}

// TestTextKeyParquetExport reads the Parquet export of original keys back with DuckDB.
func TestTextKeyParquetExport(t *testing.T) {
	w, s := textBankService(t)
	ctx := context.Background()
	for _, c := range []audienceCase{cases()[1], cases()[10], cases()[17], cases()[19]} {
		members, a, _, err := s.Members(ctx, c.expr)
		if err != nil {
			t.Fatal(err)
		}
		path := filepath.Join(t.TempDir(), "keys.parquet")
		f, err := os.Create(path)
		if err != nil {
			t.Fatal(err)
		}
		if err := s.Export(ctx, f, service.ExportParquet, a, members); err != nil {
			t.Fatal(err)
		}
		f.Close()
		res, err := w.Engine.Query(ctx, "SELECT customer_id FROM read_parquet('"+path+"') ORDER BY 1")
		if err != nil {
			t.Fatalf("reading the export: %v", err)
		}
		got := make([]string, len(res.Rows))
		for i, r := range res.Rows {
			got[i] = r[0].(string)
		}
		if want := keysWhere(t, w.Engine, c.sql); !slices.Equal(got, want) {
			t.Errorf("%s: parquet export: %s", c.expr, diffKeys(got, want))
		}
	}
}

// TestTextKeyProfileAndSaturation checks profiles and tag saturation of the
// text-key bank against hand-written SQL.
func TestTextKeyProfileAndSaturation(t *testing.T) {
	w, s := textBankService(t)
	ctx := context.Background()
	var fields []string
	for _, f := range profileFields {
		fields = append(fields, f.field)
	}
	count := func(cond string) uint64 {
		res, err := w.Engine.Query(ctx, "SELECT COUNT(*) "+handFrom+" WHERE "+cond)
		if err != nil {
			t.Fatalf("hand-written SQL: %v\n%s", err, cond)
		}
		return uint64(res.Rows[0][0].(int64))
	}
	tags := tagSQL()
	for _, i := range []int{0, 3, 7, 10, 12, 21, 23, 26} {
		c := cases()[i]
		res, err := s.Evaluate(ctx, &service.AudienceRequest{Expr: c.expr, Profile: fields, Tags: true})
		if err != nil {
			t.Fatalf("%s: %v", c.expr, err)
		}
		for k, f := range profileFields {
			for _, v := range res.Profile[k].Values {
				cond := f.sql + " IS NULL"
				if v.Value != nil {
					cond = "COALESCE(CAST(" + f.sql + " AS VARCHAR) = '" + *v.Value + "', FALSE)"
				}
				if want, pop := count("("+c.sql+") AND "+cond), count(cond); v.Count != want || v.PopulationCount != pop {
					t.Errorf("%s: profile %s = %v: %d of %d; hand-written %d of %d", c.expr, f.field, v.Value, v.Count, v.PopulationCount, want, pop)
				}
			}
			res2, err := w.Engine.Query(ctx, "SELECT COUNT(DISTINCT CAST("+f.sql+" AS VARCHAR)) + MAX(CASE WHEN "+f.sql+" IS NULL THEN 1 ELSE 0 END) "+handFrom)
			if err != nil {
				t.Fatal(err)
			}
			if n := res2.Rows[0][0]; fmt.Sprint(n) != fmt.Sprint(len(res.Profile[k].Values)) {
				t.Errorf("%s: profile %s has %d values; hand-written %v", c.expr, f.field, len(res.Profile[k].Values), n)
			}
		}
		if len(res.Saturation) != len(tags) {
			t.Errorf("%s: saturation covers %d tags and values; want %d", c.expr, len(res.Saturation), len(tags))
		}
		for _, sat := range res.Saturation {
			key := sat.Tag
			if sat.Value != nil {
				key += "=" + *sat.Value
			}
			cond, ok := tags[key]
			if !ok {
				t.Errorf("%s: saturation of unexpected tag %s", c.expr, key)
				continue
			}
			if want := count("(" + c.sql + ") AND " + cond); sat.Count != want {
				t.Errorf("%s: saturation %s = %d; hand-written %d", c.expr, key, sat.Count, want)
			}
		}
	}
}

// TestTextKeyAudienceMetrics checks metrics restricted to audiences of the
// text-key bank, and grouped by named audiences, against hand-written SQL;
// the semi-join maps the ids to keys through the dictionary.
func TestTextKeyAudienceMetrics(t *testing.T) {
	w, _ := textBankService(t)
	ctx := context.Background()
	hand := `SELECT c.segment, SUM(t.amount) FILTER (WHERE t.status = 'posted'), COUNT(t.txn_id), COUNT(DISTINCT t.customer_id)
FROM transactions t LEFT JOIN customers c ON c.customer_id = t.customer_id
WHERE t.customer_id IN (SELECT c.customer_id ` + handFrom + ` WHERE %s) GROUP BY 1`
	for _, i := range []int{0, 1, 7, 10, 12, 17, 22, 23, 27, 28} {
		c := cases()[i]
		q := &plan.Query{Metrics: []string{"txn_amount", "txn_count", "active_customers"}, Dimensions: []string{"customers.segment"}, Audience: c.expr}
		got, err := w.Query(ctx, q)
		if err != nil {
			t.Fatalf("%s: %v", c.expr, err)
		}
		want, err := w.Engine.Query(ctx, fmt.Sprintf(hand, c.sql))
		if err != nil {
			t.Fatalf("hand-written SQL: %v", err)
		}
		if g, h := rowsText(got.Rows), rowsText(want.Rows); strings.Join(g, "\n") != strings.Join(h, "\n") {
			t.Errorf("%s: strata:\n%s\nhand-written:\n%s\nSQL:\n%s", c.expr, strings.Join(g, "\n"), strings.Join(h, "\n"), got.Meta.SQL)
		}
		if !strings.Contains(got.Meta.SQL, "keys_customers") {
			t.Errorf("%s: the semi-join does not go through the key dictionary:\n%s", c.expr, got.Meta.SQL)
		}
	}
	q := &plan.Query{Metrics: []string{"txn_count"}, Audiences: map[string]string{"hv": "high_value", "rest": "NOT high_value"}, Audience: "NOT segment = 'staff'"}
	got, err := w.Query(ctx, q)
	if err != nil {
		t.Fatal(err)
	}
	want, err := w.Engine.Query(ctx, `SELECT CASE WHEN `+leaves["HV"]+` THEN 'hv' ELSE 'rest' END, COUNT(t.txn_id)
FROM transactions t JOIN customers c ON c.customer_id = t.customer_id WHERE NOT `+seg("staff")+` GROUP BY 1`)
	if err != nil {
		t.Fatal(err)
	}
	if g, h := rowsText(got.Rows), rowsText(want.Rows); strings.Join(g, "\n") != strings.Join(h, "\n") {
		t.Errorf("grouped by audiences: strata %v; hand-written %v", g, h)
	}
}

// TestTextKeyScopedKey checks a key limited to one segment: the population,
// sizes and exported keys of the text-key bank stay within it.
func TestTextKeyScopedKey(t *testing.T) {
	w, s := textBankService(t)
	ctx := context.Background()
	sc := &plan.Scope{Key: "mass_team", Where: "customers.segment = 'mass' OR branches.region = 'North'"}
	in := "(" + seg("mass") + " OR " + leaves["NORTH"] + ")"
	pop := keysWhere(t, w.Engine, in)
	for _, i := range []int{0, 1, 7, 11, 18, 23} {
		c := cases()[i]
		res, err := s.Evaluate(ctx, &service.AudienceRequest{Expr: c.expr, Scope: sc})
		if err != nil {
			t.Fatalf("%s: %v", c.expr, err)
		}
		want := keysWhere(t, w.Engine, "("+c.sql+") AND "+in)
		if res.Size != uint64(len(want)) || res.Population != uint64(len(pop)) {
			t.Errorf("%s: scoped size %d of %d; hand-written %d of %d", c.expr, res.Size, res.Population, len(want), len(pop))
		}
		if got := memberKeys(t, s, c.expr, sc); !slices.Equal(got, want) {
			t.Errorf("%s: scoped members: %s", c.expr, diffKeys(got, want))
		}
	}
}
