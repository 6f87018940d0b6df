package service

// BuildFromRaw makes the project's refreshes build every rollup from the raw
// tables (on) or, as by default, from a finer fresh rollup where one produces
// it exactly (off): the benchmarks time both ways in one run.
func (s *Project) BuildFromRaw(on bool) { s.m.NoLattice = on }
