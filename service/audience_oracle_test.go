package service_test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/strata-metrics/strata/engine"
	"github.com/strata-metrics/strata/service"
)

// Hand-written membership of every tag and predicate, over customers c LEFT
// JOIN branches b. Each is TRUE or FALSE, never NULL, so that NOT, AND and OR
// in the hand-written SQL are the set operations an audience promises:
// NOT x is everyone in customers who is not in x.
const (
	localTxnTime = `((t.txn_time AT TIME ZONE 'UTC') AT TIME ZONE 'Asia/Shanghai')`
	watermark    = `(SELECT MAX(` + localTxnTime + `) FROM transactions t)`
)

var leaves = map[string]string{
	"HV":     `COALESCE(c.aum >= 1000000, FALSE)`,
	"NORTH":  `COALESCE(b.region = 'North', FALSE)`,
	"YOUNG":  `COALESCE(c.birth_date > DATE '1995-01-01', FALSE)`,
	"MOBILE": `c.customer_id IN (SELECT t.customer_id FROM transactions t JOIN channels ch ON ch.channel_id = t.channel_id WHERE ch.name = 'mobile' AND ` + localTxnTime + ` > ` + watermark + ` - INTERVAL 30 DAY AND ` + localTxnTime + ` <= ` + watermark + ` GROUP BY 1 HAVING COUNT(t.txn_id) >= 3)`,
	"BUSY":   `c.customer_id IN (SELECT t.customer_id FROM transactions t WHERE ` + inWindow(90) + ` GROUP BY 1 HAVING COUNT(t.txn_id) >= 5)`,
	"QUIET":  `NOT c.customer_id IN (SELECT t.customer_id FROM transactions t WHERE t.customer_id IS NOT NULL AND ` + inWindow(90) + ` GROUP BY 1 HAVING COUNT(t.txn_id) >= 2)`,
	"NOTXN":  `NOT c.customer_id IN (SELECT t.customer_id FROM transactions t WHERE t.customer_id IS NOT NULL AND ` + inWindow(30) + `)`,
	"BIG":    `c.customer_id IN (SELECT t.customer_id FROM transactions t WHERE ` + localTxnTime + ` > ` + watermark + ` - INTERVAL 90 DAY AND ` + localTxnTime + ` <= ` + watermark + ` GROUP BY 1 HAVING SUM(t.amount) FILTER (WHERE t.status = 'posted') > 20000)`,
}

func inWindow(days int) string {
	return fmt.Sprintf("%s > %s - INTERVAL %d DAY AND %s <= %s", localTxnTime, watermark, days, localTxnTime, watermark)
}

func seg(v string) string  { return fmt.Sprintf("COALESCE(c.segment = '%s', FALSE)", v) }
func risk(v string) string { return fmt.Sprintf("COALESCE(c.risk_level = '%s', FALSE)", v) }
func sex(v string) string  { return fmt.Sprintf("COALESCE(c.gender = '%s', FALSE)", v) }

type audienceCase struct {
	expr string
	sql  string // the hand-written condition on c and b
}

