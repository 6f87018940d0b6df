package service

import (
	"context"
	"fmt"
	"math/bits"

	"github.com/RoaringBitmap/roaring/v2"

	aud "github.com/strata-metrics/strata/compiler/audience"
)

// Dense evaluation. When an entity's ids are dense — a population whose ids
// mostly fill 0…max, as integer surrogate keys do — an audience is evaluated
// on plain bitsets rather than on the roaring bitmaps: each set it reads is
// kept beside its bitmap as one bit per id (made on first use and cached
// with the tag version, never keyed by an expression), and the expression
// runs word by word over blocks of the id range, the whole tree in one pass
// per block, writing the members and counting them as it goes. A roaring
// AND NOT against an array container clears one bit per element; here every
// operation is a straight loop over 64-bit words whatever the sets' shape,
// and a size or an overlap never builds a bitmap at all. The members become
// a roaring bitmap only when an answer needs one (profiles, saturation,
// exports, metrics by audience).
//
// The answer is the same set either way; a sparse key space (ids far beyond
// the population's size) keeps the roaring evaluation, whose memory follows
// the members rather than the id range.

const (
	// denseMaxWords bounds a dense set at 16 MiB (ids below 2^27).
	denseMaxWords = 1 << 21
	// denseMinFill: dense evaluation needs the population to fill at least
	// one id in denseMinFill of its range.
	denseMinFill = 8
	// denseBlock is how many words are evaluated at a time: one roaring
	// container's span, so a block's operands stay in the first-level cache.
	denseBlock = 1024
)

// denseFrame is the span of ids a population's bitsets cover: words base …
// base+len, base on a roaring container's boundary (65,536 ids).
type denseFrame struct{ base, len int }

// denseFrame says whether a population suits dense evaluation, and over
// which words.
func (s *Audiences) denseFrame(pop *roaring.Bitmap) (denseFrame, bool) {
	if s.roaringOnly || pop.IsEmpty() {
		return denseFrame{}, false
	}
	lo, hi := uint64(pop.Minimum()), uint64(pop.Maximum())
	f := denseFrame{base: int(lo>>16) << 10}
	f.len = int(hi/64) + 1 - f.base
	return f, f.len <= denseMaxWords && pop.GetCardinality()*denseMinFill >= hi-lo+1
}

// toWords is a bitmap as a bitset from word base on, the ids beyond
// denseMaxWords words left out (no dense population reaches them).
func toWords(bm *roaring.Bitmap, base int) []uint64 {
	if bm.IsEmpty() {
		return nil
	}
	lo := uint64(base) * 64
	hi := lo + denseMaxWords*64
	if uint64(bm.Minimum()) < lo || uint64(bm.Maximum()) >= hi {
		bm = bm.Clone()
		bm.RemoveRange(0, lo)
		if !bm.IsEmpty() {
			bm.RemoveRange(hi, uint64(bm.Maximum())+1)
		}
		if bm.IsEmpty() {
			return nil
		}
	}
	if lo > 0 {
		bm = roaring.AddOffset64(bm, -int64(lo))
	}
	return bm.ToDense()
}

// words returns the bitset of one of a version's bitmaps from word base on,
// made on first use.
func (s *Audiences) words(v *version, bm *roaring.Bitmap, base int) []uint64 {
	s.mu.Lock()
	w, ok := v.dense[bm]
	ok = ok && v.denseBase == base
	s.mu.Unlock()
	if ok {
		return w
	}
	w = toWords(bm, base)
	s.mu.Lock()
	if v.dense == nil || v.denseBase != base {
		v.dense, v.denseBase = map[*roaring.Bitmap][]uint64{}, base
	}
	v.dense[bm] = w
	s.mu.Unlock()
	return w
}

// memberSet is an evaluated audience: its size always, its members as a
// bitset (dense evaluation) or a roaring bitmap, the bitmap made from the
// bitset when first asked for.
type memberSet struct {
	words []uint64 // from word base on
	base  int
	bm    *roaring.Bitmap
	card  uint64
}

