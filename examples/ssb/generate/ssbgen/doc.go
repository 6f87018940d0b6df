// Package ssbgen generates the Star Schema Benchmark's data set (O'Neil,
// O'Neil and Chen, "Star Schema Benchmark", revision 3) as five parquet files
// whose columns match examples/ssb/models/physical.yaml: lineorder, customer,
// supplier, part and date.
//
// Sizes follow the specification at scale factor SF: 6,000,000 × SF lineorder
// rows (orders of 1 to 7 lines), 30,000 × SF customers, 2,000 × SF suppliers,
// 200,000 × (1 + ⌊log2 SF⌋) parts (200,000 × SF below SF 1) and the 2,556 days
// from 1992-01-01 to 1998-12-30. Fractional scale factors are allowed
// (the tests use SF 0.01).
//
// Value domains are the specification's: 5 regions and the 25 TPC-H nations;
// 250 cities, each the first nine characters of its nation (space padded)
// plus a digit ("UNITED KI1"); manufacturers MFGR#1..MFGR#5, categories
// MFGR#11..MFGR#55, brands MFGR#1101..MFGR#5540 (40 per category); order dates
// uniform over 1992-01-01..1998-08-02; quantities 1..50, discounts 0..10 %,
// taxes 0..8 %. Money is in integer cents: the part price is TPC-H's
// p_retailprice, lo_extendedprice = quantity × price, lo_revenue =
// lo_extendedprice × (100 − discount) / 100 and lo_supplycost = 6 × price / 10.
//
// Values are drawn in Go from seeded PCG generators (one stream per table and
// per lineorder chunk of 2,000,000 rows), loaded through engine/duckdb's
// appender and copied to parquet single-threaded, so the same scale factor and
// seed give byte-identical files whatever the parallelism. lineorder is
// written in chunks that are built side by side and then concatenated in
// order into one file, which keeps memory bounded at large scale factors.
//
// The program in the parent directory is a thin command around Generate.
package ssbgen
