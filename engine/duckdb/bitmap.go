package duckdb

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"encoding/binary"
	"fmt"
	"math/bits"
	"slices"

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

// unionBitmaps is the union of serialized bitmaps (NULLs skipped), read as
// countBitmaps reads them and written straight from the accumulators in the
// same portable format (arrays and bitmap containers, keys ascending).
func unionBitmaps(sets []any) ([]byte, error) {
	c, err := readSets(sets)
	if err != nil {
		return nil, err
	}
	keys := make([]uint64, 0, len(c.chunks))
	for k, ch := range c.chunks {
		if ch.dense == nil && len(ch.vals) == 0 {
			continue // a run container of no runs
		}
		keys = append(keys, k)
	}
	slices.Sort(keys)
	var out []byte
	var buckets uint64
	out = binary.LittleEndian.AppendUint64(out, 0) // the bucket count, set below
	for i := 0; i < len(keys); {
		high := keys[i] >> 32
		j := i
		for j < len(keys) && keys[j]>>32 == high {
			j++
		}
		out = binary.LittleEndian.AppendUint32(out, uint32(high))
		if out, err = c.write32(out, keys[i:j]); err != nil {
			return nil, err
		}
		buckets++
		i = j
	}
	binary.LittleEndian.PutUint64(out, buckets)
	return out, nil
}

// write32 appends the 32-bit roaring bitmap of the given chunks (one high
// key, ascending) in the format without run containers: cookie, count, keys
// and cardinalities, offsets, then each container — an array of at most
// arrayMax sorted values, else 1,024 words.
func (c *bitCounter) write32(out []byte, keys []uint64) ([]byte, error) {
	const cookieNoRuns = 12346
	cards := make([]int, len(keys))
	for i, k := range keys {
		ch := c.chunks[k]
		if ch.dense != nil {
			for _, w := range ch.dense {
				cards[i] += bits.OnesCount64(w)
			}
		} else {
			slices.Sort(ch.vals)
			ch.vals = slices.Compact(ch.vals)
			cards[i] = len(ch.vals)
		}
	}
	start := len(out)
	out = binary.LittleEndian.AppendUint32(out, cookieNoRuns)
	out = binary.LittleEndian.AppendUint32(out, uint32(len(keys)))
	for i, k := range keys {
		out = binary.LittleEndian.AppendUint16(out, uint16(k>>16))
		out = binary.LittleEndian.AppendUint16(out, uint16(cards[i]-1))
	}
	offset := 8 + 8*len(keys)
	for _, card := range cards {
		out = binary.LittleEndian.AppendUint32(out, uint32(offset))
		if card > arrayMax {
			offset += 8192
		} else {
			offset += 2 * card
		}
	}
	for i, k := range keys {
		ch := c.chunks[k]
		switch {
		case cards[i] > arrayMax:
			ch.makeDense()
			for _, w := range ch.dense {
				out = binary.LittleEndian.AppendUint64(out, w)
			}
		case ch.dense != nil:
			for w, word := range ch.dense {
				for ; word != 0; word &= word - 1 {
					out = binary.LittleEndian.AppendUint16(out, uint16(w<<6+bits.TrailingZeros64(word)))
				}
			}
		default:
			for _, v := range ch.vals {
				out = binary.LittleEndian.AppendUint16(out, v)
			}
		}
	}
	if len(out)-start != offset {
		return nil, fmt.Errorf("internal: wrote %d bytes of a %d-byte bitmap", len(out)-start, offset)
	}
	return out, nil
}

// countBitmaps is the size of the union of serialized bitmaps (NULLs
// skipped), counted without building the union as a bitmap. A rollup read
// merges many small sets per group (one per day and dimension value), where
// a roaring merge (deserialize each set, then OR them pairwise) pays per set
// for its objects and an eager array union; here the portable format is read
// straight into one accumulator per 16-bit container (bitCounter), a few
// instructions per key.
func countBitmaps(sets []any) (int64, error) {
	c, err := readSets(sets)
	if err != nil {
		return 0, err
	}
	return c.count(), nil
}

// readSets accumulates the keys of serialized bitmaps (NULLs skipped).
func readSets(sets []any) (*bitCounter, error) {
	c := &bitCounter{chunks: map[uint64]*bitChunk{}}
	for _, s := range sets {
		if s == nil {
			continue
		}
		b, ok := s.([]byte)
		if !ok {
			return nil, fmt.Errorf("bitmap of type %T", s)
		}
		if err := c.add64(b); err != nil {
			return nil, fmt.Errorf("corrupt bitmap: %w", err)
		}
	}
	return c, nil
}

// bitCounter accumulates the keys of serialized bitmaps per container: the
// chunk of 65,536 keys sharing their high 48 bits.
type bitCounter struct {
	chunks map[uint64]*bitChunk
}

// bitChunk is one container's keys: appended low halves (duplicates
// allowed) until they pass arrayMax, then a dense bit set. A chunk is dense
// only once its input held more than arrayMax values, so memory stays within
// a small multiple of the input's size.
type bitChunk struct {
	vals  []uint16
	dense *[1024]uint64
}

const arrayMax = 4096 // roaring's largest array container

func (c *bitCounter) chunk(key uint64) *bitChunk {
	ch := c.chunks[key]
	if ch == nil {
		ch = &bitChunk{}
		c.chunks[key] = ch
	}
	return ch
}

func (ch *bitChunk) makeDense() {
	if ch.dense != nil {
		return
	}
	ch.dense = new([1024]uint64)
	for _, v := range ch.vals {
		ch.dense[v>>6] |= 1 << (v & 63)
	}
	ch.vals = nil
}