func roaringMembers(bm *roaring.Bitmap) *memberSet {
	return &memberSet{bm: bm, card: bm.GetCardinality()}
}

// bitmap is the members as a roaring bitmap, not to be modified.
func (m *memberSet) bitmap() *roaring.Bitmap {
	if m.bm == nil {
		m.bm = roaring.FromDense(m.words, false)
		if m.base > 0 {
			m.bm = roaring.AddOffset64(m.bm, int64(m.base)*64)
		}
	}
	return m.bm
}

// andCardinality counts the members of both sets.
func (m *memberSet) andCardinality(o *memberSet) uint64 {
	if m.words != nil && o.words != nil && m.base == o.base {
		a, b := m.words, o.words
		if len(b) < len(a) {
			a = a[:len(b)]
		}
		var n int
		for i, w := range a {
			n += bits.OnesCount64(w & b[i])
		}
		return uint64(n)
	}
	return m.bitmap().AndCardinality(o.bitmap())
}

// A dense node is an audience node over bitsets.
type denseNode struct {
	op   denseOp
	leaf []uint64     // denseLeaf
	kids []*denseNode // denseAnd, denseOr, denseNot (one)
	neg  []bool       // denseAnd: the kid is a NOT term (A AND NOT B = A &^ B)
}

type denseOp uint8

const (
	denseLeaf denseOp = iota
	denseAnd
	denseOr
	denseNot
)

// denseTree resolves an audience node's sets to bitsets.
func (sn *snapshot) denseTree(ctx context.Context, n aud.Node, base int, preds map[*aud.Predicate]*roaring.Bitmap, predWords map[*aud.Predicate][]uint64) (*denseNode, error) {
	switch x := n.(type) {
	case aud.And:
		d := &denseNode{op: denseAnd}
		for _, t := range x.Terms {
			neg := false
			if nt, ok := t.(aud.Not); ok {
				t, neg = nt.X, true
			}
			k, err := sn.denseTree(ctx, t, base, preds, predWords)
			if err != nil {
				return nil, err
			}
			d.kids, d.neg = append(d.kids, k), append(d.neg, neg)
		}
		return d, nil
	case aud.Or:
		d := &denseNode{op: denseOr}
		for _, t := range x.Terms {
			k, err := sn.denseTree(ctx, t, base, preds, predWords)
			if err != nil {
				return nil, err
			}
			d.kids = append(d.kids, k)
		}
		return d, nil
	case aud.Not:
		k, err := sn.denseTree(ctx, x.X, base, preds, predWords)
		if err != nil {
			return nil, err
		}
		return &denseNode{op: denseNot, kids: []*denseNode{k}}, nil
	case *aud.TagSet:
		v, err := sn.tag(ctx, x.Tag)
		if err != nil {
			return nil, err
		}
		if x.Values == nil {
			return &denseNode{op: denseLeaf, leaf: sn.s.words(v, v.union, base)}, nil
		}
		d := &denseNode{op: denseOr}
		for _, val := range x.Values {
			if bm, ok := v.sets[val]; ok {
				d.kids = append(d.kids, &denseNode{op: denseLeaf, leaf: sn.s.words(v, bm, base)})
			}
		}
		if len(d.kids) == 1 {
			return d.kids[0], nil
		}
		return d, nil
	case *aud.Predicate:
		w, ok := predWords[x]
		if !ok {
			w = toWords(preds[x], base)
			predWords[x] = w
		}
		return &denseNode{op: denseLeaf, leaf: w}, nil
	}
	return nil, fmt.Errorf("internal: audience node %T", n)
}

