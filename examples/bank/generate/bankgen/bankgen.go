package bankgen

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"time"

	"github.com/strata-metrics/strata/engine/duckdb"
	"github.com/strata-metrics/strata/examples/internal/pqgen"
)

// DefaultTransactions is the number of transactions Generate writes when
// Options.Transactions is zero.
const DefaultTransactions = 1_000_000

// Options size and seed a data set.
type Options struct {
	// Transactions is the number of transaction rows; every other table is
	// sized from it. Zero means DefaultTransactions.
	Transactions int
	// Customers is the number of customers; zero means one per 50
	// transactions (at least 500). Accounts follow the customers; the facts
	// keep their sizes, so a large customer base with few transactions stays
	// quick to generate.
	Customers int
	// Months is how many calendar months of facts to generate, from
	// 2024-01-01 (1 to MaxMonths); zero means DefaultMonths (2024-01 to
	// 2025-06). The transactions and app events are spread over the span,
	// so a longer span with the same Transactions has fewer per day.
	Months int
	// Seed selects the data; the same seed and size give the same bytes.
	Seed uint64
	// Parallelism caps how many tables are built at once; zero means
	// GOMAXPROCS. It changes only the speed, never the output.
	Parallelism int
}

// The generator's types are pqgen's, shared with the other example generators.
type (
	// FileStats describes one written file.
	FileStats = pqgen.FileStats
	// Stats describes a Generate run. Files are in the order of Tables.
	Stats = pqgen.Stats
	// Column is a column of a generated table with its DuckDB type.
	Column = pqgen.Column
	// Table is a generated table: it is written to Name + ".parquet".
	Table = pqgen.Table
)

// Tables lists the generated tables and their columns, as declared in
// examples/bank/models/physical.yaml.
var Tables = []Table{
	{Name: "transactions", Columns: []Column{
		{Name: "txn_id", Type: "BIGINT"}, {Name: "account_id", Type: "BIGINT"}, {Name: "customer_id", Type: "BIGINT"},
		{Name: "channel_id", Type: "INTEGER"}, {Name: "amount", Type: "DECIMAL(18,2)"}, {Name: "status", Type: "VARCHAR"},
		{Name: "merchant_category", Type: "VARCHAR"}, {Name: "txn_time", Type: "TIMESTAMP"}, {Name: "value_date", Type: "DATE"},
	}},
	{Name: "balances", Columns: []Column{
		{Name: "account_id", Type: "BIGINT"}, {Name: "customer_id", Type: "BIGINT"}, {Name: "snapshot_date", Type: "DATE"},
		{Name: "balance", Type: "DECIMAL(18,2)"},
	}},
	{Name: "app_events", Columns: []Column{
		{Name: "event_id", Type: "BIGINT"}, {Name: "customer_id", Type: "BIGINT"}, {Name: "event_type", Type: "VARCHAR"},
		{Name: "device", Type: "VARCHAR"}, {Name: "event_time", Type: "TIMESTAMP"},
	}},
	{Name: "customers", Columns: []Column{
		{Name: "customer_id", Type: "BIGINT"}, {Name: "branch_id", Type: "INTEGER"}, {Name: "segment", Type: "VARCHAR"},
		{Name: "risk_level", Type: "VARCHAR"}, {Name: "gender", Type: "VARCHAR"}, {Name: "birth_date", Type: "DATE"},
		{Name: "aum", Type: "DECIMAL(18,2)"}, {Name: "joined_date", Type: "DATE"},
	}},
	{Name: "branches", Columns: []Column{
		{Name: "branch_id", Type: "INTEGER"}, {Name: "name", Type: "VARCHAR"}, {Name: "city", Type: "VARCHAR"}, {Name: "region", Type: "VARCHAR"},
	}},
	{Name: "accounts", Columns: []Column{
		{Name: "account_id", Type: "BIGINT"}, {Name: "customer_id", Type: "BIGINT"}, {Name: "product_id", Type: "INTEGER"},
		{Name: "opened_date", Type: "DATE"}, {Name: "status", Type: "VARCHAR"},
	}},
	{Name: "products", Columns: []Column{
		{Name: "product_id", Type: "INTEGER"}, {Name: "name", Type: "VARCHAR"}, {Name: "category", Type: "VARCHAR"},
	}},
	{Name: "channels", Columns: []Column{
		{Name: "channel_id", Type: "INTEGER"}, {Name: "name", Type: "VARCHAR"}, {Name: "kind", Type: "VARCHAR"},
	}},
	{Name: "calendar", Columns: []Column{
		{Name: "cal_date", Type: "DATE"}, {Name: "is_weekend", Type: "BOOLEAN"}, {Name: "is_holiday", Type: "BOOLEAN"},
		{Name: "fiscal_quarter", Type: "VARCHAR"},
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
	if opts.Customers < 0 {
		return Stats{}, fmt.Errorf("bankgen: customers must not be negative, got %d", opts.Customers)
	}
	if opts.Months < 0 || opts.Months > MaxMonths {
		return Stats{}, fmt.Errorf("bankgen: months must be between 1 and %d (0: %d), got %d", MaxMonths, DefaultMonths, opts.Months)
	}
	if opts.Transactions == 0 {
		opts.Transactions = DefaultTransactions
	}
	if opts.Months == 0 {
		opts.Months = DefaultMonths
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

	w := newWorld(opts.Transactions, opts.Customers, opts.Months, opts.Seed)
	fills := map[string]pqgen.Fill{
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

	// Tables are listed biggest first, so the long ones start first.
	tasks := make([]pqgen.Task, len(Tables))
	for i, t := range Tables {
		tasks[i] = pqgen.Task{Table: t, Name: t.Name, Path: filepath.Join(outDir, t.Name+".parquet"), Fill: fills[t.Name]}
	}
	files, err := pqgen.Run(ctx, db, tasks, par)
	if err != nil {
		return Stats{}, fmt.Errorf("bankgen: %w", err)
	}
	stats := Stats{Files: files}
	stats.Elapsed = time.Since(start)
	return stats, nil
}
