package bankgen

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"time"

	"github.com/strata-metrics/strata/engine/duckdb"
)

// DefaultTransactions is the number of transactions Generate writes when
// Options.Transactions is zero.
const DefaultTransactions = 1_000_000

// Options size and seed a data set.
type Options struct {
	// Transactions is the number of transaction rows; every other table is
	// sized from it. Zero means DefaultTransactions.
	Transactions int
	// Seed selects the data; the same seed and size give the same bytes.
	Seed uint64
	// Parallelism caps how many tables are built at once; zero means
	// GOMAXPROCS. It changes only the speed, never the output.
	Parallelism int
}

// FileStats describes one written file.
type FileStats struct {
	Table   string
	Path    string
	Rows    int64
	Bytes   int64
	Elapsed time.Duration // generating, loading and writing this table
}

// Stats describes a Generate run. Files are in the order of Tables.
type Stats struct {
	Files   []FileStats
	Elapsed time.Duration
}

// Column is a column of a generated table with its DuckDB type.
type Column struct {
	Name string
	Type string
}

// Table is a generated table: it is written to Name + ".parquet".
type Table struct {
	Name    string
	Columns []Column
}

// Tables lists the generated tables and their columns, as declared in
// examples/bank/models/physical.yaml.
var Tables = []Table{
	{"transactions", []Column{
		{"txn_id", "BIGINT"}, {"account_id", "BIGINT"}, {"customer_id", "BIGINT"},
		{"channel_id", "INTEGER"}, {"amount", "DECIMAL(18,2)"}, {"status", "VARCHAR"},
		{"merchant_category", "VARCHAR"}, {"txn_time", "TIMESTAMP"}, {"value_date", "DATE"},
	}},
	{"balances", []Column{
		{"account_id", "BIGINT"}, {"customer_id", "BIGINT"}, {"snapshot_date", "DATE"},
		{"balance", "DECIMAL(18,2)"},
	}},
	{"app_events", []Column{
		{"event_id", "BIGINT"}, {"customer_id", "BIGINT"}, {"event_type", "VARCHAR"},
		{"device", "VARCHAR"}, {"event_time", "TIMESTAMP"},
	}},
	{"customers", []Column{
		{"customer_id", "BIGINT"}, {"branch_id", "INTEGER"}, {"segment", "VARCHAR"},
		{"risk_level", "VARCHAR"}, {"gender", "VARCHAR"}, {"birth_date", "DATE"},
		{"aum", "DECIMAL(18,2)"}, {"joined_date", "DATE"},
	}},
	{"branches", []Column{
		{"branch_id", "INTEGER"}, {"name", "VARCHAR"}, {"city", "VARCHAR"}, {"region", "VARCHAR"},
	}},
	{"accounts", []Column{
		{"account_id", "BIGINT"}, {"customer_id", "BIGINT"}, {"product_id", "INTEGER"},
		{"opened_date", "DATE"}, {"status", "VARCHAR"},
	}},
	{"products", []Column{
		{"product_id", "INTEGER"}, {"name", "VARCHAR"}, {"category", "VARCHAR"},
	}},
	{"channels", []Column{
		{"channel_id", "INTEGER"}, {"name", "VARCHAR"}, {"kind", "VARCHAR"},
	}},
	{"calendar", []Column{
		{"cal_date", "DATE"}, {"is_weekend", "BOOLEAN"}, {"is_holiday", "BOOLEAN"},
		{"fiscal_quarter", "VARCHAR"},
	}},
}

