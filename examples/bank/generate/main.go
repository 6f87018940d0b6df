// Command generate writes the retail-bank example's parquet files:
//
//	go run ./examples/bank/generate -out examples/bank/data -transactions 1000000 [-customers N] -seed 1
//
// The same flags always give the same bytes. See package bankgen for what is
// generated.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"time"

	"github.com/strata-metrics/strata/examples/bank/generate/bankgen"
)

func main() {
	out := flag.String("out", "examples/bank/data", "output directory")
	n := flag.Int("transactions", bankgen.DefaultTransactions, "number of transactions; other tables scale with it")
	customers := flag.Int("customers", 0, "number of customers (0: one per 50 transactions, at least 500)")
	months := flag.Int("months", bankgen.DefaultMonths, fmt.Sprintf("months of facts from 2024-01 (1..%d)", bankgen.MaxMonths))
	seed := flag.Uint64("seed", 1, "random seed")
	parallel := flag.Int("parallel", 0, "tables built at once (0: GOMAXPROCS); does not change the output")
	flag.Parse()
	if *n <= 0 {
		fmt.Fprintln(os.Stderr, "generate: -transactions must be positive")
		os.Exit(2)
	}

	if *customers < 0 {
		fmt.Fprintln(os.Stderr, "generate: -customers must not be negative")
		os.Exit(2)
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	stats, err := bankgen.Generate(ctx, *out, bankgen.Options{Transactions: *n, Customers: *customers, Months: *months, Seed: *seed, Parallelism: *parallel})
	if err != nil {
		fmt.Fprintln(os.Stderr, "generate:", err)
		os.Exit(1)
	}
	var rows, bytes int64
	for _, f := range stats.Files {
		fmt.Printf("%-22s %12d rows %14d bytes %8s\n", f.Table+".parquet", f.Rows, f.Bytes, f.Elapsed.Round(time.Millisecond))
		rows += f.Rows
		bytes += f.Bytes
	}
	fmt.Printf("%-22s %12d rows %14d bytes %8s total in %s\n", "", rows, bytes, "", stats.Elapsed.Round(time.Millisecond))
}
