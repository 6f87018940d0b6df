package materializer

// SetZoneRows sets the row-group size the sort order is chosen for, so that
// a test at small scale sorts as a large rollup would; it returns the undo.
func SetZoneRows(n int64) func() {
	old := zoneRows
	zoneRows = n
	return func() { zoneRows = old }
}
