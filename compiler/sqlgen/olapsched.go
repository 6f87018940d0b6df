package sqlgen

// The scheduler's tables and leases on StarRocks and Doris.
//
// Their keyed tables (StarRocks primary-key, Doris merge-on-write unique-key)
// replace the row of a key on INSERT instead of refusing a duplicate, and
// their transactions do not span a DELETE and an INSERT of one table
// (StarRocks SQL transactions: DELETE only on shared-data clusters from
// v4.0, and never after an INSERT of the same table —
// https://docs.starrocks.io/docs/loading/SQL_transaction; Doris'
// transaction load groups loads, not DDL,
// https://doris.apache.org/docs/data-operate/import/transaction-load-manual).
// So on these engines:
//   - a job's state is saved with one INSERT (the key's row is replaced);
//   - a lease is taken with one INSERT … SELECT … WHERE NOT EXISTS that
//     writes only when no other holder's lease is live, and is then read
//     back: the caller holds it when the row names it. Two takers racing in
//     the same instant both pass the NOT EXISTS and the later write wins;
//     the read-back tells each which one did, so at most one builds once
//     both writes landed.

// scheduleDDLOLAP creates the scheduler's tables as keyed tables.
func scheduleDDLOLAP(engineType string) []string {
	return []string{
		olapStateDatabase(),
		olapKeyed(engineType, StateSchema+".schedule", []string{"`name` VARCHAR(255) NOT NULL", "`state` VARCHAR(65533)"}, "name"),
		olapKeyed(engineType, StateSchema+".leases", []string{"`name` VARCHAR(255) NOT NULL", "`holder` VARCHAR(255) NOT NULL", "`expires_ns` BIGINT NOT NULL"}, "name"),
	}
}

// TakeLeaseOLAP writes the caller's lease unless another holder's is live
// (arguments name, holder, expires_ns, name, now_ns, holder); read it back
// with ReadLease to learn who holds it.
func TakeLeaseOLAP(d Dialect) string {
	q := d.QuoteIdent
	return "INSERT INTO " + leaseTable(d) + " (" + q("name") + ", " + q("holder") + ", " + q("expires_ns") + ") SELECT ?, ?, ? FROM (SELECT 1 AS " + q("one") + ") AS " + q("one") +
		" WHERE NOT EXISTS (SELECT 1 FROM " + leaseTable(d) + " WHERE " + q("name") + " = ? AND " + q("expires_ns") + " >= ? AND " + q("holder") + " <> ?)"
}

// SourceViewStatements are the statements that expose a source under a
// table's name, run one at a time. StarRocks documents CREATE OR REPLACE
// VIEW (https://docs.starrocks.io/docs/sql-reference/sql-statements/View/CREATE_VIEW/);
// Doris does not (apache/doris#20131), so there the view is created when
// missing and then redefined with ALTER VIEW
// (https://doris.apache.org/docs/sql-manual/sql-statements/table-and-view/view/ALTER-VIEW),
// which leaves a view that already serves in place until it is replaced.
func SourceViewStatements(d Dialect, name, from string) []string {
	if o := d.OLAP(); o != nil && o.Engine == "doris" {
		body := " AS SELECT * FROM " + from
		return []string{"CREATE VIEW IF NOT EXISTS " + d.QuoteIdent(name) + body, "ALTER VIEW " + d.QuoteIdent(name) + body}
	}
	return []string{SourceView(d, name, from)}
}
