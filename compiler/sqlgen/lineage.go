package sqlgen

// LineageDDL creates the table that records which rollup each rollup's
// current version was built from ("" for the raw tables).
func LineageDDL(d Dialect) []string {
	if o := d.OLAP(); o != nil {
		return []string{
			olapStateDatabase(),
			olapKeyed(o.Engine, StateSchema+".lineage", []string{"`rollup` VARCHAR(255) NOT NULL", "`built_from` VARCHAR(255)"}, "rollup"),
		}
	}
	q := d.QuoteIdent
	return []string{
		"CREATE SCHEMA IF NOT EXISTS " + q(StateSchema),
		"CREATE TABLE IF NOT EXISTS " + lineageTable(d) + " (" + q("rollup") + " VARCHAR(255) PRIMARY KEY, " + q("built_from") + " VARCHAR(255))",
	}
}

func lineageTable(d Dialect) string { return d.QuoteIdent(StateSchema) + "." + d.QuoteIdent("lineage") }

// RecordLineage records what a build read (arguments rollup, built_from).
func RecordLineage(d Dialect) string {
	return d.Upsert(StateSchema+".lineage", "rollup", []string{"rollup", "built_from"})
}

// ReadLineage selects (rollup, built_from) of every recorded build.
func ReadLineage(d Dialect) string {
	return "SELECT " + d.QuoteIdent("rollup") + ", COALESCE(" + d.QuoteIdent("built_from") + ", '') FROM " + lineageTable(d)
}

// DeleteLineage deletes a removed rollup's lineage row (argument rollup).
func DeleteLineage(d Dialect) string {
	return "DELETE FROM " + lineageTable(d) + " WHERE " + d.QuoteIdent("rollup") + " = ?"
}
