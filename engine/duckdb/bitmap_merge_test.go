package duckdb

import (
	"bytes"
	"math/rand/v2"
	"testing"

	"github.com/RoaringBitmap/roaring/v2/roaring64"
)

// TestBitmapMergeMatchesRoaring64 counts generated sets — keys spread over
// several high 32-bit halves (negative keys among them), dense runs, sparse
// arrays and containers that pass from a list to a bit set as they merge,
// run-optimized or not, empty sets and NULLs — with the count's own reader
// of the portable format, and compares it with roaring64's Or over the same
// sets (and the union function's result with it).
func TestBitmapMergeMatchesRoaring64(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	highs := []uint64{0, 1, 5, 1 << 31, 1<<32 - 1}
	for trial := range 300 {
		want := roaring64.New()
		var sets []any
		for range r.IntN(40) {
			if r.IntN(10) == 0 {
				sets = append(sets, nil)
				continue
			}
			bm := roaring64.New()
			for range r.IntN(3) + 1 {
				high := highs[r.IntN(len(highs))] << 32
				switch r.IntN(4) {
				case 0: // sparse
					for range r.IntN(200) {
						bm.Add(high | uint64(r.Uint32()))
					}
				case 1: // a dense run
					lo := uint64(r.IntN(1 << 20))
					bm.AddRange(high|lo, high|(lo+uint64(r.IntN(70000))))
				case 3: // a dense run up to the largest key (-1 as a signed key)
					n := uint64(1 + r.IntN(140000))
					bm.AddRange(^uint64(0)-n, ^uint64(0))
					bm.Add(^uint64(0))
				case 2: // clustered in a few containers the sets share
					base := uint64(r.IntN(4)) << 16
					for range r.IntN(6000) {
						bm.Add(high | base | uint64(r.IntN(1<<16)))
					}
				}
			}
			if r.IntN(2) == 0 {
				bm.RunOptimize()
			}
			b, err := bm.ToBytes()
			if err != nil {
				t.Fatal(err)
			}
			want.Or(bm)
			sets = append(sets, b)
		}
		n, err := countBitmaps(sets)
		if err != nil {
			t.Fatalf("trial %d: count: %v", trial, err)
		}
		if uint64(n) != want.GetCardinality() {
			t.Fatalf("trial %d: count %d, want %d", trial, n, want.GetCardinality())
		}
		u, err := unionBitmaps(sets)
		if err != nil {
			t.Fatalf("trial %d: union: %v", trial, err)
		}
		got := roaring64.New()
		if err := got.UnmarshalBinary(u); err != nil {
			t.Fatalf("trial %d: the union does not read back: %v", trial, err)
		}
		if !got.Equals(want) {
			t.Fatalf("trial %d: union holds %d keys, want %d", trial, got.GetCardinality(), want.GetCardinality())
		}
		// Stored again, the union merges to itself.
		again, err := unionBitmaps([]any{u})
		if err != nil || !bytes.Equal(again, u) {
			t.Fatalf("trial %d: the union of the union differs (%v)", trial, err)
		}
		if n2, err := countBitmaps([]any{u}); err != nil || n2 != n {
			t.Fatalf("trial %d: the union counts %d, want %d (%v)", trial, n2, n, err)
		}
	}
}

// TestBitmapMergeRejectsCorrupt: truncated, padded or mistyped input is an
// error, never a panic or a count.
func TestBitmapMergeRejectsCorrupt(t *testing.T) {
	bm := roaring64.BitmapOf(1, 2, 70000, 1<<33, 1<<40+5)
	good, err := bm.ToBytes()
	if err != nil {
		t.Fatal(err)
	}
	if n, err := countBitmaps([]any{good}); err != nil || n != 5 {
		t.Fatalf("good bitmap: %d, %v", n, err)
	}
	for cut := range len(good) {
		if _, err := countBitmaps([]any{good[:cut]}); err == nil {
			t.Errorf("a bitmap cut to %d of %d bytes was counted", cut, len(good))
		}
	}
	if _, err := countBitmaps([]any{append(append([]byte{}, good...), 0)}); err == nil {
		t.Error("a bitmap with a trailing byte was counted")
	}
	huge := append([]byte{}, good...)
	huge[7] = 0x7f // bucket count far beyond the bytes
	if _, err := countBitmaps([]any{huge}); err == nil {
		t.Error("a bitmap claiming too many buckets was counted")
	}
	if _, err := unionBitmaps([]any{"text"}); err == nil {
		t.Error("a non-BLOB value was merged")
	}
	// Flipped bytes anywhere: an error or some count, never a panic.
	r := rand.New(rand.NewPCG(3, 4))
	dense := roaring64.New()
	dense.AddRange(10, 70000)
	dense.AddMany([]uint64{1 << 35, 1<<35 + 9, 1 << 50})
	dense.RunOptimize()
	for _, bm := range []*roaring64.Bitmap{bm, dense} {
		data, err := bm.ToBytes()
		if err != nil {
			t.Fatal(err)
		}
		for range 2000 {
			bad := append([]byte{}, data...)
			bad[r.IntN(len(bad))] ^= byte(1 + r.IntN(255))
			_, _ = countBitmaps([]any{bad})
		}
	}
	if n, err := countBitmaps(nil); err != nil || n != 0 {
		t.Errorf("no sets: %d, %v", n, err)
	}
}
