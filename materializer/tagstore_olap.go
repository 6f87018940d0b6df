package materializer

import (
	"context"
	"fmt"
	"math"
	"strconv"
	"time"

	"github.com/RoaringBitmap/roaring/v2"

	"github.com/strata-metrics/strata/compiler/sqlgen"
	"github.com/strata-metrics/strata/engine"
)

// Tags on StarRocks and Doris. A version is an aggregate-key table with the
// engine's BITMAP per value (sqlgen.TagTableCreate): the build loads each
// value's ids in parts of olapTagPart ids, which the engine turns into
// bitmaps (bitmap_from_string) and merges (BITMAP_UNION), so the tag's
// bitmaps live in the engine as its own type, usable by its bitmap
// functions. Readers take them back with bitmap_to_string and parse the ids
// into roaring bitmaps (DecodeTagBitmap). Neither engine runs DDL in a
// transaction, so a build is: create the version table, load it, point the
// state row at it (one INSERT, which replaces the row of a keyed table: the
// swap is atomic) and drop the previous version. A failure drops the new
// table and records the error in a whole row that keeps the previous
// version.

// olapTagPart is how many ids one INSERT loads (about 0.5 MB of text).
var olapTagPart = 1 << 16

// writeOLAPSets loads a version table and swaps the state row; values are
// sorted, kind and the state arguments as buildSets computes them.
func (m *Materializer) writeOLAPSets(ctx context.Context, table string, values []string, sets map[string]*roaring.Bitmap, swapArgs []any, old string) error {
	if err := m.Engine.Exec(ctx, sqlgen.TagTableCreate(m.Dialect, table)); err != nil {
		return engine.Clean(err)
	}
	load := func() error {
		ids := make([]uint32, olapTagPart)
		var buf []byte
		for _, v := range values {
			bm := sets[v]
			if bm.IsEmpty() {
				if err := m.Engine.Exec(ctx, sqlgen.TagTableInsertEmpty(m.Dialect, table), v); err != nil {
					return err
				}
				continue
			}
			it := bm.ManyIterator()
			for n := it.NextMany(ids); n > 0; n = it.NextMany(ids) {
				buf = buf[:0]
				for i, id := range ids[:n] {
					if i > 0 {
						buf = append(buf, ',')
					}
					buf = strconv.AppendUint(buf, uint64(id), 10)
				}
				if err := m.Engine.Exec(ctx, sqlgen.TagTableInsert(m.Dialect, table), v, string(buf)); err != nil {
					return err
				}
			}
		}
		return m.Engine.Exec(ctx, sqlgen.TagSwap(m.Dialect), swapArgs...)
	}
	if err := load(); err != nil {
		_ = m.Engine.Exec(context.WithoutCancel(ctx), sqlgen.DropTable(m.Dialect, table))
		return engine.Clean(err)
	}
	if old != "" && old != table {
		// The state row no longer names it: a failed drop leaves an orphan,
		// not a wrong answer.
		_ = m.Engine.Exec(ctx, sqlgen.DropTable(m.Dialect, old))
	}
	return nil
}

// recordTagFailure records a failed build, keeping the previous version: on
// StarRocks and Doris the whole state row, from the previous row's values.
func (m *Materializer) recordTagFailure(ctx context.Context, name, kind, entity string, cause error) {
	now := time.Now().UTC()
	if m.Dialect.OLAP() == nil {
		_ = m.Engine.Exec(ctx, sqlgen.TagFailure(m.Dialect), name, cause.Error(), now)
		return
	}
	var prev TagState
	if st, err := m.tagStates(ctx); err == nil {
		prev = st[name]
	}
	orNil := func(s string) any {
		if s == "" {
			return nil
		}
		return s
	}
	var built any
	if !prev.BuiltAt.IsZero() {
		built = prev.BuiltAt
	}
	_ = m.Engine.Exec(ctx, sqlgen.TagFailure(m.Dialect), name, kind, entity, orNil(prev.Table), orNil(prev.Hash), orNil(prev.AsOf), built,
		prev.DurationMS, prev.Members, prev.Values, prev.Bytes, cause.Error(), now)
}

// DecodeTagBitmap reads one bitmap of a version table as TagTableRead
// returns it: the portable roaring serialization, or on StarRocks and Doris
// the text of bitmap_to_string — decimal ids separated by commas, empty for
// an empty bitmap. Ids must be entity ids (0 … 2^32-1).
func DecodeTagBitmap(d sqlgen.Dialect, v any) (*roaring.Bitmap, error) {
	if d.OLAP() == nil {
		blob, _ := v.([]byte)
		bm := roaring.New()
		if err := bm.UnmarshalBinary(blob); err != nil {
			return nil, err
		}
		return bm, nil
	}
	var text []byte
	switch x := v.(type) {
	case string:
		text = []byte(x)
	case []byte:
		text = x
	case nil:
		return nil, fmt.Errorf("the bitmap is NULL")
	default:
		return nil, fmt.Errorf("a bitmap read as %T, not text", v)
	}
	bm := roaring.New()
	ids := make([]uint32, 0, 4096)
	start := 0
	for i := 0; i <= len(text); i++ {
		if i < len(text) && text[i] != ',' {
			continue
		}
		if i == start {
			if len(text) == 0 {
				break
			}
			return nil, fmt.Errorf("an empty id at byte %d", start)
		}
		n, err := strconv.ParseUint(string(text[start:i]), 10, 64)
		if err != nil {
			return nil, fmt.Errorf("id %q at byte %d is not a number", text[start:i], start)
		}
		if n > math.MaxUint32 {
			return nil, fmt.Errorf("id %d at byte %d is beyond the entity ids a tag holds (0 … %d)", n, start, uint32(math.MaxUint32))
		}
		ids = append(ids, uint32(n))
		if len(ids) == cap(ids) {
			bm.AddMany(ids)
			ids = ids[:0]
		}
		start = i + 1
	}
	bm.AddMany(ids)
	bm.RunOptimize()
	return bm, nil
}
