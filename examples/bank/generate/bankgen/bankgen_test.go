package bankgen

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	yaml "github.com/goccy/go-yaml"

	"github.com/strata-metrics/strata/engine/duckdb"
)

const testTransactions = 20000

func generate(t *testing.T, seed uint64, parallelism int) (string, Stats) {
	t.Helper()
	dir := t.TempDir()
	st, err := Generate(context.Background(), dir, Options{Transactions: testTransactions, Seed: seed, Parallelism: parallelism})
	if err != nil {
		t.Fatal(err)
	}
	return dir, st
}

func hashes(t *testing.T, dir string) map[string]string {
	t.Helper()
	h := map[string]string{}
	for _, tb := range Tables {
		f, err := os.Open(filepath.Join(dir, tb.Name+".parquet"))
		if err != nil {
			t.Fatal(err)
		}
		s := sha256.New()
		if _, err := io.Copy(s, f); err != nil {
			t.Fatal(err)
		}
		f.Close()
		h[tb.Name] = hex.EncodeToString(s.Sum(nil))
	}
	return h
}

func TestDeterministic(t *testing.T) {
	dirA, _ := generate(t, 7, 1)
	dirB, _ := generate(t, 7, 4) // parallelism must not matter
	dirC, _ := generate(t, 8, 0)
	a, b, c := hashes(t, dirA), hashes(t, dirB), hashes(t, dirC)
	for _, tb := range Tables {
		if a[tb.Name] != b[tb.Name] {
			t.Errorf("%s: same seed, different bytes", tb.Name)
		}
	}
	// Reference tables do not depend on the seed; the rest must.
	for _, name := range []string{"transactions", "balances", "app_events", "customers", "accounts"} {
		if a[name] == c[name] {
			t.Errorf("%s: different seeds, same bytes", name)
		}
	}
	entries, err := os.ReadDir(dirA)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != len(Tables) {
		t.Errorf("%d files in the output directory, want %d (leftover temporaries?)", len(entries), len(Tables))
	}
}

// physicalModel is the part of examples/bank/models/physical.yaml the test
// checks the files against.
type physicalModel struct {
	Tables []struct {
		Name    string        `yaml:"name"`
		Source  string        `yaml:"source"`
		Columns yaml.MapSlice `yaml:"columns"`
	} `yaml:"tables"`
}

func openFiles(t *testing.T, dir string) *duckdb.DB {
	t.Helper()
	db, err := duckdb.Open("", 2)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	for _, tb := range Tables {
		if err := db.RegisterSource(context.Background(), tb.Name, filepath.Join(dir, tb.Name+".parquet")); err != nil {
			t.Fatal(err)
		}
	}
	return db
}

