// Package audience answers audience requests on materialized tags: size,
// population, overlap with other audiences, profiles over dimensions, tag
// saturation, and the export of member ids as CSV or Parquet.
//
// Tag versions are read from the engine once and kept in memory as roaring
// bitmaps, keyed by the table holding the version, so a rebuilt tag is picked
// up by the next request and an unchanged one costs nothing to reuse. The
// predicates of a request that no tag covers are evaluated in the engine in
// one scan (keys → bitmaps) and combined with the tags in memory.
//
// It is a reader: it imports the materializer for the tag store's state, the
// compiler for expressions and SQL, and the engine through its interface.
package audience
