// Package partition says which partitions of a rollup a change to its
// sources touches. A file source may be one file, a glob
// (data/transactions/*.parquet) or a hive-partitioned directory
// (data/transactions/dt=*/); each file is fingerprinted by path, size,
// modification time and the min/max of the rollup's time column (read from
// the parquet statistics by the caller), and two fingerprint sets are
// compared to find the partitions whose rows may differ.
//
// It is pure Go: it imports neither the model nor the compiler nor an engine.
package partition