func cases() []audienceCase {
	L := leaves
	return []audienceCase{
		{"high_value", L["HV"]},
		{"NOT high_value", "NOT " + L["HV"]},
		{"segment = 'mass'", seg("mass")},
		{"NOT segment = 'staff'", "NOT " + seg("staff")},
		{"segment IN ('affluent', 'private')", seg("affluent") + " OR " + seg("private")},
		{"segment NOT IN ('mass')", "NOT " + seg("mass")},
		{"high_value AND segment = 'private'", L["HV"] + " AND " + seg("private")},
		{"high_value OR mobile_active_30d", L["HV"] + " OR " + L["MOBILE"]},
		{"mobile_active_30d", L["MOBILE"]},
		{"NOT (high_value OR mobile_active_30d)", "NOT (" + L["HV"] + " OR " + L["MOBILE"] + ")"},
		{"(high_value AND NOT risk = 'low') OR (segment = 'mass' AND mobile_active_30d)",
			"(" + L["HV"] + " AND NOT " + risk("low") + ") OR (" + seg("mass") + " AND " + L["MOBILE"] + ")"},
		{"((high_value OR segment = 'affluent') AND (risk IN ('high', 'medium') OR NOT mobile_active_30d))",
			"((" + L["HV"] + " OR " + seg("affluent") + ") AND ((" + risk("high") + " OR " + risk("medium") + ") OR NOT " + L["MOBILE"] + "))"},
		{"customers.aum > 500000", "COALESCE(c.aum > 500000, FALSE)"},
		{"high_value AND customers.gender = 'F'", L["HV"] + " AND " + sex("F")},
		{"NOT customers.birth_date > DATE '1990-01-01'", "NOT COALESCE(c.birth_date > DATE '1990-01-01', FALSE)"},
		{"segment = 'mass' AND customers.joined_date >= DATE '2024-01-01'", seg("mass") + " AND COALESCE(c.joined_date >= DATE '2024-01-01', FALSE)"},
		{"customers.age_band = 'under 30'", L["YOUNG"]},
		{"high_value AND NOT high_value", "FALSE"},
		{"high_value OR NOT high_value", "TRUE"},
		{"segment = 'no such segment'", "FALSE"},
		{"NOT segment IN ('mass', 'affluent', 'private', 'staff')", "c.segment IS NULL"},
		{"young AND north", L["YOUNG"] + " AND " + L["NORTH"]},
		{"big_spender AND NOT mobile_active_30d", L["BIG"] + " AND NOT " + L["MOBILE"]},
		{"gender = 'M' AND NOT risk = 'high' AND segment IN ('mass', 'affluent') AND (high_value OR mobile_active_30d)",
			sex("M") + " AND NOT " + risk("high") + " AND (" + seg("mass") + " OR " + seg("affluent") + ") AND (" + L["HV"] + " OR " + L["MOBILE"] + ")"},
		{"(((high_value)))", L["HV"]},
		{"NOT NOT high_value", L["HV"]},
		{"customers.aum BETWEEN 100000 AND 200000 OR customers.segment IS NULL", "COALESCE(c.aum BETWEEN 100000 AND 200000, FALSE) OR c.segment IS NULL"},
		{"busy_90d AND big_spender", L["BUSY"] + " AND " + L["BIG"]},
		{"quiet_90d", L["QUIET"]},
		{"no_txn_30d AND NOT quiet_90d", L["NOTXN"] + " AND NOT " + L["QUIET"]},
		{"north AND NOT (customers.risk_level = 'low' OR risk = 'medium')", L["NORTH"] + " AND NOT (" + risk("low") + " OR " + risk("medium") + ")"},
		{"NOT north OR big_spender AND customers.aum < 50000", "NOT " + L["NORTH"] + " OR (" + L["BIG"] + " AND COALESCE(c.aum < 50000, FALSE))"},
	}
}

const handFrom = "FROM customers c LEFT JOIN branches b ON b.branch_id = c.branch_id"

func ids(t *testing.T, e engine.Engine, cond string) []int64 {
	t.Helper()
	res, err := e.Query(context.Background(), "SELECT c.customer_id "+handFrom+" WHERE "+cond+" ORDER BY 1")
	if err != nil {
		t.Fatalf("hand-written SQL: %v\n%s", err, cond)
	}
	out := make([]int64, len(res.Rows))
	for i, r := range res.Rows {
		out[i] = r[0].(int64)
	}
	return out
}

// TestOracleMembers checks every audience's members, size and population
// against hand-written SQL, and its CSV and Parquet exports against the same,
// under both evaluations: on bitsets (the bank's ids are dense) and on the
// roaring bitmaps (what a sparse key space gets).
func TestOracleMembers(t *testing.T) {
	w, s := bankService(t)
	if !s.EvaluatesDense("customers") {
		t.Fatal("the bank's customers should be evaluated on bitsets")
	}
	for _, mode := range []string{"dense", "roaring"} {
		t.Run(mode, func(t *testing.T) {
			s.SetRoaringOnly(mode == "roaring")
			defer s.SetRoaringOnly(false)
			oracleMembers(t, w, s)
		})
	}
}

