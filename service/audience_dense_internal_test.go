package service

import (
	"math/rand/v2"
	"testing"

	"github.com/RoaringBitmap/roaring/v2"
)

// TestDenseEvalDifferential evaluates random expression trees over random
// sets with the dense evaluator and compares each answer, id by id, with the
// roaring operations on the same sets: sets of every shape (empty, sparse,
// dense, runs, shorter and longer than the population), trees of every
// operator nested up to four deep, populations small and large enough to be
// spanning many blocks.
func TestDenseEvalDifferential(t *testing.T) {
	rng := rand.New(rand.NewPCG(13, 1))
	for trial := 0; trial < 200; trial++ {
		universe := uint32(1 + rng.IntN(3000))
		if trial%10 == 0 {
			universe = uint32(1<<22 + rng.IntN(1<<20)) // many blocks
		}
		// Ids from 0, or from an offset as surrogate keys often start.
		off := []int64{0, 100_000, 3<<16 + 17}[rng.IntN(3)]
		pop := roaring.AddOffset64(randomSet(rng, universe, 1), off)
		if pop.IsEmpty() {
			pop.Add(uint32(off) + universe - 1)
		}
		sets := make([]*roaring.Bitmap, 6)
		for i := range sets {
			// Some sets reach beyond the population, as a tag built after it may.
			sets[i] = roaring.AddOffset64(randomSet(rng, universe+uint32(rng.IntN(200)), rng.IntN(4)), off-int64(rng.IntN(2)*70))
		}
		f, _ := (&Audiences{}).denseFrame(pop)
		base := f.base
		popWords := toWords(pop, base)
		if len(popWords) != f.len {
			t.Fatalf("trial %d: the population's bitset has %d words, its frame %d", trial, len(popWords), f.len)
		}
		for e := 0; e < 5; e++ {
			d, want := randomTree(rng, sets, pop, base, 4)
			want = roaring.And(want, pop)
			got := denseEval(d, popWords, base)
			if got.card != want.GetCardinality() {
				t.Fatalf("trial %d: size %d, want %d", trial, got.card, want.GetCardinality())
			}
			if !got.bitmap().Equals(want) {
				t.Fatalf("trial %d: members differ (%d vs %d)", trial, got.bitmap().GetCardinality(), want.GetCardinality())
			}
			o := roaringMembers(sets[e])
			if g, w := got.andCardinality(o), want.AndCardinality(sets[e]); g != w {
				t.Fatalf("trial %d: overlap %d, want %d", trial, g, w)
			}
			d2, want2 := randomTree(rng, sets, pop, base, 3)
			got2 := denseEval(d2, popWords, base)
			if g, w := got.andCardinality(got2), want.AndCardinality(roaring.And(want2, pop)); g != w {
				t.Fatalf("trial %d: dense overlap %d, want %d", trial, g, w)
			}
			size, both := denseCount(d2, popWords, got)
			if size != got2.card || both != want.AndCardinality(roaring.And(want2, pop)) {
				t.Fatalf("trial %d: counted %d and %d in both, want %d and %d", trial, size, both, got2.card, want.AndCardinality(roaring.And(want2, pop)))
			}
		}
	}
}

// randomSet draws a set below n: shape 0 empty or sparse, 1 dense, 2 runs, 3 mixed.
func randomSet(rng *rand.Rand, n uint32, shape int) *roaring.Bitmap {
	bm := roaring.New()
	switch shape {
	case 0:
		for i := rng.IntN(int(n)/20 + 1); i > 0; i-- {
			bm.Add(rng.Uint32N(n))
		}
	case 1:
		// Random words, each bit set with chance 1/2^k or 1 - 1/2^k.
		k, flip := 1+rng.IntN(6), rng.IntN(2) == 0
		words := make([]uint64, n/64+1)
		for i := range words {
			w := ^uint64(0)
			for j := 0; j < k; j++ {
				w &= rng.Uint64()
			}
			if flip {
				w = ^w
			}
			words[i] = w
		}
		bm = roaring.FromDense(words, true)
		bm.RemoveRange(uint64(n), uint64(len(words))*64)
	case 2:
		for i := rng.IntN(8); i > 0; i-- {
			lo := rng.Uint32N(n)
			bm.AddRange(uint64(lo), uint64(min(n, lo+rng.Uint32N(n/4+1)+1)))
		}
		bm.RunOptimize()
	default:
		bm.Or(randomSet(rng, n, 0))
		bm.Or(randomSet(rng, n, 2))
		bm.Or(randomSet(rng, n/2+1, 1))
	}
	return bm
}

// randomTree is a random dense tree and its members by roaring operations
// (NOT taken within pop).
func randomTree(rng *rand.Rand, sets []*roaring.Bitmap, pop *roaring.Bitmap, base, depth int) (*denseNode, *roaring.Bitmap) {
	if depth == 0 || rng.IntN(3) == 0 {
		s := sets[rng.IntN(len(sets))]
		return &denseNode{op: denseLeaf, leaf: toWords(s, base)}, s
	}
	switch rng.IntN(3) {
	case 0:
		k, m := randomTree(rng, sets, pop, base, depth-1)
		return &denseNode{op: denseNot, kids: []*denseNode{k}}, roaring.AndNot(pop, m)
	case 1:
		d := &denseNode{op: denseOr}
		acc := roaring.New()
		for i := rng.IntN(4); i > 0; i-- { // an empty OR is empty
			k, m := randomTree(rng, sets, pop, base, depth-1)
			d.kids = append(d.kids, k)
			acc.Or(m)
		}
		return d, acc
	default:
		d := &denseNode{op: denseAnd}
		acc := pop.Clone()
		for i := 1 + rng.IntN(4); i > 0; i-- {
			k, m := randomTree(rng, sets, pop, base, depth-1)
			neg := rng.IntN(3) == 0
			d.kids, d.neg = append(d.kids, k), append(d.neg, neg)
			if neg {
				acc.AndNot(m)
			} else {
				acc.And(m)
			}
		}
		return d, acc
	}
}
