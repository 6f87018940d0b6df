package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/strata-metrics/strata/compiler/logical"
	"github.com/strata-metrics/strata/examples/ssb"
	"github.com/strata-metrics/strata/internal/banktest"
	"github.com/strata-metrics/strata/materializer"
	"github.com/strata-metrics/strata/model"
	"github.com/strata-metrics/strata/service"
)

// runBuilds times building every rollup of the project from an empty
// warehouse two ways, alternately, rounds times: each from the fact (the
// lattice off), and with the lattice (a rollup built from a finer one when
// that is exact). It prints each build and the medians, and the ratio.
func runBuilds(ctx context.Context, c config, rounds int) error {
	sfLabel := strconv.FormatFloat(c.SF, 'f', -1, 64)
	dir, err := filepath.Abs(filepath.Join(c.cache, "ssb-sf"+sfLabel))
	if err != nil {
		return err
	}
	if err := ssb.CopyProject(c.project, dir, c.Threads); err != nil {
		return fmt.Errorf("copying the project: %w", err)
	}
	var info dataInfo
	if err := ensureData(ctx, c, dir, &info); err != nil {
		return err
	}
	p, diags := model.Load(dir)
	if diags.HasErrors() {
		return fmt.Errorf("model:\n%s", diags.Format(p.Sources, 0))
	}
	cat, cdiags := logical.Build(p)
	if cdiags.HasErrors() {
		return fmt.Errorf("model:\n%s", cdiags.Format(p.Sources, 0))
	}
	once := func(fromRaw bool) (time.Duration, []materializer.RefreshResult, error) {
		for _, suffix := range []string{"", ".wal"} {
			if err := os.Remove(filepath.Join(dir, ".strata", "warehouse.duckdb"+suffix)); err != nil && !errors.Is(err, os.ErrNotExist) {
				return 0, nil, err
			}
		}
		w, err := service.Open(ctx, cat, service.Options{Threads: c.Threads})
		if err != nil {
			return 0, nil, err
		}
		defer w.Close()
		w.BuildFromRaw(fromRaw)
		start := time.Now()
		res, err := w.Refresh(ctx, nil, nil)
		took := time.Since(start)
		if err != nil {
			return 0, nil, err
		}
		for _, r := range res {
			if r.Err != nil {
				return 0, nil, fmt.Errorf("rollup %s: %w", r.Name, r.Err)
			}
		}
		return took, res, nil
	}
	var raw, lat []float64
	for i := 0; i < rounds; i++ {
		for _, fromRaw := range []bool{true, false} {
			load := loadAvg()
			took, res, err := once(fromRaw)
			if err != nil {
				return err
			}
			way := "lattice"
			if fromRaw {
				way, raw = "from the fact", append(raw, took.Seconds())
			} else {
				lat = append(lat, took.Seconds())
			}
			fmt.Printf("round %d, %s: %.2f s (load %.2f)\n", i+1, way, took.Seconds(), load)
			for _, r := range res {
				from := "fact"
				if r.From != "" {
					from = r.From
				}
				fmt.Printf("  %-14s %10d rows %7.2f s  from %s\n", r.Name, r.Rows, r.Duration.Seconds(), from)
			}
		}
	}
	rm, lm := banktest.Median(raw), banktest.Median(lat)
	fmt.Printf("SSB SF %s rollup builds: each from the fact %.2f s, with the lattice %.2f s (medians of %d): lattice/fact = %.3f\n", sfLabel, rm, lm, rounds, lm/rm)
	return nil
}
