package engine

import (
	"context"
	"errors"
	"fmt"
	"strings"
)

// Column describes one result column: its name and the engine's type name,
// normalised to lower case (bigint, double, decimal(18,2), varchar, date, timestamp…).
type Column struct {
	Name string `json:"name"`
	Type string `json:"type"`
}

// Result is a fully materialised query result. Values are Go values:
// int64, float64, Decimal (DECIMAL columns, exact), string, bool, time.Time,
// []byte or nil for NULL.
type Result struct {
	Columns []Column
	Rows    [][]any
}

// Engine runs SQL. Implementations are safe for concurrent use.
type Engine interface {
	// Dialect names the SQL dialect the engine speaks: "duckdb", "mysql", "starrocks".
	Dialect() string
	// Query runs one statement that returns rows.
	Query(ctx context.Context, sql string, args ...any) (*Result, error)
	// Exec runs statements that return no rows.
	Exec(ctx context.Context, sql string, args ...any) error
	// ExecTx runs statements in one transaction: all take effect or none.
	ExecTx(ctx context.Context, stmts ...Statement) error
	// Close releases the engine.
	Close() error
}

// Preparer is an engine that can keep a statement prepared between runs.
// QueryPrepared runs one statement like Query, and later runs of the same
// text skip parsing and planning it; the answers are those of Query, however
// the tables and files it reads changed in between. The text must be a
// single statement.
type Preparer interface {
	QueryPrepared(ctx context.Context, sql string) (*Result, error)
}

// Statement is one SQL statement with its arguments.
type Statement struct {
	SQL  string
	Args []any
}

// Error wraps an engine failure with the statement that caused it, so that
// callers can log the SQL while users see a clean message.
type Error struct {
	SQL string
	Err error
}

func (e *Error) Error() string { return fmt.Sprintf("engine: %v", e.Err) }
func (e *Error) Unwrap() error { return e.Err }

// ErrCanceled is returned when the context ends before the statement does.
var ErrCanceled = errors.New("query canceled")

// Failure is an engine failure as users read it: the engine's first line,
// without driver noise, and the statement that caused it for logs.
type Failure struct {
	Msg string
	SQL string
}

func (e *Failure) Error() string { return "the engine could not run the query: " + e.Msg }

// Clean maps an engine error for users: ErrCanceled when the context ended,
// a *Failure for any other engine error, and other errors as they are.
func Clean(err error) error {
	var ee *Error
	if !errors.As(err, &ee) {
		return err
	}
	if errors.Is(ee.Err, ErrCanceled) {
		return ErrCanceled
	}
	msg := ee.Err.Error()
	if i := strings.IndexByte(msg, '\n'); i > 0 {
		msg = msg[:i]
	}
	return &Failure{Msg: msg, SQL: ee.SQL}
}
