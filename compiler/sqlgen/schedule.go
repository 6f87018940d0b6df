package sqlgen

import "strings"

// The scheduler's two tables in the _strata schema: one row per rollup
// holding the scheduler's state as JSON (pending change, backoff, recent
// durations, breaches), and one lease row per rollup being built.
//
// Times are stored as Unix nanoseconds in BIGINT columns: every engine
// compares integers the same way, while TIMESTAMP columns differ in time
// zone handling and precision between DuckDB and MySQL. Column types are
// the portable subset (VARCHAR(n) keys, TEXT values) that DuckDB and MySQL
// both accept.

func scheduleTable(d Dialect) string { return d.QuoteIdent("_strata") + "." + d.QuoteIdent("schedule") }
func leaseTable(d Dialect) string    { return d.QuoteIdent("_strata") + "." + d.QuoteIdent("leases") }

// ScheduleDDL creates the scheduler's tables when they are missing.
func ScheduleDDL(d Dialect) []string {
	if o := d.OLAP(); o != nil {
		return scheduleDDLOLAP(o.Engine)
	}
	return []string{
		"CREATE SCHEMA IF NOT EXISTS " + d.QuoteIdent("_strata"),
		"CREATE TABLE IF NOT EXISTS " + scheduleTable(d) + " (" + d.QuoteIdent("name") + " VARCHAR(255) PRIMARY KEY, " + d.QuoteIdent("state") + " TEXT)",
		"CREATE TABLE IF NOT EXISTS " + leaseTable(d) + " (" + d.QuoteIdent("name") + " VARCHAR(255) PRIMARY KEY, " +
			d.QuoteIdent("holder") + " VARCHAR(255) NOT NULL, " + d.QuoteIdent("expires_ns") + " BIGINT NOT NULL)",
	}
}

// ReadSchedule selects (name, state) of every job.
func ReadSchedule(d Dialect) string {
	return "SELECT " + d.QuoteIdent("name") + ", " + d.QuoteIdent("state") + " FROM " + scheduleTable(d)
}

// SaveSchedule replaces one job's state: run DeleteSchedule then
// InsertSchedule in one transaction (arguments name; name, state). Delete
// and insert rather than an upsert: both engines run them the same way.
func DeleteSchedule(d Dialect) string {
	return "DELETE FROM " + scheduleTable(d) + " WHERE " + d.QuoteIdent("name") + " = ?"
}

// InsertSchedule inserts one job's state (arguments name, state).
func InsertSchedule(d Dialect) string {
	return "INSERT INTO " + scheduleTable(d) + " (" + d.QuoteIdent("name") + ", " + d.QuoteIdent("state") + ") VALUES (?, ?)"
}

// ClearLease deletes a job's lease row when it has expired or is the
// caller's (arguments name, now_ns, holder). Followed by InsertLease in one
// transaction it takes the lease: the insert breaks the primary key, and
// the transaction fails, exactly when another holder's lease is live.
func ClearLease(d Dialect) string {
	return "DELETE FROM " + leaseTable(d) + " WHERE " + d.QuoteIdent("name") + " = ? AND (" +
		d.QuoteIdent("expires_ns") + " < ? OR " + d.QuoteIdent("holder") + " = ?)"
}

// InsertLease inserts a lease row (arguments name, holder, expires_ns).
func InsertLease(d Dialect) string {
	return "INSERT INTO " + leaseTable(d) + " (" + d.QuoteIdent("name") + ", " + d.QuoteIdent("holder") + ", " + d.QuoteIdent("expires_ns") + ") VALUES (?, ?, ?)"
}

// ReadLease selects (holder, expires_ns) of a job's lease (argument name).
func ReadLease(d Dialect) string {
	return "SELECT " + d.QuoteIdent("holder") + ", " + d.QuoteIdent("expires_ns") + " FROM " + leaseTable(d) + " WHERE " + d.QuoteIdent("name") + " = ?"
}

// ReleaseLease deletes the holder's lease row (arguments name, holder).
func ReleaseLease(d Dialect) string {
	return "DELETE FROM " + leaseTable(d) + " WHERE " + d.QuoteIdent("name") + " = ? AND " + d.QuoteIdent("holder") + " = ?"
}

// Partition state: one row per stored partition of a partitioned rollup
// (its label range's first day, rows, latest time label, the fingerprint
// of the files it was built from, when it was built), and one row per
// rollup with the fact files its current version was built from (JSON) and
// the fingerprint of its other sources. Both are replaced in the
// transaction that swaps the version in.
func partitionTable(d Dialect) string {
	return d.QuoteIdent("_strata") + "." + d.QuoteIdent("partitions")
}
func filesTable(d Dialect) string {
	return d.QuoteIdent("_strata") + "." + d.QuoteIdent("rollup_files")
}

