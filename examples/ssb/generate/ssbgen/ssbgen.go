package ssbgen

import (
	"context"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"github.com/strata-metrics/strata/engine/duckdb"
	"github.com/strata-metrics/strata/examples/internal/pqgen"
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
// examples/ssb/models/physical.yaml.
var Tables = []Table{
	{Name: "lineorder", Columns: []Column{
		{Name: "lo_orderkey", Type: "BIGINT"}, {Name: "lo_linenumber", Type: "INTEGER"}, {Name: "lo_custkey", Type: "INTEGER"},
		{Name: "lo_partkey", Type: "INTEGER"}, {Name: "lo_suppkey", Type: "INTEGER"}, {Name: "lo_orderdate", Type: "DATE"},
		{Name: "lo_orderpriority", Type: "VARCHAR"}, {Name: "lo_shippriority", Type: "INTEGER"}, {Name: "lo_quantity", Type: "INTEGER"},
		{Name: "lo_extendedprice", Type: "BIGINT"}, {Name: "lo_ordtotalprice", Type: "BIGINT"}, {Name: "lo_discount", Type: "INTEGER"},
		{Name: "lo_revenue", Type: "BIGINT"}, {Name: "lo_supplycost", Type: "BIGINT"}, {Name: "lo_tax", Type: "INTEGER"},
		{Name: "lo_commitdate", Type: "DATE"}, {Name: "lo_shipmode", Type: "VARCHAR"},
	}},
	{Name: "part", Columns: []Column{
		{Name: "p_partkey", Type: "INTEGER"}, {Name: "p_name", Type: "VARCHAR"}, {Name: "p_mfgr", Type: "VARCHAR"},
		{Name: "p_category", Type: "VARCHAR"}, {Name: "p_brand1", Type: "VARCHAR"}, {Name: "p_color", Type: "VARCHAR"},
		{Name: "p_type", Type: "VARCHAR"}, {Name: "p_size", Type: "INTEGER"}, {Name: "p_container", Type: "VARCHAR"},
	}},
	{Name: "customer", Columns: []Column{
		{Name: "c_custkey", Type: "INTEGER"}, {Name: "c_name", Type: "VARCHAR"}, {Name: "c_address", Type: "VARCHAR"},
		{Name: "c_city", Type: "VARCHAR"}, {Name: "c_nation", Type: "VARCHAR"}, {Name: "c_region", Type: "VARCHAR"},
		{Name: "c_phone", Type: "VARCHAR"}, {Name: "c_mktsegment", Type: "VARCHAR"},
	}},
	{Name: "supplier", Columns: []Column{
		{Name: "s_suppkey", Type: "INTEGER"}, {Name: "s_name", Type: "VARCHAR"}, {Name: "s_address", Type: "VARCHAR"},
		{Name: "s_city", Type: "VARCHAR"}, {Name: "s_nation", Type: "VARCHAR"}, {Name: "s_region", Type: "VARCHAR"},
		{Name: "s_phone", Type: "VARCHAR"},
	}},
	{Name: "date", Columns: []Column{
		{Name: "d_datekey", Type: "DATE"}, {Name: "d_date", Type: "VARCHAR"}, {Name: "d_dayofweek", Type: "VARCHAR"},
		{Name: "d_month", Type: "VARCHAR"}, {Name: "d_year", Type: "INTEGER"}, {Name: "d_yearmonthnum", Type: "INTEGER"},
		{Name: "d_yearmonth", Type: "VARCHAR"}, {Name: "d_daynuminweek", Type: "INTEGER"}, {Name: "d_daynuminmonth", Type: "INTEGER"},
		{Name: "d_daynuminyear", Type: "INTEGER"}, {Name: "d_monthnuminyear", Type: "INTEGER"}, {Name: "d_weeknuminyear", Type: "INTEGER"},
		{Name: "d_sellingseason", Type: "VARCHAR"}, {Name: "d_lastdayinweekfl", Type: "BOOLEAN"}, {Name: "d_lastdayinmonthfl", Type: "BOOLEAN"},
		{Name: "d_holidayfl", Type: "BOOLEAN"}, {Name: "d_weekdayfl", Type: "BOOLEAN"},
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
	var tasks []pqgen.Task
	loPath := filepath.Join(outDir, "lineorder.parquet")
	var chunkPaths []string
	for k := range nChunks {
		p := loPath
		if nChunks > 1 {
			p = filepath.Join(outDir, fmt.Sprintf(".lineorder.chunk%05d.parquet", k))
			chunkPaths = append(chunkPaths, p)
		}
		tasks = append(tasks, pqgen.Task{Table: Tables[0], Name: fmt.Sprintf("lineorder_%d", k), Path: p, Fill: g.lineorderChunk(k)})
	}
	defer func() {
		for _, p := range chunkPaths {
			os.Remove(p)
		}
	}()
	fills := map[string]pqgen.Fill{
		"part": g.fillPart, "customer": g.fillCustomer, "supplier": g.fillSupplier, "date": g.fillDate,
	}
	for _, t := range Tables[1:] {
		tasks = append(tasks, pqgen.Task{Table: t, Name: t.Name, Path: filepath.Join(outDir, t.Name+".parquet"), Fill: fills[t.Name]})
	}

	results, err := pqgen.Run(ctx, db, tasks, par)
	if err != nil {
		return Stats{}, fmt.Errorf("ssbgen: %w", err)
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
