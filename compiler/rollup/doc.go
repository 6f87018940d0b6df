// Package rollup holds the one definition of a rollup that every layer shares:
// the checked definition (fact, kept fields, time grain, stored measures), its
// storage layout (the columns each measure occupies and how they re-aggregate)
// and its definition hash. The rewrite decides with it, sqlgen builds and reads
// rollup tables with it, and the materializer keeps state keyed by it; none of
// them re-resolves a rollup by name from the model.
//
// It is pure like the rest of compiler/: it imports model/ and the compiler's
// logical and plan layers, never a database.
package rollup
