package duckdb

import (
	"bytes"
	"context"
	"database/sql"
	"database/sql/driver"
	"encoding/binary"
	"fmt"
	"sort"

	"github.com/RoaringBitmap/roaring/v2"
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
		{bitmapUnion, &bitmapFunc{in: blobs, out: blob, run: func(v []any) (any, error) { return unionBitmaps(v) }}},
		{bitmapCount, &bitmapFunc{in: blobs, out: bigint, run: func(v []any) (any, error) { return countBitmaps(v) }}},
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

// A merge of stored bitmaps reads the portable roaring64 format itself — a
// little-endian uint64 count of buckets, then per bucket a uint32 high key and
// a 32-bit roaring bitmap of the low halves — into one zero-copy 32-bit bitmap
// per bucket (the bytes are the driver's copies, alive for the call), and
// unions each high key's buckets with roaring.FastOr, whose lazy OR skips the
// cardinality upkeep of every step that roaring64's pairwise Or pays. A rollup
// read merges many small sets per group (one per day and dimension value), so
// the per-set costs — the 64-bit wrapper, its allocations, an eager OR — are
// most of the time. Counting sums the buckets' cardinalities without writing
// the union out.

// bitmapBuckets holds the 32-bit bitmaps of each high key, in first-seen order.
type bitmapBuckets struct {
	keys  []uint32
	parts [][]*roaring.Bitmap
	index map[uint32]int
}

// readBitmaps parses serialized bitmaps (NULLs skipped) into buckets.
func readBitmaps(sets []any) (*bitmapBuckets, error) {
	bk := &bitmapBuckets{index: map[uint32]int{}}
	for _, s := range sets {
		if s == nil {
			continue
		}
		b, ok := s.([]byte)
		if !ok {
			return nil, fmt.Errorf("bitmap of type %T", s)
		}
		if err := bk.add(b); err != nil {
			return nil, fmt.Errorf("corrupt bitmap: %w", err)
		}
	}
	return bk, nil
}

func (bk *bitmapBuckets) add(b []byte) error {
	if len(b) < 8 {
		return fmt.Errorf("%d bytes, shorter than its header", len(b))
	}
	n := binary.LittleEndian.Uint64(b)
	b = b[8:]
	// Every bucket takes at least its key and a 32-bit header.
	if n > uint64(len(b)/8) {
		return fmt.Errorf("%d buckets in %d bytes", n, len(b))
	}
	for i := uint64(0); i < n; i++ {
		if len(b) < 4 {
			return fmt.Errorf("bucket %d: truncated key", i)
		}
		key := binary.LittleEndian.Uint32(b)
		b = b[4:]
		bm := roaring.New()
		used, err := bm.FromUnsafeBytes(b)
		if err != nil {
			return fmt.Errorf("bucket %d: %w", i, err)
		}
		if used <= 0 || used > int64(len(b)) {
			return fmt.Errorf("bucket %d: read %d of %d bytes", i, used, len(b))
		}
		b = b[used:]
		j, ok := bk.index[key]
		if !ok {
			j = len(bk.keys)
			bk.index[key] = j
			bk.keys = append(bk.keys, key)
			bk.parts = append(bk.parts, nil)
		}
		bk.parts[j] = append(bk.parts[j], bm)
	}
	if len(b) != 0 {
		return fmt.Errorf("%d bytes past its last bucket", len(b))
	}
	return nil
}

// union returns each high key's union, keys ascending, empty unions dropped.
func (bk *bitmapBuckets) union() ([]uint32, []*roaring.Bitmap) {
	order := make([]int, len(bk.keys))
	for i := range order {
		order[i] = i
	}
	sort.Slice(order, func(a, b int) bool { return bk.keys[order[a]] < bk.keys[order[b]] })
	keys := make([]uint32, 0, len(order))
	sets := make([]*roaring.Bitmap, 0, len(order))
	for _, j := range order {
		u := roaring.FastOr(bk.parts[j]...)
		if u.IsEmpty() {
			continue
		}
		keys = append(keys, bk.keys[j])
		sets = append(sets, u)
	}
	return keys, sets
}

// countBitmaps is the size of the union of serialized bitmaps.
func countBitmaps(sets []any) (int64, error) {
	bk, err := readBitmaps(sets)
	if err != nil {
		return 0, err
	}
	var n uint64
	for _, parts := range bk.parts {
		n += roaring.FastOr(parts...).GetCardinality()
	}
	return int64(n), nil
}

// unionBitmaps is the union of serialized bitmaps, serialized in the same
// portable roaring64 format (as roaring64.Bitmap.WriteTo writes it).
func unionBitmaps(sets []any) ([]byte, error) {
	bk, err := readBitmaps(sets)
	if err != nil {
		return nil, err
	}
	keys, parts := bk.union()
	var buf bytes.Buffer
	var word [8]byte
	binary.LittleEndian.PutUint64(word[:], uint64(len(keys)))
	buf.Write(word[:])
	for i, key := range keys {
		binary.LittleEndian.PutUint32(word[:4], key)
		buf.Write(word[:4])
		if _, err := parts[i].WriteTo(&buf); err != nil {
			return nil, err
		}
	}
	return buf.Bytes(), nil
}