func (ch *bitChunk) addRange(lo, hi int) { // keys lo..hi inclusive
	if ch.dense == nil && len(ch.vals)+hi-lo+1 <= arrayMax {
		for v := lo; v <= hi; v++ {
			ch.vals = append(ch.vals, uint16(v))
		}
		return
	}
	ch.makeDense()
	for v := lo; v <= hi; {
		w, bit := v>>6, v&63
		n := min(64-bit, hi-v+1)
		mask := ^uint64(0)
		if n < 64 {
			mask = (1<<uint(n) - 1) << uint(bit)
		}
		ch.dense[w] |= mask
		v += n
	}
}

func (c *bitCounter) count() int64 {
	var n int64
	for _, ch := range c.chunks {
		if ch.dense != nil {
			for _, w := range ch.dense {
				n += int64(bits.OnesCount64(w))
			}
			continue
		}
		slices.Sort(ch.vals)
		n += int64(len(slices.Compact(ch.vals)))
	}
	return n
}

// add64 reads one bitmap in the portable roaring64 format: a little-endian
// uint64 count of buckets, then per bucket a uint32 high key and a 32-bit
// roaring bitmap (github.com/RoaringBitmap/RoaringFormatSpec) of the low halves.
func (c *bitCounter) add64(b []byte) error {
	if len(b) < 8 {
		return fmt.Errorf("%d bytes, shorter than its header", len(b))
	}
	n := binary.LittleEndian.Uint64(b)
	b = b[8:]
	if n > uint64(len(b)/12) { // a bucket takes at least a key and an 8-byte header
		return fmt.Errorf("%d buckets in %d bytes", n, len(b))
	}
	for i := uint64(0); i < n; i++ {
		if len(b) < 4 {
			return fmt.Errorf("bucket %d: truncated key", i)
		}
		high := uint64(binary.LittleEndian.Uint32(b)) << 32
		used, err := c.add32(high, b[4:])
		if err != nil {
			return fmt.Errorf("bucket %d: %w", i, err)
		}
		b = b[4+used:]
	}
	if len(b) != 0 {
		return fmt.Errorf("%d bytes past its last bucket", len(b))
	}
	return nil
}

// add32 reads one 32-bit roaring bitmap from the start of b, its keys offset
// by high, and returns the bytes it took.
func (c *bitCounter) add32(high uint64, b []byte) (int, error) {
	const (
		cookieRuns   = 12347 // runs, arrays and bitmaps
		cookieNoRuns = 12346 // arrays and bitmaps only
	)
	if len(b) < 4 {
		return 0, fmt.Errorf("truncated header")
	}
	cookie := binary.LittleEndian.Uint32(b)
	pos := 4
	var size int
	var runs []byte
	switch {
	case cookie&0xFFFF == cookieRuns:
		size = int(cookie>>16) + 1
		runs = make([]byte, (size+7)/8)
		if len(b) < pos+len(runs) {
			return 0, fmt.Errorf("truncated run flags")
		}
		copy(runs, b[pos:])
		pos += len(runs)
	case cookie == cookieNoRuns:
		if len(b) < pos+4 {
			return 0, fmt.Errorf("truncated header")
		}
		size = int(binary.LittleEndian.Uint32(b[pos:]))
		pos += 4
		if size > 1<<16 {
			return 0, fmt.Errorf("%d containers", size)
		}
	default:
		return 0, fmt.Errorf("unknown cookie %#x", cookie)
	}
	header := pos
	if len(b) < header+4*size {
		return 0, fmt.Errorf("truncated container headers")
	}
	pos += 4 * size
	if runs == nil || size >= 4 { // offsets, not needed when reading in order
		pos += 4 * size
	}
	for i := range size {
		key := high | uint64(binary.LittleEndian.Uint16(b[header+4*i:]))<<16
		card := int(binary.LittleEndian.Uint16(b[header+4*i+2:])) + 1
		ch := c.chunk(key)
		switch {
		case runs != nil && runs[i/8]&(1<<(i%8)) != 0:
			if len(b) < pos+2 {
				return 0, fmt.Errorf("container %d: truncated", i)
			}
			nr := int(binary.LittleEndian.Uint16(b[pos:]))
			pos += 2
			if len(b) < pos+4*nr {
				return 0, fmt.Errorf("container %d: truncated runs", i)
			}
			for r := range nr {
				start := int(binary.LittleEndian.Uint16(b[pos+4*r:]))
				length := int(binary.LittleEndian.Uint16(b[pos+4*r+2:]))
				if start+length > 0xFFFF {
					return 0, fmt.Errorf("container %d: run past the container", i)
				}
				ch.addRange(start, start+length)
			}
			pos += 4 * nr
		case card > arrayMax:
			if len(b) < pos+8192 {
				return 0, fmt.Errorf("container %d: truncated bitmap", i)
			}
			ch.makeDense()
			for w := range ch.dense {
				ch.dense[w] |= binary.LittleEndian.Uint64(b[pos+8*w:])
			}
			pos += 8192
		default:
			if len(b) < pos+2*card {
				return 0, fmt.Errorf("container %d: truncated array", i)
			}
			arr := b[pos : pos+2*card]
			if ch.dense == nil && len(ch.vals)+card <= arrayMax {
				for j := 1; j < len(arr); j += 2 {
					ch.vals = append(ch.vals, uint16(arr[j-1])|uint16(arr[j])<<8)
				}
			} else {
				ch.makeDense()
				d := ch.dense
				for j := 1; j < len(arr); j += 2 {
					v := uint16(arr[j-1]) | uint16(arr[j])<<8
					d[v>>6] |= 1 << (v & 63)
				}
			}
			pos += 2 * card
		}
	}
	if pos > len(b) {
		return 0, fmt.Errorf("truncated offsets")
	}
	return pos, nil
}