// denseEval computes the members of a tree within pop: the population's
// bitset from word base on, whose length is the result's.
//
// It runs on one processor: a request's work is a millisecond or two, and a
// second goroutine would wait for a processor on a busy server longer than
// it saves.
func denseEval(root *denseNode, pop []uint64, base int) *memberSet {
	out := make([]uint64, len(pop))
	var sc denseScratch
	var n int
	for lo := 0; lo < len(pop); lo += denseBlock {
		hi := min(lo+denseBlock, len(pop))
		dst := out[lo:hi]
		root.eval(pop, lo, dst, &sc, 0)
		for i, w := range pop[lo:hi] {
			dst[i] &= w
			n += bits.OnesCount64(dst[i])
		}
	}
	return &memberSet{words: out, base: base, card: uint64(n)}
}

// denseCount is denseEval for an audience only counted: its size and its
// overlap with members (a dense set over the same words), without keeping
// its members.
func denseCount(root *denseNode, pop []uint64, members *memberSet) (size, both uint64) {
	var sc denseScratch
	var buf [denseBlock]uint64
	var n, m int
	for lo := 0; lo < len(pop); lo += denseBlock {
		hi := min(lo+denseBlock, len(pop))
		dst := buf[:hi-lo]
		root.eval(pop, lo, dst, &sc, 0)
		mw := members.words[lo:hi]
		for i, w := range pop[lo:hi] {
			x := dst[i] & w
			n += bits.OnesCount64(x)
			m += bits.OnesCount64(x & mw[i])
		}
	}
	return uint64(n), uint64(m)
}

// denseScratch holds a block buffer per tree depth.
type denseScratch struct{ bufs [][]uint64 }

func (sc *denseScratch) buf(depth, n int) []uint64 {
	for len(sc.bufs) <= depth {
		sc.bufs = append(sc.bufs, make([]uint64, denseBlock))
	}
	return sc.bufs[depth][:n]
}

// wordSpan is the part of a bitset covering words lo … lo+n (shorter where the
// bitset ends: its ids stop there).
func wordSpan(w []uint64, lo, n int) []uint64 {
	if lo >= len(w) {
		return nil
	}
	return w[lo:min(lo+n, len(w))]
}

// eval writes the node's members over words lo … lo+len(dst) into dst.
// Members outside the population may remain; NOT is taken within it.
func (d *denseNode) eval(pop []uint64, lo int, dst []uint64, sc *denseScratch, depth int) {
	switch d.op {
	case denseLeaf:
		n := copy(dst, wordSpan(d.leaf, lo, len(dst)))
		clear(dst[n:])
	case denseNot:
		tmp := sc.buf(depth, len(dst))
		d.kids[0].eval(pop, lo, tmp, sc, depth+1)
		p := pop[lo : lo+len(dst)]
		for i := range dst {
			dst[i] = p[i] &^ tmp[i]
		}
	case denseOr:
		if len(d.kids) == 0 {
			clear(dst)
			return
		}
		d.kids[0].eval(pop, lo, dst, sc, depth+1)
		for _, k := range d.kids[1:] {
			src := wordSpan(k.leaf, lo, len(dst))
			if k.op != denseLeaf {
				src = sc.buf(depth, len(dst))
				k.eval(pop, lo, src, sc, depth+1)
			}
			for i, w := range src {
				dst[i] |= w
			}
		}
	case denseAnd:
		first := -1
		for i, neg := range d.neg {
			if !neg {
				first = i
				break
			}
		}
		if first < 0 {
			copy(dst, pop[lo:lo+len(dst)])
		} else {
			d.kids[first].eval(pop, lo, dst, sc, depth+1)
		}
		for i, k := range d.kids {
			if i == first {
				continue
			}
			src := wordSpan(k.leaf, lo, len(dst))
			if k.op != denseLeaf {
				src = sc.buf(depth, len(dst))
				k.eval(pop, lo, src, sc, depth+1)
			}
			if d.neg[i] {
				for j, w := range src {
					dst[j] &^= w
				}
				continue
			}
			for j, w := range src {
				dst[j] &= w
			}
			clear(dst[len(src):])
		}
	}
}
