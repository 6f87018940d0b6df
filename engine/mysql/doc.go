// Package mysql runs SQL on MySQL-protocol engines — MySQL 8, MariaDB 10.11,
// StarRocks and Apache Doris — through github.com/go-sql-driver/mysql. It is
// the only package that imports that driver.
//
// What it adds to the driver: a bounded pool; per-statement timeouts that
// really stop the server (`KILL QUERY <connection id>` from a separate control
// connection when the context ends, since closing the socket leaves the query
// running); retries of transient failures only (connection reset before a
// result, deadlock 1213, too many connections 1040); TLS with a custom CA;
// sessions in UTC (the mysql dialect reads naive DATETIMEs as UTC); results
// scanned row by row, DECIMAL as engine.Decimal and DATE/DATETIME as
// time.Time; and errors that never echo the DSN's credentials.
//
// Like every engine it imports neither model/ nor compiler/.
package mysql
