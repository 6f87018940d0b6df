// Package mysqlwire serves the SQL form of metric queries over the MySQL
// client/server protocol, so that the mysql and mariadb command-line clients,
// go-sql-driver/mysql and BI tools that connect to MySQL or StarRocks connect
// to Strata.
//
// The protocol is vitess.io/vitess/go/mysql's server side: handshake, auth,
// text and binary (prepared) protocols. This package answers what clients send
// on connect and while browsing — SET, session variables, SHOW DATABASES /
// TABLES / COLUMNS, DESCRIBE, USE, a subset of information_schema — and hands
// every other SELECT to its Backend. The wide tables are read-only: writes are
// refused with MySQL's error numbers.
//
// It depends only on the small Backend interface it owns and on
// compiler/sqlfront for parsing and error codes; never on the engine or the
// materializer.
package mysqlwire
