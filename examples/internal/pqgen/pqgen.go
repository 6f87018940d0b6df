// Package pqgen is the plumbing the example data generators share: tables
// filled row by row in Go, loaded into an in-memory DuckDB with the appender,
// and written as deterministic parquet files, several tables at once.
package pqgen

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/strata-metrics/strata/engine/duckdb"
)

// Column is a column of a generated table with its DuckDB type.
type Column struct {
	Name string
	Type string
}

// Table is a generated table: its name and columns.
type Table struct {
	Name    string
	Columns []Column
}

// FileStats describes one written file.
type FileStats struct {
	Table   string
	Path    string
	Rows    int64
	Bytes   int64
	Elapsed time.Duration // generating, loading and writing this table
}

// Stats describes a generator run. Files are in the order of the generator's tables.
type Stats struct {
	Files   []FileStats
	Elapsed time.Duration
}

// Fill produces a table's rows through row, in order, and returns their count.
type Fill func(row func(...any) error) (int64, error)

// Task writes one table (or one chunk of one) to a parquet file.
type Task struct {
	Table Table
	Name  string // the DuckDB table it is loaded into: unique among concurrent tasks
	Path  string
	Fill  Fill
}

// Run performs the tasks, at most parallelism at once, on db, which must have
// been opened with one thread so that each COPY writes rows in insertion order
// (deterministic bytes). Results are in the order of the tasks. The first
// failure cancels the others.
func Run(ctx context.Context, db *duckdb.DB, tasks []Task, parallelism int) ([]FileStats, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	results := make([]FileStats, len(tasks))
	errs := make([]error, len(tasks))
	sem := make(chan struct{}, max(parallelism, 1))
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
			fs, err := write(ctx, db, t)
			if err != nil {
				errs[i] = fmt.Errorf("%s: %w", t.Name, err)
				cancel()
				return
			}
			results[i] = fs
		}()
	}
	wg.Wait()
	if err := firstError(errs); err != nil {
		return nil, err
	}
	return results, nil
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

// write loads one task's rows and writes them under a temporary name, renamed
// into place when complete.
func write(ctx context.Context, db *duckdb.DB, t Task) (FileStats, error) {
	start := time.Now()
	cols := make([]string, len(t.Table.Columns))
	for i, c := range t.Table.Columns {
		cols[i] = duckdb.QuoteIdent(c.Name) + " " + c.Type
	}
	if err := db.Exec(ctx, fmt.Sprintf("CREATE TABLE %s (%s)", duckdb.QuoteIdent(t.Name), strings.Join(cols, ", "))); err != nil {
		return FileStats{}, err
	}
	defer db.Exec(context.Background(), "DROP TABLE IF EXISTS "+duckdb.QuoteIdent(t.Name))

	var rows int64
	err := db.Append(ctx, t.Name, func(row func(...any) error) error {
		n, err := t.Fill(row)
		rows = n
		return err
	})
	if err != nil {
		return FileStats{}, err
	}
	tmp := t.Path + ".tmp"
	if err := db.CopyTableToParquet(ctx, t.Name, tmp); err != nil {
		os.Remove(tmp)
		return FileStats{}, err
	}
	if err := os.Rename(tmp, t.Path); err != nil {
		os.Remove(tmp)
		return FileStats{}, err
	}
	fi, err := os.Stat(t.Path)
	if err != nil {
		return FileStats{}, err
	}
	return FileStats{Table: t.Table.Name, Path: t.Path, Rows: rows, Bytes: fi.Size(), Elapsed: time.Since(start)}, nil
}