// Generate writes the data set into outDir (created if needed), one parquet
// file per table, replacing files already there. Each file is written under a
// temporary name and renamed into place when complete.
func Generate(ctx context.Context, outDir string, opts Options) (Stats, error) {
	start := time.Now()
	if opts.Transactions < 0 {
		return Stats{}, fmt.Errorf("bankgen: transactions must not be negative, got %d", opts.Transactions)
	}
	if opts.Transactions == 0 {
		opts.Transactions = DefaultTransactions
	}
	par := opts.Parallelism
	if par <= 0 {
		par = runtime.GOMAXPROCS(0)
	}
	if err := os.MkdirAll(outDir, 0o755); err != nil {
		return Stats{}, fmt.Errorf("bankgen: %w", err)
	}

	// One DuckDB thread: each COPY then runs on its caller's thread in
	// insertion order (deterministic bytes), and tables run side by side.
	db, err := duckdb.Open("", 1)
	if err != nil {
		return Stats{}, fmt.Errorf("bankgen: %w", err)
	}
	defer db.Close()

	w := newWorld(opts.Transactions, opts.Seed)
	fills := map[string]func(row func(...any) error) (int64, error){
		"transactions": w.fillTransactions,
		"balances":     w.fillBalances,
		"app_events":   w.fillAppEvents,
		"customers":    w.fillCustomers,
		"branches":     w.fillBranches,
		"accounts":     w.fillAccounts,
		"products":     w.fillProducts,
		"channels":     w.fillChannels,
		"calendar":     w.fillCalendar,
	}

	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	stats := Stats{Files: make([]FileStats, len(Tables))}
	errs := make([]error, len(Tables))
	sem := make(chan struct{}, par)
	var wg sync.WaitGroup
	// Tables are listed biggest first, so the long ones start first.
	for i, t := range Tables {
		wg.Add(1)
		go func() {
			defer wg.Done()
			select {
			case sem <- struct{}{}:
			case <-ctx.Done():
				errs[i] = ctx.Err()
				return
			}
			defer func() { <-sem }()
			fs, err := writeTable(ctx, db, outDir, t, fills[t.Name])
			if err != nil {
				errs[i] = fmt.Errorf("bankgen: %s: %w", t.Name, err)
				cancel()
				return
			}
			stats.Files[i] = fs
		}()
	}
	wg.Wait()
	if err := firstError(errs); err != nil {
		return Stats{}, err
	}
	stats.Elapsed = time.Since(start)
	return stats, nil
}

// firstError prefers a real failure over the cancellations it caused.
func firstError(errs []error) error {
	var canceled error
	for _, err := range errs {
		switch {
		case err == nil:
		case errors.Is(err, context.Canceled) && canceled == nil:
			canceled = err
		case !errors.Is(err, context.Canceled):
			return err
		}
	}
	return canceled
}

func writeTable(ctx context.Context, db *duckdb.DB, outDir string, t Table, fill func(row func(...any) error) (int64, error)) (FileStats, error) {
	start := time.Now()
	cols := make([]string, len(t.Columns))
	for i, c := range t.Columns {
		cols[i] = duckdb.QuoteIdent(c.Name) + " " + c.Type
	}
	if err := db.Exec(ctx, fmt.Sprintf("CREATE TABLE %s (%s)", duckdb.QuoteIdent(t.Name), strings.Join(cols, ", "))); err != nil {
		return FileStats{}, err
	}
	defer db.Exec(context.Background(), "DROP TABLE IF EXISTS "+duckdb.QuoteIdent(t.Name))

	var rows int64
	err := db.Append(ctx, t.Name, func(row func(...any) error) error {
		n, err := fill(row)
		rows = n
		return err
	})
	if err != nil {
		return FileStats{}, err
	}
	path := filepath.Join(outDir, t.Name+".parquet")
	tmp := path + ".tmp"
	if err := db.CopyTableToParquet(ctx, t.Name, tmp); err != nil {
		os.Remove(tmp)
		return FileStats{}, err
	}
	if err := os.Rename(tmp, path); err != nil {
		os.Remove(tmp)
		return FileStats{}, err
	}
	fi, err := os.Stat(path)
	if err != nil {
		return FileStats{}, err
	}
	return FileStats{Table: t.Name, Path: path, Rows: rows, Bytes: fi.Size(), Elapsed: time.Since(start)}, nil
}
