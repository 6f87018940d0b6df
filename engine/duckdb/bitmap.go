package duckdb

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"fmt"

	"github.com/RoaringBitmap/roaring/v2/roaring64"
	duckdb "github.com/duckdb/duckdb-go/v2"
)

// Distinct sets of integer keys are kept in rollups as roaring bitmaps: a BLOB
// in the portable 64-bit roaring format (github.com/RoaringBitmap/roaring/v2,
// roaring64), so that any integer key — negative, or beyond 32 bits — is held
// exactly: a signed key is stored as its two's-complement bit pattern, a
// bijection, so counts of the union are exact and values read back unchanged.
//
// DuckDB has no bitmap type and duckdb-go registers scalar functions only, so
// each operation is a scalar function over a LIST that DuckDB's own list()
// aggregate gathers per group:
//
//	strata_bitmap_build(list(key))   BIGINT[] → BLOB   the keys of a group (NULLs skipped)
//	strata_bitmap_union(list(set))   BLOB[]   → BLOB   the union of stored bitmaps
//	strata_bitmap_count(list(set))   BLOB[]   → BIGINT the size of their union
//
// The functions are registered in the database's catalog when it is opened,
// so every connection of the pool sees them. compiler/sqlgen names them (the
// Bitmap* constants there); the names here must stay the same.
const (
	bitmapBuild = "strata_bitmap_build"
	bitmapUnion = "strata_bitmap_union"
	bitmapCount = "strata_bitmap_count"
)

// registerBitmaps adds the bitmap functions to the database.
func registerBitmaps(db *sql.DB) error {
	ctx := context.Background()
	conn, err := db.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	bigint, err := duckdb.NewTypeInfo(duckdb.TYPE_BIGINT)
	if err != nil {
		return err
	}
	blob, err := duckdb.NewTypeInfo(duckdb.TYPE_BLOB)
	if err != nil {
		return err
	}
	bigints, err := duckdb.NewListInfo(bigint)
	if err != nil {
		return err
	}
	blobs, err := duckdb.NewListInfo(blob)
	if err != nil {
		return err
	}
	funcs := []struct {
		name string
		f    *bitmapFunc
	}{
		{bitmapBuild, &bitmapFunc{in: bigints, out: blob, run: buildBitmap}},
		{bitmapUnion, &bitmapFunc{in: blobs, out: blob, run: func(v []any) (any, error) {
			bm, err := unionBitmaps(v)
			if err != nil {
				return nil, err
			}
			return bm.ToBytes()
		}}},
		{bitmapCount, &bitmapFunc{in: blobs, out: bigint, run: func(v []any) (any, error) {
			bm, err := unionBitmaps(v)
			if err != nil {
				return nil, err
			}
			return int64(bm.GetCardinality()), nil
		}}},
	}
	for _, fn := range funcs {
		if err := duckdb.RegisterScalarUDF(conn, fn.name, fn.f); err != nil {
			return fmt.Errorf("register %s: %w", fn.name, err)
		}
	}
	return nil
}

// bitmapFunc is one bitmap function over a single LIST argument.
type bitmapFunc struct {
	in, out duckdb.TypeInfo
	run     func([]any) (any, error)
}

// Config implements duckdb.ScalarFunc.
func (f *bitmapFunc) Config() duckdb.ScalarFuncConfig {
	return duckdb.ScalarFuncConfig{InputTypeInfos: []duckdb.TypeInfo{f.in}, ResultTypeInfo: f.out}
}

// Executor implements duckdb.ScalarFunc.
func (f *bitmapFunc) Executor() duckdb.ScalarFuncExecutor {
	return duckdb.ScalarFuncExecutor{RowExecutor: func(values []driver.Value) (any, error) {
		list, ok := values[0].([]any)
		if !ok {
			return nil, fmt.Errorf("want a list argument, got %T", values[0])
		}
		return f.run(list)
	}}
}

func buildBitmap(keys []any) (any, error) {
	vals := make([]uint64, 0, len(keys))
	for _, k := range keys {
		switch k := k.(type) {
		case nil:
		case int64:
			vals = append(vals, uint64(k))
		default:
			return nil, fmt.Errorf("bitmap key of type %T", k)
		}
	}
	bm := roaring64.New()
	bm.AddMany(vals)
	bm.RunOptimize()
	return bm.ToBytes()
}

// unionBitmaps reads serialized bitmaps (NULLs skipped) and unions them. The
// bytes are the driver's copies, alive for the call, so they are read in place.
func unionBitmaps(sets []any) (*roaring64.Bitmap, error) {
	parts := make([]*roaring64.Bitmap, 0, len(sets))
	for _, s := range sets {
		if s == nil {
			continue
		}
		b, ok := s.([]byte)
		if !ok {
			return nil, fmt.Errorf("bitmap of type %T", s)
		}
		bm := roaring64.New()
		if _, err := bm.FromUnsafeBytes(b); err != nil {
			return nil, fmt.Errorf("corrupt bitmap: %w", err)
		}
		parts = append(parts, bm)
	}
	return roaring64.FastOr(parts...), nil
}
