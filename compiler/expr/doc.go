// Package expr parses the SQL expressions users write — in model files and in
// queries — with the TiDB parser (MySQL dialect), checks them against an
// allow-list of node types and functions, and maps parser positions back into
// the YAML file or the query string. Nothing here renders SQL: compiler/sqlgen
// renders the checked AST for a dialect, so user text is never pasted into SQL.
package expr
