package service_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/strata-metrics/strata/compiler/plan"
	"github.com/strata-metrics/strata/engine/enginetest"
	"github.com/strata-metrics/strata/engine/mysql"
	"github.com/strata-metrics/strata/examples/bank/generate/bankgen"
	"github.com/strata-metrics/strata/internal/banktest"
	"github.com/strata-metrics/strata/model"
	"github.com/strata-metrics/strata/service"
)

// tagBankOnMariaDB opens the project in dir (its model and data) on DuckDB,
// the reference, and a copy switched to MariaDB with every source loaded
// into the database db, as bankOnMariaDB does for the tour.
func tagBankOnMariaDB(t *testing.T, srv *enginetest.Server, dir, db string) (ref, onMaria *service.Project) {
	t.Helper()
	ctx := context.Background()
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
	if err := loader.Exec(ctx, "CREATE DATABASE IF NOT EXISTS "+db); err != nil {
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
		if err := enginetest.LoadParquet(ctx, loader, db+"."+tb.Name, cols, filepath.Join(dir, tb.Source.Value)); err != nil {
			t.Fatal(err)
		}
	}
	mdir := t.TempDir()
	if err := banktest.CopyTree(filepath.Join(dir, "models"), filepath.Join(mdir, "models")); err != nil {
		t.Fatal(err)
	}
	physical := filepath.Join(mdir, "models", "physical.yaml")
	b, err := os.ReadFile(physical)
	if err != nil {
		t.Fatal(err)
	}
	b = regexp.MustCompile(`source: data/(\w+)\.parquet`).ReplaceAll(b, []byte("source: "+db+".$1"))
	if err := os.WriteFile(physical, b, 0o644); err != nil {
		t.Fatal(err)
	}
	s, err := os.ReadFile(filepath.Join(dir, "strata.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	s = []byte(strings.Replace(string(s), "  type: duckdb\n  path: .strata/warehouse.duckdb\n", "  type: mysql\n  dsn: \"${STRATA_TEST_BANK_DSN}\"\n  query_timeout: 2m\n", 1))
	if err := os.WriteFile(filepath.Join(mdir, "strata.yaml"), s, 0o644); err != nil {
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

// TestTagsOnMariaDB builds every tag of the bank on MariaDB — the packed
// entity scan, the packed behaviour aggregations and, for the text-key bank,
// the key dictionary — and checks audiences' members, sizes, profiles,
// saturation, exports and audience-restricted metrics against the
// hand-written DuckDB SQL over the same rows.
func TestTagsOnMariaDB(t *testing.T) {
	srv := enginetest.StartMariaDB(t)
	ctx := context.Background()
	for _, text := range []bool{false, true} {
		name := map[bool]string{false: "integer_key", true: "text_key"}[text]
		t.Run(name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "bank")
			if text {
				if err := makeTextKeyBank(ctx, dir, 4000, 600); err != nil {
					t.Fatal(err)
				}
			} else {
				if err := banktest.CopyModel(dir); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(filepath.Join(dir, "models", "extra_tags.yaml"), []byte(extraTags), 0o644); err != nil {
					t.Fatal(err)
				}
				if _, err := bankgen.Generate(ctx, filepath.Join(dir, "data"), bankgen.Options{Transactions: 4000, Customers: 600, Seed: 7}); err != nil {
					t.Fatal(err)
				}
			}
			ref, m := tagBankOnMariaDB(t, srv, dir, "ods_"+name)
			if err := buildAll(ctx, m.Materializer()); err != nil {
				t.Fatalf("tag builds on mariadb: %v", err)
			}
			if err := buildAll(ctx, m.Materializer()); err != nil {
				t.Fatalf("tag rebuilds on mariadb: %v", err)
			}
			s, err := service.NewAudiences(m)
			if err != nil {
				t.Fatal(err)
			}
			hand := func(cond string) []string {
				res, err := ref.Engine.Query(ctx, "SELECT CAST(c.customer_id AS VARCHAR) "+handFrom+" WHERE "+cond+" ORDER BY 1")
				if err != nil {
					t.Fatalf("hand-written SQL: %v\n%s", err, cond)
				}
				out := make([]string, len(res.Rows))
				for i, r := range res.Rows {
					out[i] = r[0].(string)
				}
				return out
			}
			all := hand("TRUE")
			for _, c := range cases() {
				want := hand(c.sql)
				res, err := s.Evaluate(ctx, &service.AudienceRequest{Expr: c.expr})
				if err != nil {
					t.Fatalf("%s: %v", c.expr, err)
				}
				if res.Size != uint64(len(want)) || res.Population != uint64(len(all)) {
					t.Errorf("%s: size %d of %d; hand-written %d of %d", c.expr, res.Size, res.Population, len(want), len(all))
				}
				members, a, _, err := s.Members(ctx, c.expr)
				if err != nil {
					t.Fatal(err)
				}
				var buf strings.Builder
				if err := s.Export(ctx, &buf, service.ExportCSV, a, members); err != nil {
					t.Fatal(err)
				}
				got := strings.Split(strings.TrimSuffix(buf.String(), "\n"), "\n")[1:]
				if len(want) == 0 && len(got) == 1 && got[0] == "" {
					got = nil
				}
				sort.Strings(got)
				if !slices.Equal(got, want) {
					t.Errorf("%s: exported keys: %s", c.expr, diffKeys(got, want))
				}
			}
			// Profiles and saturation count what DuckDB counts.
			var fields []string
			for _, f := range profileFields {
				fields = append(fields, f.field)
			}
			rs, err := service.NewAudiences(ref)
			if err != nil {
				t.Fatal(err)
			}
			if err := buildAll(ctx, ref.Materializer()); err != nil {
				t.Fatal(err)
			}
			for _, i := range []int{0, 7, 12, 23} {
				c := cases()[i]
				req := &service.AudienceRequest{Expr: c.expr, Profile: fields, Tags: true}
				got, err := s.Evaluate(ctx, req)
				if err != nil {
					t.Fatal(err)
				}
				want, err := rs.Evaluate(ctx, req)
				if err != nil {
					t.Fatal(err)
				}
				if g, w := jsonText(got.Profile), jsonText(want.Profile); g != w {
					t.Errorf("%s: profile on mariadb\n%s\non duckdb\n%s", c.expr, g, w)
				}
				if g, w := jsonText(got.Saturation), jsonText(want.Saturation); g != w {
					t.Errorf("%s: saturation on mariadb\n%s\non duckdb\n%s", c.expr, g, w)
				}
			}
			// Metrics restricted to an audience: the ids loaded into a table on
			// MariaDB, the semi-join (through the dictionary for text keys).
			handQ := `SELECT c.segment, SUM(t.amount) FILTER (WHERE t.status = 'posted'), COUNT(t.txn_id), COUNT(DISTINCT t.customer_id)
FROM transactions t LEFT JOIN customers c ON c.customer_id = t.customer_id
WHERE t.customer_id IN (SELECT c.customer_id ` + handFrom + ` WHERE %s) GROUP BY 1 ORDER BY 1 NULLS LAST`
			for _, i := range []int{0, 1, 10, 17, 27} {
				c := cases()[i]
				q := &plan.Query{Metrics: []string{"txn_amount", "txn_count", "active_customers"}, Dimensions: []string{"customers.segment"}, Order: []string{"customers.segment"}, Audience: c.expr}
				got, err := m.Query(ctx, q)
				if err != nil {
					t.Fatalf("%s: %v", c.expr, err)
				}
				want, err := ref.Engine.Query(ctx, fmt.Sprintf(handQ, c.sql))
				if err != nil {
					t.Fatalf("hand-written SQL: %v", err)
				}
				if diff := sameRows(got.Rows, want.Rows); diff != "" {
					t.Errorf("%s: %s\nmariadb SQL:\n%s", c.expr, diff, got.Meta.SQL)
				}
			}
		})
	}
}

func jsonText(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return err.Error()
	}
	return string(b)
}
