package model

import (
	"sort"
	"strings"
)

// Suggest returns the candidate closest to name if it is close enough to be a
// likely typo, else "". Matching is case-insensitive; a candidate that ends with
// "."+name (a bare name for a qualified one) is a perfect match.
func Suggest(name string, candidates []string) string {
	best, bestD := "", 1<<30
	lname := strings.ToLower(name)
	for _, c := range candidates {
		lc := strings.ToLower(c)
		d := levenshtein(lname, lc)
		if strings.HasSuffix(lc, "."+lname) {
			d = 0
		} else if i := strings.LastIndexByte(lc, '.'); i >= 0 && !strings.Contains(lname, ".") {
			if d2 := levenshtein(lname, lc[i+1:]); d2 < d {
				d = d2
			}
		}
		if d < bestD || (d == bestD && c < best) {
			best, bestD = c, d
		}
	}
	limit := len(name)/3 + 1
	if limit > 3 {
		limit = 3
	}
	if bestD <= limit {
		return best
	}
	return ""
}

// DidYouMean formats a suggestion as a message suffix: `; did you mean "x"?`.
func DidYouMean(name string, candidates []string) string {
	if s := Suggest(name, candidates); s != "" {
		return `; did you mean "` + s + `"?`
	}
	return ""
}

// SortedKeys returns the keys of m, sorted.
func SortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func levenshtein(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(rb)]
}
