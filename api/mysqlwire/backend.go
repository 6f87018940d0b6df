package mysqlwire

import "context"

// Backend is what the listener needs from Strata: the project's wide tables
// and a way to answer a SELECT in the SQL form.
type Backend interface {
	// Database is the name clients see for the project.
	Database() string
	// Tables lists the wide tables with their fields and the metrics the
	// user may read.
	Tables(user string) []Table
	// Query answers a SELECT over a wide table; args bind its placeholders.
	// Errors in the statement are *sqlfront.Error.
	Query(ctx context.Context, sql string, args []any, opts QueryOptions) (*Result, error)
	// Explain describes how the statement is answered, as lines of text.
	Explain(ctx context.Context, sql string, opts QueryOptions) (string, error)
}

// QueryOptions are a session's settings that change how a query is answered.
type QueryOptions struct {
	// NoRollup answers from the raw tables (SET strata_no_rollup = 1).
	NoRollup bool
	// User is the connection's authenticated user, whose scope applies.
	User string
}

// Table is one wide table as clients browse it.
type Table struct {
	Name    string
	Comment string
	Columns []TableColumn
}

// TableColumn is a field or a metric of a wide table. Type is in Strata's
// vocabulary: varchar, bigint, integer, double, boolean, decimal(p,s), date,
// timestamp.
type TableColumn struct {
	Name    string
	Type    string
	Metric  bool
	Comment string
}

// Result is a query's answer; values are int64, float64, string, bool,
// time.Time, []byte or nil, as the engine returns them.
type Result struct {
	Columns []Column
	Rows    [][]any
}

// Column is a result column: its name and type in Strata's vocabulary.
type Column struct {
	Name string
	Type string
}
