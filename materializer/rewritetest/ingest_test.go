package rewritetest

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/strata-metrics/strata/compiler/plan"
	"github.com/strata-metrics/strata/engine/duckdb"
	"github.com/strata-metrics/strata/internal/banktest"
	"github.com/strata-metrics/strata/materializer"
	"github.com/strata-metrics/strata/service"
)

// TestIngestStaysExact appends rows to the bank's transactions (a single
// parquet file) the way POST /v1/ingest does: new days after the
// watermark, and late rows for a month long built. Right after the append
// raw queries see the rows, the day rollup serves with the lambda tail, and
// every answer equals hand-written SQL over the original file plus the
// appended rows as DuckDB itself reads them from the JSON lines; after a
// refresh the rollup holds them. A bad row rejects the whole append.
func TestIngestStaysExact(t *testing.T) {
	ctx := context.Background()
	_, src := sharedWarehouse(t)
	dir := filepath.Join(testRoot, "ingest")
	if err := banktest.CopyTree(src, dir); err != nil {
		t.Fatal(err)
	}
	w, err := openBank(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	if _, err := w.Refresh(ctx, nil, nil); err != nil {
		t.Fatal(err)
	}
	orig := duckdb.QuoteString(filepath.Join(dir, "data", "transactions.parquet"))

	// The rows: the last four days again, moved two days later and given
	// new ids, and a month of rows from five months before the end as late
	// data, written as JSON lines by DuckDB (decimals as numbers, times as
	// naive text), a few times with an offset instead.
	rowsFile := filepath.Join(t.TempDir(), "rows.jsonl")
	db, err := duckdb.Open("", 1)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	copyRows := fmt.Sprintf(`COPY (
  SELECT txn_id + 1000000000 AS txn_id, account_id, customer_id, channel_id, amount, status, merchant_category,
         strftime(txn_time + INTERVAL 2 DAY, '%%Y-%%m-%%d %%H:%%M:%%S') AS txn_time, CAST(value_date + INTERVAL 2 DAY AS DATE) AS value_date
  FROM read_parquet(%[1]s) WHERE txn_time >= (SELECT MAX(txn_time) FROM read_parquet(%[1]s)) - INTERVAL 4 DAY
  UNION ALL
  SELECT txn_id + 2000000000, account_id, customer_id, channel_id, amount, status, NULL,
         strftime(txn_time, '%%Y-%%m-%%dT%%H:%%M:%%SZ'), value_date
  FROM read_parquet(%[1]s)
  WHERE txn_time >= (SELECT MAX(txn_time) FROM read_parquet(%[1]s)) - INTERVAL 160 DAY
    AND txn_time < (SELECT MAX(txn_time) FROM read_parquet(%[1]s)) - INTERVAL 130 DAY AND txn_id %% 7 = 0
) TO %[2]s (FORMAT json)`, orig, duckdb.QuoteString(rowsFile))
	if err := db.Exec(ctx, copyRows); err != nil {
		t.Fatal(err)
	}
	body, err := os.ReadFile(rowsFile)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Count(string(body), "\n")
	if lines < 200 {
		t.Fatalf("only %d rows to append", lines)
	}

	// A bad row in the middle rejects the append: nothing is written.
	before := stat(t, w)
	rows := strings.Split(string(body), "\n")
	rows[lines/2] = regexp.MustCompile(`"amount":[0-9.]+`).ReplaceAllString(rows[lines/2], `"amount":1.005`)
	bad := strings.Join(rows, "\n")
	if _, err := w.Ingest(ctx, "transactions", service.IngestJSONLines, strings.NewReader(bad)); err == nil || !strings.Contains(err.Error(), fmt.Sprintf("row %d, amount: 1.005 has 3 digits after the point", lines/2+1)) {
		t.Fatalf("a row with three decimals: %v", err)
	}
	if stat(t, w) != before {
		t.Fatalf("a rejected append changed the source")
	}
	if files, _ := filepath.Glob(filepath.Join(dir, materializer.IngestDirName, "transactions", "*")); len(files) > 0 {
		t.Fatalf("a rejected append left files: %v", files)
	}

	res, err := w.Ingest(ctx, "transactions", service.IngestJSONLines, strings.NewReader(string(body)))
	if err != nil {
		t.Fatal(err)
	}
	if res.Rows != lines {
		t.Fatalf("appended %d rows, want %d", res.Rows, lines)
	}

	// The oracle: the file plus the rows as DuckDB reads the JSON lines.
	all := fmt.Sprintf(`(SELECT * FROM read_parquet(%s) UNION ALL BY NAME
  SELECT * FROM read_json(%s, columns = {txn_id: 'BIGINT', account_id: 'BIGINT', customer_id: 'BIGINT', channel_id: 'INTEGER',
    amount: 'DECIMAL(18,2)', status: 'VARCHAR', merchant_category: 'VARCHAR', txn_time: 'TIMESTAMP', value_date: 'DATE'}))`, orig, duckdb.QuoteString(rowsFile))
	for _, c := range []struct {
		q   plan.Query
		sql string
	}{
		{plan.Query{Metrics: []string{"txn_amount", "txn_count", "active_customers"}, Dimensions: []string{"channels.name", "transactions.txn_time.month"}},
			`SELECT ch.name, CAST(date_trunc('month', t.txn_time + INTERVAL 8 HOUR) AS DATE), SUM(t.amount) FILTER (WHERE t.status = 'posted'), COUNT(t.txn_id), COUNT(DISTINCT t.customer_id)
FROM ` + all + ` t LEFT JOIN read_parquet(` + duckdb.QuoteString(filepath.Join(dir, "data", "channels.parquet")) + `) ch ON ch.channel_id = t.channel_id GROUP BY 1, 2`},
		{plan.Query{Metrics: []string{"txn_count", "max_txn"}, Dimensions: []string{"transactions.txn_time.day"}},
			`SELECT CAST(t.txn_time + INTERVAL 8 HOUR AS DATE), COUNT(t.txn_id), MAX(t.amount) FROM ` + all + ` t GROUP BY 1`},
	} {
		for _, noRollup := range []bool{false, true} {
			q := c.q
			q.NoRollup = noRollup
			got, err := w.Query(ctx, &q)
			if err != nil {
				t.Fatal(err)
			}
			if want := "txn_daily+tail"; !noRollup && got.Meta.ServedBy != want {
				t.Errorf("%s: served by %s, want %s", queryJSON(&q), got.Meta.ServedBy, want)
			}
			want, err := w.Engine.Query(ctx, c.sql)
			if err != nil {
				t.Fatal(err)
			}
			if diff := diffResults(sortedResult(got), sortedResult(&service.Result{Columns: got.Columns, Rows: want.Rows})); diff != "" {
				t.Errorf("%s (served by %s) differs from the hand-written SQL:\n%s", queryJSON(&q), got.Meta.ServedBy, diff)
			}
		}
	}
	g := newQueryGen(rand.New(rand.NewPCG(31, 32)), facts)
	runDiff(t, w, g, 100, 0.3)

	// The refresh folds the rows into the rollup's partitions.
	rep, err := w.Refresh(ctx, []string{"txn_daily"}, nil)
	if err != nil || len(rep) != 1 || rep[0].Err != nil {
		t.Fatalf("refresh: %v %+v", err, rep)
	}
	q := plan.Query{Metrics: []string{"txn_amount", "txn_count"}, Dimensions: []string{"channels.name"}}
	if got, err := w.Query(ctx, &q); err != nil || got.Meta.ServedBy != "txn_daily" {
		t.Fatalf("after the refresh: %v, served by %v", err, got)
	}
	runDiff(t, w, g, 100, 0.3)
}

func stat(t *testing.T, w *service.Project) string {
	t.Helper()
	return w.Materializer().SourceStat(w.Project.Table("transactions"))
}

// TestIngestIntoALake appends the lake's held-back days to its glob source
// through ingest (as JSON lines DuckDB writes from them) instead of as files
// of the lake: then new files land beside the appended one, and every
// generated query stays exact, served by the tail, and after the refresh.
func TestIngestIntoALake(t *testing.T) {
	ctx := context.Background()
	lb := newLakeBank(t, "ingest-lake")
	g := newQueryGen(rand.New(rand.NewPCG(41, 42)), facts)
	lines := filepath.Join(t.TempDir(), "held.jsonl")
	lb.exec(fmt.Sprintf(`COPY (SELECT * REPLACE (strftime(txn_time, '%%Y-%%m-%%d %%H:%%M:%%S') AS txn_time) FROM txn
  WHERE txn_time >= TIMESTAMP '%s' AND txn_time < TIMESTAMP '%s') TO %s (FORMAT json)`,
		lb.cut.Format(time.DateTime), lb.cut.AddDate(0, 0, 3).Format(time.DateTime), duckdb.QuoteString(lines)))
	f, err := os.Open(lines)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	res, err := lb.w.Ingest(ctx, "transactions", service.IngestJSONLines, f)
	if err != nil || res.Rows == 0 {
		t.Fatalf("append: %v %+v", err, res)
	}
	if got := lb.servedBy(allHistory); got != "txn_daily+tail" {
		t.Fatalf("after the append: served by %s, want txn_daily+tail", got)
	}
	runDiff(t, lb.w, g, 40, 0.3)
	lb.write("rest.parquet", lb.cut.AddDate(0, 0, 3), lb.last.Add(time.Second), "")
	runDiff(t, lb.w, g, 40, 0.3)
	lb.refresh()
	if got := lb.servedBy(allHistory); got != "txn_daily" {
		t.Fatalf("after the refresh: served by %s", got)
	}
	runDiff(t, lb.w, g, 40, 0.3)
	// Everything the lake held back is in, once: the count is the original
	// file's.
	total := plan.Query{Metrics: []string{"txn_count"}, NoRollup: true}
	got, err := lb.w.Query(ctx, &total)
	if err != nil {
		t.Fatal(err)
	}
	want, err := lb.db.Query(ctx, "SELECT COUNT(*) FROM txn")
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(got.Rows[0][0]) != fmt.Sprint(want.Rows[0][0]) {
		t.Errorf("%v transactions, the original file has %v", got.Rows[0][0], want.Rows[0][0])
	}
}

// TestIngestRefusesAHiveSource: a hive-partitioned source's partition
// columns come from its directory names, which an appended file would not
// have; the append is refused, saying where such rows go, and nothing
// changes.
func TestIngestRefusesAHiveSource(t *testing.T) {
	ctx := context.Background()
	_, src := sharedWarehouse(t)
	dir := filepath.Join(testRoot, "ingest-hive")
	if err := banktest.CopyTree(src, dir); err != nil {
		t.Fatal(err)
	}
	part := filepath.Join(dir, "data", "transactions", "dt=all")
	if err := os.MkdirAll(part, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(filepath.Join(dir, "data", "transactions.parquet"), filepath.Join(part, "part-0.parquet")); err != nil {
		t.Fatal(err)
	}
	phys := filepath.Join(dir, "models", "physical.yaml")
	text, err := os.ReadFile(phys)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(phys, []byte(strings.Replace(string(text), "source: data/transactions.parquet", "source: data/transactions/dt=*/", 1)), 0o644); err != nil {
		t.Fatal(err)
	}
	w, err := openBank(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	q := plan.Query{Metrics: []string{"txn_count"}}
	before, err := w.Query(ctx, &q)
	if err != nil {
		t.Fatal(err)
	}
	_, err = w.Ingest(ctx, "transactions", service.IngestJSONLines, strings.NewReader(`{"txn_id": 1, "txn_time": "2025-01-01 00:00:00"}`))
	var ie *service.IngestError
	if !errors.As(err, &ie) || ie.Code != "not-appendable" || !strings.Contains(ie.Msg, "hive-partitioned") {
		t.Fatalf("append to a hive source: %v", err)
	}
	after, err := w.Query(ctx, &q)
	if err != nil || diffResults(after, before) != "" {
		t.Fatalf("the refused append changed the answer: %v", err)
	}
	if files, _ := filepath.Glob(filepath.Join(dir, materializer.IngestDirName, "*", "*")); len(files) > 0 {
		t.Errorf("files left: %v", files)
	}
}
