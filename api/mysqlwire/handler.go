package mysqlwire

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"

	"github.com/pingcap/tidb/pkg/parser/ast"
	"vitess.io/vitess/go/mysql"
	"vitess.io/vitess/go/mysql/replication"
	"vitess.io/vitess/go/mysql/sqlerror"
	"vitess.io/vitess/go/sqltypes"
	querypb "vitess.io/vitess/go/vt/proto/query"
	"vitess.io/vitess/go/vt/vtenv"

	"github.com/strata-metrics/strata/compiler/sqlfront"
)

// session is one connection's state.
type session struct {
	mu       sync.Mutex
	db       string // USE; the project by default
	noRollup bool
	vars     map[string]string // user-set session variables, lower case
}

func (s *session) options(user string) QueryOptions {
	s.mu.Lock()
	defer s.mu.Unlock()
	return QueryOptions{NoRollup: s.noRollup, User: user}
}

// handler answers the protocol's commands for every connection.
type handler struct {
	mysql.UnimplementedHandler
	b     Backend
	env   *vtenv.Environment
	opts  Options
	slots chan struct{}
}

var _ mysql.Handler = (*handler)(nil)

func newHandler(b Backend, env *vtenv.Environment, opts Options) *handler {
	return &handler{b: b, env: env, opts: opts, slots: make(chan struct{}, opts.MaxConcurrent)}
}

func (h *handler) Env() *vtenv.Environment { return h.env }

func (h *handler) NewConnection(c *mysql.Conn) {
	c.ClientData = &session{db: h.b.Database(), vars: map[string]string{}}
	c.StatusFlags |= mysql.ServerStatusAutocommit
}

func (h *handler) ConnectionClosed(*mysql.Conn) {}

func (h *handler) WarningCount(*mysql.Conn) uint16 { return 0 }

func sess(c *mysql.Conn) *session {
	if s, ok := c.ClientData.(*session); ok {
		return s
	}
	s := &session{vars: map[string]string{}}
	c.ClientData = s
	return s
}

// ComQuery answers one statement of the text protocol.
func (h *handler) ComQuery(c *mysql.Conn, query string, callback func(*sqltypes.Result) error) error {
	res, err := h.run(c, query, nil)
	if err != nil {
		return err
	}
	return callback(res)
}

// ComQueryMulti is not used: the listener runs without multi-query mode.
func (h *handler) ComQueryMulti(c *mysql.Conn, sql string, callback func(sqltypes.QueryResponse, bool, bool) error) error {
	res, err := h.run(c, sql, nil)
	return callback(sqltypes.QueryResponse{QueryResult: res, QueryError: err}, false, true)
}

// ComPrepare counts a statement's placeholders; the columns are described
// when it executes.
func (h *handler) ComPrepare(c *mysql.Conn, query string) ([]*querypb.Field, uint16, error) {
	stmt, perr := sqlfront.Parse(query)
	if perr != nil {
		return nil, 0, toSQLError(perr, query)
	}
	n := &paramCounter{}
	stmt.Accept(n)
	return nil, uint16(n.n), nil
}

type paramCounter struct{ n int }

func (p *paramCounter) Enter(n ast.Node) (ast.Node, bool) {
	if _, ok := n.(ast.ParamMarkerExpr); ok {
		p.n++
	}
	return n, false
}
func (p *paramCounter) Leave(n ast.Node) (ast.Node, bool) { return n, true }

// ComStmtExecute runs a prepared statement with its bound values.
func (h *handler) ComStmtExecute(c *mysql.Conn, prepare *mysql.PrepareData, callback func(*sqltypes.Result) error) error {
	args := make([]any, prepare.ParamsCount)
	for i := range args {
		v, err := bindValue(prepare.BindVars[fmt.Sprintf("v%d", i+1)])
		if err != nil {
			return sqlerror.NewSQLErrorf(sqlerror.ERWrongArguments, sqlerror.SSUnknownSQLState, "placeholder %d: %v", i+1, err)
		}
		args[i] = v
	}
	res, err := h.run(c, prepare.PrepareStmt, args)
	if err != nil {
		return err
	}
	return callback(res)
}

func (h *handler) ComRegisterReplica(*mysql.Conn, string, uint16, string, string) error {
	return notReplica()
}

func (h *handler) ComBinlogDump(*mysql.Conn, string, uint32) error { return notReplica() }

func (h *handler) ComBinlogDumpGTID(*mysql.Conn, string, uint64, replication.GTIDSet, uint16) error {
	return notReplica()
}

func notReplica() error {
	return sqlerror.NewSQLError(sqlerror.ERNotSupportedYet, sqlerror.SSUnknownSQLState, "Strata is not a replication source")
}

