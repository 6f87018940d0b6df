package duckdb

import "context"

// Each runs a query and hands fn each row to scan into typed destinations
// (as database/sql's Rows.Scan takes them), without building a result: tag
// builds read millions of keys, and boxing each into a row of values costs
// more than the query. Columns beyond the destinations given are skipped.
func (d *DB) Each(ctx context.Context, q string, fn func(scan func(dest ...any) error) error) error {
	rows, err := d.db.QueryContext(ctx, q)
	if err != nil {
		return wrap(ctx, q, err)
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return wrap(ctx, q, err)
	}
	skip := make([]any, len(cols))
	for i := range skip {
		skip[i] = new(any)
	}
	var all []any
	scan := func(dest ...any) error {
		if len(dest) >= len(cols) {
			return rows.Scan(dest...)
		}
		all = append(append(all[:0], dest...), skip[len(dest):]...)
		return rows.Scan(all...)
	}
	for rows.Next() {
		if err := fn(scan); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return wrap(ctx, q, err)
	}
	return nil
}
