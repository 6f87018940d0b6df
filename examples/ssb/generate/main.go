// Command generate writes the Star Schema Benchmark's parquet files for
// examples/ssb:
//
//	go run ./examples/ssb/generate -sf 1 -out examples/ssb/data -seed 1
//
// The same flags always give the same bytes. See package ssbgen for what is
// generated.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"time"

	"github.com/strata-metrics/strata/examples/ssb/generate/ssbgen"
)

func main() {
	out := flag.String("out", "examples/ssb/data", "output directory")
	sf := flag.Float64("sf", 1, "scale factor: 6,000,000 × SF lineorder rows; fractions allowed (0.01)")
	seed := flag.Uint64("seed", 1, "random seed")
	parallel := flag.Int("parallel", 0, "tables and lineorder chunks built at once (0: GOMAXPROCS); does not change the output")
	flag.Parse()
	if !(*sf > 0) {
		fmt.Fprintln(os.Stderr, "generate: -sf must be positive")
		os.Exit(2)
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	stats, err := ssbgen.Generate(ctx, *out, ssbgen.Options{SF: *sf, Seed: *seed, Parallelism: *parallel})
	if err != nil {
		fmt.Fprintln(os.Stderr, "generate:", err)
		os.Exit(1)
	}
	var rows, bytes int64
	for _, f := range stats.Files {
		fmt.Printf("%-18s %12d rows %14d bytes %8s\n", f.Table+".parquet", f.Rows, f.Bytes, f.Elapsed.Round(time.Millisecond))
		rows += f.Rows
		bytes += f.Bytes
	}
	fmt.Printf("%-18s %12d rows %14d bytes %8s total in %s\n", "", rows, bytes, "", stats.Elapsed.Round(time.Millisecond))
}
