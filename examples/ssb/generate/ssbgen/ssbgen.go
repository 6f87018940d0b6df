package ssbgen

import (
	"context"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"time"

	"github.com/strata-metrics/strata/engine/duckdb"
)

// Options size and seed a data set.
type Options struct {
	// SF is the scale factor; zero means 1. It may be fractional (0.01).
	SF float64
	// Seed selects the data; the same seed and SF give the same bytes.
	Seed uint64
	// Parallelism caps how many tables (and lineorder chunks) are built at
	// once; zero means GOMAXPROCS. It changes only the speed, never the output.
	Parallelism int
}

// Sizes are the row counts of the tables at a scale factor.
type Sizes struct {
	Lineorder, Customer, Supplier, Part, Date int64
}

// SizesFor returns the specification's table sizes at scale factor sf (> 0):
// 6,000,000 × SF order lines, 30,000 × SF customers, 2,000 × SF suppliers,
// 200,000 × (1 + ⌊log2 SF⌋) parts (200,000 × SF below SF 1) and 2,556 days.
// Every table has at least one row.
func SizesFor(sf float64) Sizes {
	scaled := func(n float64) int64 { return max(1, int64(math.Round(n*sf))) }
	s := Sizes{
		Lineorder: scaled(6_000_000),
		Customer:  scaled(30_000),
		Supplier:  scaled(2_000),
		Part:      scaled(200_000),
		Date:      dateRows,
	}
	if sf >= 1 {
		s.Part = 200_000 * (1 + int64(math.Floor(math.Log2(sf))))
	}
	return s
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
// examples/ssb/models/physical.yaml.
var Tables = []Table{
	{"lineorder", []Column{
		{"lo_orderkey", "BIGINT"}, {"lo_linenumber", "INTEGER"}, {"lo_custkey", "INTEGER"},
		{"lo_partkey", "INTEGER"}, {"lo_suppkey", "INTEGER"}, {"lo_orderdate", "DATE"},
		{"lo_orderpriority", "VARCHAR"}, {"lo_shippriority", "INTEGER"}, {"lo_quantity", "INTEGER"},
		{"lo_extendedprice", "BIGINT"}, {"lo_ordtotalprice", "BIGINT"}, {"lo_discount", "INTEGER"},
		{"lo_revenue", "BIGINT"}, {"lo_supplycost", "BIGINT"}, {"lo_tax", "INTEGER"},
		{"lo_commitdate", "DATE"}, {"lo_shipmode", "VARCHAR"},
	}},
	{"part", []Column{
		{"p_partkey", "INTEGER"}, {"p_name", "VARCHAR"}, {"p_mfgr", "VARCHAR"},
		{"p_category", "VARCHAR"}, {"p_brand1", "VARCHAR"}, {"p_color", "VARCHAR"},
		{"p_type", "VARCHAR"}, {"p_size", "INTEGER"}, {"p_container", "VARCHAR"},
	}},
	{"customer", []Column{
		{"c_custkey", "INTEGER"}, {"c_name", "VARCHAR"}, {"c_address", "VARCHAR"},
		{"c_city", "VARCHAR"}, {"c_nation", "VARCHAR"}, {"c_region", "VARCHAR"},
		{"c_phone", "VARCHAR"}, {"c_mktsegment", "VARCHAR"},
	}},
	{"supplier", []Column{
		{"s_suppkey", "INTEGER"}, {"s_name", "VARCHAR"}, {"s_address", "VARCHAR"},
		{"s_city", "VARCHAR"}, {"s_nation", "VARCHAR"}, {"s_region", "VARCHAR"},
		{"s_phone", "VARCHAR"},
	}},
	{"date", []Column{
		{"d_datekey", "DATE"}, {"d_date", "VARCHAR"}, {"d_dayofweek", "VARCHAR"},
		{"d_month", "VARCHAR"}, {"d_year", "INTEGER"}, {"d_yearmonthnum", "INTEGER"},
		{"d_yearmonth", "VARCHAR"}, {"d_daynuminweek", "INTEGER"}, {"d_daynuminmonth", "INTEGER"},
		{"d_daynuminyear", "INTEGER"}, {"d_monthnuminyear", "INTEGER"}, {"d_weeknuminyear", "INTEGER"},
		{"d_sellingseason", "VARCHAR"}, {"d_lastdayinweekfl", "BOOLEAN"}, {"d_lastdayinmonthfl", "BOOLEAN"},
		{"d_holidayfl", "BOOLEAN"}, {"d_weekdayfl", "BOOLEAN"},
	}},
}

// chunkRows is the size of the lineorder chunks built side by side. It is
// part of the output's definition (each chunk has its own random stream), so
// changing it changes the bytes; it is a variable only so that tests can
// exercise the concatenation on small data.
var chunkRows int64 = 2_000_000

// Generate writes the data set into outDir (created if needed), one parquet
// file per table, replacing files already there. Each file is written under a
// temporary name and renamed into place when complete.
func Generate(ctx context.Context, outDir string, opts Options) (Stats, error) {
	start := time.Now()
	if opts.SF == 0 {
		opts.SF = 1
	}
	if !(opts.SF > 0) || math.IsInf(opts.SF, 0) || opts.SF > 10_000 {
		return Stats{}, fmt.Errorf("ssbgen: scale factor must be in (0, 10000], got %v", opts.SF)
	}
	par := opts.Parallelism
	if par <= 0 {
		par = runtime.GOMAXPROCS(0)
	}
	if err := os.MkdirAll(outDir, 0o755); err != nil {
		return Stats{}, fmt.Errorf("ssbgen: %w", err)
	}

	// One DuckDB thread: each COPY then runs on its caller's thread in
	// insertion order (deterministic bytes), and tables run side by side.
	db, err := duckdb.Open("", 1)
	if err != nil {
		return Stats{}, fmt.Errorf("ssbgen: %w", err)
	}
	defer db.Close()

	g := newGen(SizesFor(opts.SF), opts.Seed)
	nChunks := int((g.sizes.Lineorder + chunkRows - 1) / chunkRows)

	// The work: lineorder chunks first (the long ones), then the dimensions.
	type task struct {
		table Table
		name  string // the DuckDB table
		path  string
		fill  func(row func(...any) error) (int64, error)
	}
	var tasks []task
	loPath := filepath.Join(outDir, "lineorder.parquet")
	var chunkPaths []string
	for k := range nChunks {
		p := loPath
		if nChunks > 1 {
			p = filepath.Join(outDir, fmt.Sprintf(".lineorder.chunk%05d.parquet", k))
			chunkPaths = append(chunkPaths, p)
		}
		tasks = append(tasks, task{Tables[0], fmt.Sprintf("lineorder_%d", k), p, g.lineorderChunk(k)})
	}
	defer func() {
		for _, p := range chunkPaths {
			os.Remove(p)
		}
	}()
	fills := map[string]func(row func(...any) error) (int64, error){
		"part": g.fillPart, "customer": g.fillCustomer, "supplier": g.fillSupplier, "date": g.fillDate,
	}
	for _, t := range Tables[1:] {
		tasks = append(tasks, task{t, t.Name, filepath.Join(outDir, t.Name+".parquet"), fills[t.Name]})
	}

	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	results := make([]FileStats, len(tasks))
	errs := make([]error, len(tasks))
	sem := make(chan struct{}, par)
	var wg sync.WaitGroup
	for i, t := range tasks {
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
			fs, err := writeTable(ctx, db, t.name, t.table, t.path, t.fill)
			if err != nil {
				errs[i] = fmt.Errorf("ssbgen: %s: %w", t.name, err)
				cancel()
				return
			}
			results[i] = fs
		}()
	}
	wg.Wait()
	if err := firstError(errs); err != nil {
		return Stats{}, err
	}

	stats := Stats{Files: make([]FileStats, len(Tables))}
	lo := FileStats{Table: "lineorder", Path: loPath}
	for _, fs := range results[:nChunks] {
		lo.Rows += fs.Rows
	}
	if nChunks > 1 {
		// Concatenate the chunks in order; a single-threaded scan of a list of
		// files reads them in list order.
		quoted := make([]string, len(chunkPaths))
		for i, p := range chunkPaths {
			quoted[i] = duckdb.QuoteString(p)
		}
		tmp := loPath + ".tmp"
		q := "SELECT * FROM read_parquet([" + strings.Join(quoted, ", ") + "])"
		if err := db.CopyToParquet(ctx, q, tmp); err != nil {
			os.Remove(tmp)
			return Stats{}, fmt.Errorf("ssbgen: lineorder: %w", err)
		}
		if err := os.Rename(tmp, loPath); err != nil {
			os.Remove(tmp)
			return Stats{}, fmt.Errorf("ssbgen: lineorder: %w", err)
		}
	}
	fi, err := os.Stat(loPath)
	if err != nil {
		return Stats{}, fmt.Errorf("ssbgen: lineorder: %w", err)
	}
	lo.Bytes, lo.Elapsed = fi.Size(), time.Since(start)
	stats.Files[0] = lo
	copy(stats.Files[1:], results[nChunks:])
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

// writeTable creates the DuckDB table name with t's columns, fills it, and
// copies it to path (through a temporary file).
func writeTable(ctx context.Context, db *duckdb.DB, name string, t Table, path string, fill func(row func(...any) error) (int64, error)) (FileStats, error) {
	start := time.Now()
	cols := make([]string, len(t.Columns))
	for i, c := range t.Columns {
		cols[i] = duckdb.QuoteIdent(c.Name) + " " + c.Type
	}
	if err := db.Exec(ctx, fmt.Sprintf("CREATE TABLE %s (%s)", duckdb.QuoteIdent(name), strings.Join(cols, ", "))); err != nil {
		return FileStats{}, err
	}
	defer db.Exec(context.Background(), "DROP TABLE IF EXISTS "+duckdb.QuoteIdent(name))

	var rows int64
	err := db.Append(ctx, name, func(row func(...any) error) error {
		n, err := fill(row)
		rows = n
		return err
	})
	if err != nil {
		return FileStats{}, err
	}
	tmp := path + ".tmp"
	if err := db.CopyTableToParquet(ctx, name, tmp); err != nil {
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