// run answers one statement: the session's own statements here, every other
// SELECT by the backend.
func (h *handler) run(c *mysql.Conn, query string, args []any) (res *sqltypes.Result, err error) {
	defer func() {
		if r := recover(); r != nil {
			res, err = nil, sqlerror.NewSQLErrorf(sqlerror.ERUnknownError, sqlerror.SSUnknownSQLState, "internal error answering the statement: %v", r)
		}
	}()
	stmt, perr := sqlfront.Parse(query)
	if perr != nil {
		return nil, toSQLError(perr, query)
	}
	s := sess(c)
	switch x := stmt.(type) {
	case *ast.SetStmt:
		return h.set(s, x)
	case *ast.UseStmt:
		return h.use(s, x.DBName)
	case *ast.ShowStmt:
		return h.show(c, s, x, query)
	case *ast.BeginStmt, *ast.CommitStmt, *ast.RollbackStmt:
		return &sqltypes.Result{}, nil
	case *ast.ExplainStmt:
		if show, ok := x.Stmt.(*ast.ShowStmt); ok {
			return h.show(c, s, show, query)
		}
		return h.explain(c, s, query, x)
	case *ast.SelectStmt:
		if x.From == nil {
			return h.selectNoFrom(c, s, x)
		}
		if isInfoSchema(x) {
			return h.infoSchema(c, s, x, query)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), h.opts.QueryTimeout)
	defer cancel()
	select {
	case h.slots <- struct{}{}:
		defer func() { <-h.slots }()
	case <-ctx.Done():
		return nil, sqlerror.NewSQLErrorf(sqlerror.ERQueryInterrupted, "70100", "Query execution was interrupted: %d queries kept every slot busy for %s; retry shortly", h.opts.MaxConcurrent, h.opts.QueryTimeout)
	}
	r, qerr := h.b.Query(ctx, query, args, s.options(c.User))
	if qerr != nil {
		return nil, toSQLError(qerr, query)
	}
	return result(r)
}

// explain answers EXPLAIN SELECT … with the explanation's lines.
func (h *handler) explain(c *mysql.Conn, s *session, query string, x *ast.ExplainStmt) (*sqltypes.Result, error) {
	inner := query[x.Stmt.OriginTextPosition():]
	if _, ok := x.Stmt.(*ast.SelectStmt); !ok || x.Analyze {
		return nil, sqlerror.NewSQLError(sqlerror.ERNotSupportedYet, sqlerror.SSUnknownSQLState, "EXPLAIN takes a SELECT over a wide table")
	}
	if off := x.Stmt.OriginTextPosition(); off <= 0 {
		if i := strings.Index(strings.ToLower(query), "select"); i >= 0 {
			inner = query[i:]
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), h.opts.QueryTimeout)
	defer cancel()
	text, err := h.b.Explain(ctx, inner, s.options(c.User))
	if err != nil {
		return nil, toSQLError(err, inner)
	}
	var rows [][]string
	for _, l := range strings.Split(strings.TrimRight(text, "\n"), "\n") {
		rows = append(rows, []string{l})
	}
	return textResult([]string{"EXPLAIN"}, rows), nil
}

// toSQLError maps Strata's errors onto MySQL's error numbers: syntax 1064,
// unknown columns 1054, unknown tables 1146, unknown databases 1049, writes
// 1290, metrics outside the user's key 1142, what a metric query cannot
// express 1235; the position goes into the
// message as MySQL clients print it.
func toSQLError(err error, query string) error {
	var se *sqlfront.Error
	var sqle *sqlerror.SQLError
	switch {
	case errors.As(err, &sqle):
		return sqle
	case errors.As(err, &se):
		num, state := sqlerror.ERNotSupportedYet, "42000"
		switch se.Code {
		case sqlfront.CodeSyntax:
			num = sqlerror.ERParseError
			if strings.HasPrefix(se.Msg, "syntax error near") {
				return sqlerror.NewSQLErrorf(num, state, "You have an error in your SQL syntax near '%s' at line %d column %d", near(query, se.Offset), se.Line, se.Col)
			}
			return sqlerror.NewSQLErrorf(num, state, "You have an error in your SQL syntax: %s, at line %d column %d", se.Msg, se.Line, se.Col)
		case sqlfront.CodeUnknownField, "ambiguous-field":
			num, state = sqlerror.ERBadFieldError, "42S22"
		case sqlfront.CodeUnknownTable:
			num, state = sqlerror.ERNoSuchTable, "42S02"
		case sqlfront.CodeUnknownSchema:
			num = sqlerror.ERBadDb
		case sqlfront.CodeReadOnly:
			num, state = sqlerror.EROptionPreventsStatement, "HY000"
		case "forbidden-metric":
			num = sqlerror.ERTableAccessDenied
		case sqlfront.CodeBadParam:
			num, state = sqlerror.ERWrongArguments, "HY000"
		}
		return sqlerror.NewSQLErrorf(num, state, "%s (line %d, column %d)", se.Msg, se.Line, se.Col)
	case errors.Is(err, context.DeadlineExceeded) || strings.Contains(err.Error(), "canceled"):
		return sqlerror.NewSQLError(sqlerror.ERQueryInterrupted, "70100", "Query execution was interrupted: it ran out of time; narrow it, or use a rollup")
	}
	return sqlerror.NewSQLErrorf(sqlerror.ERUnknownError, sqlerror.SSUnknownSQLState, "%v", err)
}

// near is the statement's text from an offset, shortened as MySQL does.
func near(query string, off int) string {
	rest := query[max(0, min(off, len(query))):]
	if len(rest) > 80 {
		rest = rest[:80]
	}
	return rest
}