func oracleMembers(t *testing.T, w *service.Project, s *service.Audiences) {
	ctx := context.Background()
	all := ids(t, w.Engine, "TRUE")
	var empty, whole bool
	for _, c := range cases() {
		t.Run(c.expr, func(t *testing.T) {
			want := ids(t, w.Engine, c.sql)
			res, err := s.Evaluate(ctx, &service.AudienceRequest{Expr: c.expr})
			if err != nil {
				t.Fatalf("evaluate: %v", err)
			}
			if res.Size != uint64(len(want)) || res.Population != uint64(len(all)) {
				t.Errorf("size %d of %d; hand-written %d of %d", res.Size, res.Population, len(want), len(all))
			}
			members, _, _, err := s.Members(ctx, c.expr)
			if err != nil {
				t.Fatal(err)
			}
			got := make([]int64, 0, members.GetCardinality())
			for _, id := range members.ToArray() {
				got = append(got, int64(id))
			}
			if !slices.Equal(got, want) {
				t.Errorf("members differ: %d vs %d hand-written; first differences %v", len(got), len(want), firstDiff(got, want))
			}
			var buf bytes.Buffer
			if err := service.WriteIDsCSV(&buf, "customer_id", members); err != nil {
				t.Fatal(err)
			}
			lines := strings.Split(strings.TrimSuffix(buf.String(), "\n"), "\n")
			if lines[0] != "customer_id" || len(lines)-1 != len(want) {
				t.Fatalf("CSV export: header %q and %d ids; want %d", lines[0], len(lines)-1, len(want))
			}
			for i, l := range lines[1:] {
				if n, _ := strconv.ParseInt(l, 10, 64); n != want[i] {
					t.Fatalf("CSV export line %d: %s, want %d", i+2, l, want[i])
				}
			}
		})
		n := len(ids(t, w.Engine, c.sql))
		empty = empty || n == 0
		whole = whole || n == len(all)
	}
	if len(cases()) < 25 || !empty || !whole {
		t.Errorf("the cases must number at least 25 (%d) and include an empty audience (%v) and the whole population (%v)", len(cases()), empty, whole)
	}
}

func firstDiff(a, b []int64) []string {
	in := func(xs []int64, x int64) bool { _, ok := slices.BinarySearch(xs, x); return ok }
	var out []string
	for _, x := range a {
		if !in(b, x) && len(out) < 5 {
			out = append(out, fmt.Sprintf("+%d", x))
		}
	}
	for _, x := range b {
		if !in(a, x) && len(out) < 10 {
			out = append(out, fmt.Sprintf("-%d", x))
		}
	}
	return out
}

// TestOracleParquetExport reads the Parquet export back with DuckDB.
func TestOracleParquetExport(t *testing.T) {
	w, s := bankService(t)
	ctx := context.Background()
	for _, c := range []audienceCase{cases()[1], cases()[10], cases()[17]} {
		members, _, _, err := s.Members(ctx, c.expr)
		if err != nil {
			t.Fatal(err)
		}
		path := filepath.Join(t.TempDir(), "ids.parquet")
		f, err := os.Create(path)
		if err != nil {
			t.Fatal(err)
		}
		if err := service.WriteIDsParquet(f, "customer_id", members); err != nil {
			t.Fatal(err)
		}
		f.Close()
		res, err := w.Engine.Query(ctx, "SELECT customer_id FROM read_parquet('"+path+"') ORDER BY 1")
		if err != nil {
			t.Fatalf("reading the export: %v", err)
		}
		want := ids(t, w.Engine, c.sql)
		if len(res.Rows) != len(want) {
			t.Fatalf("%s: parquet holds %d ids, want %d", c.expr, len(res.Rows), len(want))
		}
		for i, r := range res.Rows {
			if r[0].(int64) != want[i] {
				t.Fatalf("%s: parquet row %d = %v, want %d", c.expr, i, r[0], want[i])
			}
		}
	}
}