// PartitionDDL creates the partition state tables when they are missing.
func PartitionDDL(d Dialect) []string {
	if o := d.OLAP(); o != nil {
		return olapPartitionDDL(o.Engine)
	}
	q := d.QuoteIdent
	return []string{
		"CREATE SCHEMA IF NOT EXISTS " + q("_strata"),
		"CREATE TABLE IF NOT EXISTS " + partitionTable(d) + " (" + q("rollup") + " VARCHAR(255) NOT NULL, " + q("part") + " VARCHAR(32) NOT NULL, " +
			q("row_count") + " BIGINT, " + q("watermark") + " VARCHAR(64), " + q("fingerprint") + " VARCHAR(64), " + q("built_ns") + " BIGINT, PRIMARY KEY (" + q("rollup") + ", " + q("part") + "))",
		"CREATE TABLE IF NOT EXISTS " + filesTable(d) + " (" + q("rollup") + " VARCHAR(255) PRIMARY KEY, " + q("files") + " TEXT, " + q("others") + " VARCHAR(64))",
	}
}

// FilesStateExists counts the file-list table (1 when it exists), so that
// a reader can tell without writing.
func FilesStateExists(d Dialect) string {
	return "SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = " + d.QuoteString(StateSchema) +
		" AND table_name = " + d.QuoteString("rollup_files")
}

// ReadPartitions selects (part, row_count, watermark, fingerprint, built_ns)
// of a rollup's partitions (argument rollup), in order.
func ReadPartitions(d Dialect) string {
	q := d.QuoteIdent
	return "SELECT " + q("part") + ", " + q("row_count") + ", " + q("watermark") + ", " + q("fingerprint") + ", " + q("built_ns") +
		" FROM " + partitionTable(d) + " WHERE " + q("rollup") + " = ? ORDER BY " + q("part")
}

// DeletePartitions deletes a rollup's partition rows (argument rollup).
func DeletePartitions(d Dialect) string {
	return "DELETE FROM " + partitionTable(d) + " WHERE " + d.QuoteIdent("rollup") + " = ?"
}

// InsertPartitions inserts n partition rows in one statement (arguments
// rollup, part, row_count, watermark, fingerprint, built_ns for each).
func InsertPartitions(d Dialect, n int) string {
	q := d.QuoteIdent
	rows := make([]string, n)
	for i := range rows {
		rows[i] = "(?, ?, ?, ?, ?, ?)"
	}
	return "INSERT INTO " + partitionTable(d) + " (" + q("rollup") + ", " + q("part") + ", " + q("row_count") + ", " + q("watermark") + ", " +
		q("fingerprint") + ", " + q("built_ns") + ") VALUES " + strings.Join(rows, ", ")
}

// ReadFiles selects (rollup, files, others) of every rollup.
func ReadFiles(d Dialect) string {
	q := d.QuoteIdent
	return "SELECT " + q("rollup") + ", " + q("files") + ", " + q("others") + " FROM " + filesTable(d)
}

// DeleteFiles deletes a rollup's files row (argument rollup).
func DeleteFiles(d Dialect) string {
	return "DELETE FROM " + filesTable(d) + " WHERE " + d.QuoteIdent("rollup") + " = ?"
}

// InsertFiles inserts a rollup's files row (arguments rollup, files, others).
func InsertFiles(d Dialect) string {
	q := d.QuoteIdent
	return "INSERT INTO " + filesTable(d) + " (" + q("rollup") + ", " + q("files") + ", " + q("others") + ") VALUES (?, ?, ?)"
}

// StateTableExists counts the _strata table of that name (1 when it exists).
func StateTableExists(d Dialect, table string) string {
	return "SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = " + d.QuoteString(StateSchema) +
		" AND table_name = " + d.QuoteString(table)
}

// The definitions table keeps, per built rollup, the text its definition
// hash was taken of (rollup.Describe), so that a plan can say what changed.
func definitionsTable(d Dialect) string {
	return d.QuoteIdent("_strata") + "." + d.QuoteIdent("definitions")
}

// DefinitionDDL creates the definitions table when it is missing.
func DefinitionDDL(d Dialect) []string {
	if o := d.OLAP(); o != nil {
		return olapDefinitionDDL(o.Engine)
	}
	q := d.QuoteIdent
	return []string{
		"CREATE SCHEMA IF NOT EXISTS " + q("_strata"),
		"CREATE TABLE IF NOT EXISTS " + definitionsTable(d) + " (" + q("rollup") + " VARCHAR(255) PRIMARY KEY, " + q("definition") + " TEXT)",
	}
}

// ReadDefinitions selects (rollup, definition) of every built rollup.
func ReadDefinitions(d Dialect) string {
	return "SELECT " + d.QuoteIdent("rollup") + ", " + d.QuoteIdent("definition") + " FROM " + definitionsTable(d)
}

// DeleteDefinition deletes a rollup's definition row (argument rollup).
func DeleteDefinition(d Dialect) string {
	return "DELETE FROM " + definitionsTable(d) + " WHERE " + d.QuoteIdent("rollup") + " = ?"
}

// InsertDefinition inserts a rollup's definition row (arguments rollup, definition).
func InsertDefinition(d Dialect) string {
	return "INSERT INTO " + definitionsTable(d) + " (" + d.QuoteIdent("rollup") + ", " + d.QuoteIdent("definition") + ") VALUES (?, ?)"
}

// DeleteRollupState deletes a rollup's state row (argument name), for a
// rollup removed from the model.
func DeleteRollupState(d Dialect) string {
	return "DELETE FROM " + Table(d, RollupsTable) + " WHERE " + d.QuoteIdent("name") + " = ?"
}
