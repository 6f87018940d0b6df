// Package bankgen generates the synthetic retail-bank data set that
// examples/bank models: nine parquet files (transactions, balances,
// app_events, customers, branches, accounts, products, channels, calendar)
// whose columns match examples/bank/models/physical.yaml.
//
// Values are drawn in Go from seeded PCG generators and loaded through
// engine/duckdb's appender, then copied to parquet single-threaded, so the
// same Options give byte-identical files. Sizes scale with the number of
// transactions. The data is deliberately a little dirty, the way warehouse
// data is: orphan customer and account keys, NULL segments, customers
// pointing at branches that do not exist, reversed and pending transactions,
// value dates a day after the local transaction date, and many transactions
// between 16:00 and 24:00 UTC, which fall on the next day in Asia/Shanghai.
//
// The program in the parent directory is a thin command around Generate.
package bankgen
