package banktest

import "sort"

// Median is the middle of the samples (the mean of the two middle ones for
// an even count), 0 for none; xs is left as it was. Benchmarks report it.
func Median(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := append([]float64(nil), xs...)
	sort.Float64s(s)
	n := len(s)
	if n%2 == 1 {
		return s[n/2]
	}
	return (s[n/2-1] + s[n/2]) / 2
}
