package sqlgen

import "testing"

// TestPackedLayout checks that terms fill words without splitting one and
// that Code reads back what the SQL's constants put in.
func TestPackedLayout(t *testing.T) {
	var terms []*PackedTerm
	for i := 0; i < 61; i++ {
		terms = append(terms, &PackedTerm{})
	}
	cat := &PackedTerm{Field: "customers.segment", Values: []string{"a", "b", "c", "d", "e", "f", "g"}} // codes 0..8: 4 bits
	terms = append(terms, cat, &PackedTerm{})
	words, err := layout(terms)
	if err != nil {
		t.Fatal(err)
	}
	if words != 2 || cat.Word != 1 || cat.Shift != 0 || cat.Bits != 4 || cat.Other != 8 || terms[62].Word != 1 || terms[62].Shift != 4 {
		t.Fatalf("layout: %d words, category at word %d shift %d bits %d other %d, last at %d/%d", words, cat.Word, cat.Shift, cat.Bits, cat.Other, terms[62].Word, terms[62].Shift)
	}
	// Row: bit 60 of word 0, value "f" (code 6) and the last bit of word 1.
	w := []int64{1 << 60, 6<<cat.Shift | 1<<terms[62].Shift}
	for i, term := range terms {
		want := int64(0)
		switch i {
		case 60, 62:
			want = 1
		case 61:
			want = 6
		}
		if got := term.Code(w); got != want {
			t.Errorf("term %d: code %d, want %d", i, got, want)
		}
	}
}
