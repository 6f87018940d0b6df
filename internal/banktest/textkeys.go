package banktest

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/strata-metrics/strata/engine/duckdb"
)

// TextKey is the SQL map from a generated integer customer_id to the text
// key the text-key bank uses: 'C' and seven digits, a permutation of the
// numbers (7919 is invertible modulo the prime 1000003), so that the order
// of the keys is not the order of the numbers.
const TextKey = `'C' || lpad(CAST((customer_id * 7919) % 1000003 AS VARCHAR), 7, '0')`

// KeyedTables are the bank's tables with a customer_id column.
var KeyedTables = []string{"customers", "transactions", "balances", "app_events", "accounts"}

// TextKeys turns a copied bank in dir (CopyModel, data generated under
// dir/data) into the bank with a text customer key: every customer_id
// column is declared varchar, and every data file's customer_id is mapped
// through TextKey.
func TextKeys(ctx context.Context, dir string) error {
	phys := filepath.Join(dir, "models", "physical.yaml")
	b, err := os.ReadFile(phys)
	if err != nil {
		return err
	}
	text := strings.ReplaceAll(string(b), "customer_id: bigint", "customer_id: varchar")
	if strings.Count(text, "customer_id: varchar") != len(KeyedTables) {
		return fmt.Errorf("physical.yaml: expected %d customer_id columns", len(KeyedTables))
	}
	if err := os.WriteFile(phys, []byte(text), 0o644); err != nil {
		return err
	}
	data := filepath.Join(dir, "data")
	return TextKeyData(ctx, data, data)
}

// TextKeyData writes into dst the bank's data files of src with every
// customer_id mapped through TextKey; dst may be src. The files without a
// customer_id are linked when dst is another directory.
func TextKeyData(ctx context.Context, src, dst string) error {
	if err := os.MkdirAll(dst, 0o755); err != nil {
		return err
	}
	db, err := duckdb.Open("", 1)
	if err != nil {
		return err
	}
	defer db.Close()
	keyed := map[string]bool{}
	for _, t := range KeyedTables {
		keyed[t+".parquet"] = true
		from, to := filepath.Join(src, t+".parquet"), filepath.Join(dst, t+".parquet")
		q := fmt.Sprintf("COPY (SELECT * REPLACE (%s AS customer_id) FROM read_parquet('%s')) TO '%s.tmp' (FORMAT parquet)", TextKey, from, to)
		if err := db.Exec(ctx, q); err != nil {
			return err
		}
		if err := os.Rename(to+".tmp", to); err != nil {
			return err
		}
	}
	if src == dst {
		return nil
	}
	files, err := filepath.Glob(filepath.Join(src, "*.parquet"))
	if err != nil {
		return err
	}
	for _, f := range files {
		if name := filepath.Base(f); !keyed[name] {
			if err := os.Symlink(f, filepath.Join(dst, name)); err != nil && !os.IsExist(err) {
				return err
			}
		}
	}
	return nil
}