func TestMatchesPhysicalModel(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join("..", "..", "models", "physical.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var model physicalModel
	if err := yaml.Unmarshal(raw, &model); err != nil {
		t.Fatal(err)
	}
	dir, st := generate(t, 1, 0)
	db := openFiles(t, dir)
	ctx := context.Background()

	if len(model.Tables) != len(Tables) {
		t.Errorf("physical.yaml declares %d tables, the generator writes %d", len(model.Tables), len(Tables))
	}
	rows := map[string]int64{}
	for _, f := range st.Files {
		rows[f.Table] = f.Rows
		if f.Rows <= 0 || f.Bytes <= 0 {
			t.Errorf("%s: %d rows, %d bytes", f.Table, f.Rows, f.Bytes)
		}
	}
	for _, mt := range model.Tables {
		if want := "data/" + mt.Name + ".parquet"; mt.Source != want {
			t.Errorf("%s: source %q, the generator writes %q", mt.Name, mt.Source, want)
		}
		res, err := db.Query(ctx, "DESCRIBE "+duckdb.QuoteIdent(mt.Name))
		if err != nil {
			t.Errorf("%s: %v", mt.Name, err)
			continue
		}
		var got, want []string
		for _, r := range res.Rows {
			got = append(got, fmt.Sprintf("%v %v", r[0], r[1]))
		}
		for _, c := range mt.Columns {
			typ := strings.ToUpper(strings.ReplaceAll(fmt.Sprint(c.Value), " ", ""))
			want = append(want, fmt.Sprintf("%v %s", c.Key, typ))
		}
		if strings.Join(got, ", ") != strings.Join(want, ", ") {
			t.Errorf("%s columns:\n got %s\nwant %s", mt.Name, strings.Join(got, ", "), strings.Join(want, ", "))
		}
		res, err = db.Query(ctx, "SELECT count(*) FROM "+duckdb.QuoteIdent(mt.Name))
		if err != nil {
			t.Fatal(err)
		}
		if n := res.Rows[0][0].(int64); n != rows[mt.Name] {
			t.Errorf("%s: %d rows in the file, Stats says %d", mt.Name, n, rows[mt.Name])
		}
	}
}

func TestShapeAndDirt(t *testing.T) {
	dir, _ := generate(t, 1, 0)
	db := openFiles(t, dir)
	ctx := context.Background()
	checks := []struct {
		what, sql string
		lo, hi    float64
	}{
		{"transactions", "SELECT count(*) FROM transactions", testTransactions, testTransactions},
		{"customers", "SELECT count(*) FROM customers", 500, 500},
		{"accounts per customer", "SELECT count(*) / (SELECT count(*) FROM customers) FROM accounts", 1.3, 1.7},
		{"balance rows per transaction", fmt.Sprintf("SELECT count(*) / %d FROM balances", testTransactions), 0.45, 0.6},
		{"balance accounts", "SELECT count(DISTINCT account_id) FROM balances", 20, 40},
		{"event rows per transaction", fmt.Sprintf("SELECT count(*) / %d FROM app_events", testTransactions), 0.5, 0.5},
		{"branches", "SELECT count(*) FROM branches", 40, 40},
		{"cities", "SELECT count(DISTINCT city) FROM branches", 10, 14},
		{"regions", "SELECT count(DISTINCT region) FROM branches", 4, 4},
		{"products", "SELECT count(*) FROM products", 12, 12},
		{"channels", "SELECT count(*) FROM channels", 5, 5},
		{"calendar days", "SELECT count(*) FROM calendar WHERE cal_date BETWEEN DATE '2023-12-01' AND DATE '2025-07-31'", 609, 609},
		{"holidays", "SELECT count(*) FROM calendar WHERE is_holiday", 5, 80},

		// Keys and order.
		{"txn_id is 1..n in file order", "SELECT count(*) FROM (SELECT txn_id, row_number() OVER () AS rn FROM transactions) WHERE txn_id <> rn", 0, 0},
		{"txn_time never goes back", "SELECT count(*) FROM (SELECT txn_time, lag(txn_time) OVER () AS p FROM transactions) WHERE txn_time < p", 0, 0},
		{"event_id is 1..n in file order", "SELECT count(*) FROM (SELECT event_id, row_number() OVER () AS rn FROM app_events) WHERE event_id <> rn", 0, 0},
		{"duplicate balances", "SELECT count(*) - count(DISTINCT (account_id, snapshot_date)) FROM balances", 0, 0},
		{"txn range", "SELECT count(*) FROM transactions WHERE txn_time < TIMESTAMP '2024-01-01' OR txn_time >= TIMESTAMP '2025-07-01'", 0, 0},
		{"amount range", "SELECT count(*) FROM transactions WHERE abs(amount) < 1 OR abs(amount) > 50000", 0, 0},
		{"owner matches", "SELECT avg((t.customer_id = a.customer_id)::INT) FROM transactions t JOIN accounts a USING (account_id)", 0.97, 0.999},
		{"account opened after txn", "SELECT count(*) FROM transactions t JOIN accounts a USING (account_id) WHERE a.opened_date > t.value_date", 0, 0},
		{"value_date is the Shanghai date or the day after", "SELECT count(*) FROM transactions WHERE value_date - CAST(txn_time + INTERVAL 8 HOUR AS DATE) NOT IN (0, 1)", 0, 0},

		// Dirt.
		{"orphan customers in transactions", "SELECT avg((customer_id NOT IN (SELECT customer_id FROM customers))::INT) FROM transactions", 0.005, 0.02},
		{"orphan accounts in transactions", "SELECT avg((account_id NOT IN (SELECT account_id FROM accounts))::INT) FROM transactions", 0.002, 0.01},
		{"orphan customers in app_events", "SELECT avg((customer_id NOT IN (SELECT customer_id FROM customers))::INT) FROM app_events", 0.005, 0.02},
		{"customers at missing branches", "SELECT count(*) FROM customers WHERE branch_id NOT IN (SELECT branch_id FROM branches)", 1, 15},
		{"NULL segments", "SELECT avg((segment IS NULL)::INT) FROM customers", 0.02, 0.09},
		{"posted", "SELECT avg((status = 'posted')::INT) FROM transactions", 0.9, 0.96},
		{"reversed", "SELECT avg((status = 'reversed')::INT) FROM transactions", 0.02, 0.06},
		{"pending", "SELECT avg((status = 'pending')::INT) FROM transactions", 0.015, 0.05},
		{"refunds", "SELECT count(*) FROM transactions WHERE amount < 0", 50, 1000},
		{"txns 16:00-24:00 UTC", "SELECT avg((hour(txn_time) >= 16)::INT) FROM transactions", 0.08, 0.3},
		{"posted a day late", "SELECT avg((value_date > CAST(txn_time + INTERVAL 8 HOUR AS DATE))::INT) FROM transactions", 0.01, 0.04},
		{"mobile is the top channel", "SELECT mode(channel_id) FROM transactions", 1, 1},
		{"millionaires", "SELECT count(*) FROM customers WHERE aum >= 1000000", 10, 200},
		{"accounts leaving balances early", "SELECT count(*) FROM (SELECT max(snapshot_date) AS d FROM balances GROUP BY account_id) WHERE d < DATE '2025-06-30'", 3, 40},
		{"accounts joining balances late", "SELECT count(*) FROM (SELECT min(snapshot_date) AS d FROM balances GROUP BY account_id) WHERE d > DATE '2024-01-01'", 3, 40},
		{"closed accounts", "SELECT count(*) FROM accounts WHERE status = 'closed'", 10, 200},
		{"unknown values", `SELECT count(*) FROM transactions WHERE status NOT IN ('posted', 'reversed', 'pending') OR channel_id NOT BETWEEN 1 AND 5`, 0, 0},
		{"unknown events", `SELECT count(*) FROM app_events WHERE event_type NOT IN ('login', 'view', 'transfer', 'purchase') OR device NOT IN ('ios', 'android', 'web')`, 0, 0},
		{"birth dates", "SELECT count(*) FROM customers WHERE birth_date < DATE '1945-01-01' OR birth_date > DATE '2005-12-31'", 0, 0},
	}
	for _, c := range checks {
		res, err := db.Query(ctx, c.sql)
		if err != nil {
			t.Errorf("%s: %v", c.what, err)
			continue
		}
		var v float64
		switch x := res.Rows[0][0].(type) {
		case int64:
			v = float64(x)
		case float64:
			v = x
		default:
			t.Errorf("%s: unexpected %T %v", c.what, x, x)
			continue
		}
		if v < c.lo || v > c.hi {
			t.Errorf("%s = %v, want in [%v, %v]", c.what, v, c.lo, c.hi)
		}
	}
}

func TestGenerateRejectsNegative(t *testing.T) {
	if _, err := Generate(context.Background(), t.TempDir(), Options{Transactions: -1}); err == nil {
		t.Fatal("negative transaction count accepted")
	}
}

func TestGenerateCanceled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := Generate(ctx, t.TempDir(), Options{Transactions: testTransactions}); err == nil {
		t.Fatal("canceled generation succeeded")
	}
}

func BenchmarkGenerate100k(b *testing.B) {
	for b.Loop() {
		if _, err := Generate(context.Background(), b.TempDir(), Options{Transactions: 100_000, Seed: 1}); err != nil {
			b.Fatal(err)
		}
	}
}

// TestMonthsSpan checks the span option: the facts cover exactly the
// requested months from 2024-01-01, the calendar one month more on each side,
// and Months 18 is the default's bytes.
func TestMonthsSpan(t *testing.T) {
	ctx := context.Background()
	for _, c := range []struct {
		months                  int
		first, last, cal0, calN string
	}{
		{0, "2024-01-01", "2025-06-30", "2023-12-01", "2025-07-31"},
		{24, "2024-01-01", "2025-12-31", "2023-12-01", "2026-01-31"},
		{3, "2024-01-01", "2024-03-31", "2023-12-01", "2024-04-30"},
	} {
		dir := t.TempDir()
		if _, err := Generate(ctx, dir, Options{Transactions: 5000, Months: c.months, Seed: 2}); err != nil {
			t.Fatal(err)
		}
		db := openFiles(t, dir)
		res, err := db.Query(ctx, `SELECT CAST(min(CAST(txn_time AS DATE)) AS VARCHAR), CAST(max(CAST(txn_time AS DATE)) AS VARCHAR),
			(SELECT CAST(min(cal_date) AS VARCHAR) FROM calendar), (SELECT CAST(max(cal_date) AS VARCHAR) FROM calendar),
			(SELECT CAST(max(snapshot_date) AS VARCHAR) FROM balances),
			(SELECT count(DISTINCT CAST(txn_time AS DATE)) FROM transactions)
			FROM transactions`)
		if err != nil {
			t.Fatal(err)
		}
		got := fmt.Sprint(res.Rows[0][:5]...)
		want := fmt.Sprint(c.first, c.last, c.cal0, c.calN, c.last)
		if got != want {
			t.Errorf("months %d: transactions, calendar and balances span %s, want %s", c.months, got, want)
		}
		if c.months == 0 {
			same := t.TempDir()
			if _, err := Generate(ctx, same, Options{Transactions: 5000, Months: DefaultMonths, Seed: 2}); err != nil {
				t.Fatal(err)
			}
			a, b := hashes(t, dir), hashes(t, same)
			for name := range a {
				if a[name] != b[name] {
					t.Errorf("Months %d and the default differ in %s", DefaultMonths, name)
				}
			}
		}
	}
	for _, m := range []int{-1, MaxMonths + 1} {
		if _, err := Generate(ctx, t.TempDir(), Options{Transactions: 100, Months: m}); err == nil || !strings.Contains(err.Error(), "months") {
			t.Errorf("Months %d: got %v, want an error naming months", m, err)
		}
	}
}
