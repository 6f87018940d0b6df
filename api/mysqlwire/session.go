package mysqlwire

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/pingcap/tidb/pkg/parser/ast"
	"github.com/pingcap/tidb/pkg/parser/format"
	"vitess.io/vitess/go/mysql"
	"vitess.io/vitess/go/mysql/sqlerror"
	"vitess.io/vitess/go/sqltypes"

	"github.com/strata-metrics/strata/compiler/expr"
)

// NoRollupVar is the session variable that answers from the raw tables:
// SET strata_no_rollup = 1.
const NoRollupVar = "strata_no_rollup"

// sysVar is a session variable's value as clients read it on connect.
func (h *handler) sysVar(s *session, name string) (string, bool) {
	name = strings.ToLower(name)
	s.mu.Lock()
	v, set := s.vars[name]
	s.mu.Unlock()
	if set {
		return v, true
	}
	switch name {
	case "version":
		return h.opts.Version, true
	case "version_comment":
		return "Strata semantic metric layer (MySQL protocol)", true
	case "max_allowed_packet":
		return strconv.Itoa(h.opts.MaxPacket), true
	case "wait_timeout", "interactive_timeout":
		return strconv.Itoa(int(h.opts.IdleTimeout / time.Second)), true
	case "net_write_timeout", "net_read_timeout":
		return strconv.Itoa(int(h.opts.QueryTimeout / time.Second)), true
	case "character_set_client", "character_set_connection", "character_set_results", "character_set_server", "character_set_database", "character_set_system":
		return "utf8mb4", true
	case "collation_connection", "collation_server", "collation_database":
		return "utf8mb4_0900_ai_ci", true
	case "autocommit", "auto_increment_increment", "auto_increment_offset", "lower_case_table_names":
		return "1", true
	case "transaction_read_only", "tx_read_only", "read_only":
		return "1", true
	case "transaction_isolation", "tx_isolation":
		return "REPEATABLE-READ", true
	case "sql_mode":
		return "ONLY_FULL_GROUP_BY,STRICT_TRANS_TABLES,NO_ZERO_IN_DATE,NO_ZERO_DATE,ERROR_FOR_DIVISION_BY_ZERO,NO_ENGINE_SUBSTITUTION", true
	case "time_zone", "system_time_zone":
		return "UTC", true
	case "sql_select_limit", "max_execution_time":
		return "0", true
	case "net_buffer_length":
		return "16384", true
	case "init_connect", "license":
		return map[string]string{"init_connect": "", "license": "Apache-2.0"}[name], true
	case "performance_schema", "query_cache_size", "query_cache_type", "have_query_cache", "warning_count", "error_count", "sql_auto_is_null", "sql_safe_updates":
		return "0", true
	case "default_storage_engine", "storage_engine":
		return "Strata", true
	case NoRollupVar:
		if s.options("").NoRollup {
			return "1", true
		}
		return "0", true
	}
	return "", false
}

// varNames are the variables SHOW VARIABLES lists.
var varNames = []string{"autocommit", "auto_increment_increment", "character_set_client", "character_set_connection",
	"character_set_database", "character_set_results", "character_set_server", "collation_connection", "collation_database",
	"collation_server", "init_connect", "interactive_timeout", "license", "lower_case_table_names", "max_allowed_packet",
	"net_buffer_length", "net_write_timeout", "performance_schema", "query_cache_size", "query_cache_type", "read_only",
	"sql_mode", "sql_select_limit", NoRollupVar, "system_time_zone", "time_zone", "transaction_isolation",
	"transaction_read_only", "tx_isolation", "tx_read_only", "version", "version_comment", "wait_timeout"}

// set records what the session sets; everything a client sets on connect is
// accepted, and strata_no_rollup changes how queries are answered.
func (h *handler) set(s *session, x *ast.SetStmt) (*sqltypes.Result, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, v := range x.Variables {
		name := strings.ToLower(v.Name)
		if v.Value == nil || name == ast.SetNames || name == ast.SetCharset {
			continue
		}
		val := literal(v.Value)
		if v.IsSystem && name == NoRollupVar {
			switch strings.ToLower(val) {
			case "1", "on", "true":
				s.noRollup = true
			case "0", "off", "false":
				s.noRollup = false
			default:
				return nil, sqlerror.NewSQLErrorf(sqlerror.ERWrongValueForVar, "42000", "Variable '%s' can't be set to the value of '%s'; use 1 or 0", NoRollupVar, val)
			}
			continue
		}
		if v.IsSystem {
			s.vars[name] = val
		} else {
			s.vars["@"+name] = val
		}
	}
	return &sqltypes.Result{}, nil
}

// literal renders a SET value or a constant as text.
func literal(n ast.ExprNode) string {
	switch x := n.(type) {
	case ast.ValueExpr:
		if x.GetValue() == nil {
			return ""
		}
		return fmt.Sprint(x.GetValue())
	case *ast.ColumnNameExpr:
		return x.Name.Name.O
	case *ast.DefaultExpr:
		return ""
	}
	var b strings.Builder
	if err := n.Restore(format.NewRestoreCtx(format.RestoreStringSingleQuotes|format.RestoreStringWithoutCharset, &b)); err != nil {
		return ""
	}
	return b.String()
}

// use switches the session's database: the project or information_schema.
func (h *handler) use(s *session, db string) (*sqltypes.Result, error) {
	if !strings.EqualFold(db, h.b.Database()) && !strings.EqualFold(db, "information_schema") {
		return nil, sqlerror.NewSQLErrorf(sqlerror.ERBadDb, "42000", "Unknown database '%s'; this server has %s", db, h.b.Database())
	}
	s.mu.Lock()
	s.db = db
	s.mu.Unlock()
	return &sqltypes.Result{}, nil
}

// selectNoFrom answers SELECT without FROM: session variables, DATABASE(),
// USER(), VERSION(), constants — what clients read on connect.
func (h *handler) selectNoFrom(c *mysql.Conn, s *session, x *ast.SelectStmt) (*sqltypes.Result, error) {
	res := &sqltypes.Result{}
	row := make([]sqltypes.Value, 0, len(x.Fields.Fields))
	for _, f := range x.Fields.Fields {
		if f.WildCard != nil {
			return nil, sqlerror.NewSQLError(sqlerror.ERNoTablesUsed, "HY000", "No tables used")
		}
		val, typ, err := h.constant(c, s, f.Expr)
		if err != nil {
			return nil, err
		}
		name := f.AsName.O
		if name == "" {
			name = f.Text()
		}
		if name == "" {
			name = literal(f.Expr)
		}
		fd := field(name, typ)
		res.Fields = append(res.Fields, fd)
		if val == nil {
			row = append(row, sqltypes.NULL)
			continue
		}
		v, _ := value(*val, fd)
		row = append(row, v)
	}
	if x.Limit != nil {
		if n, ok := x.Limit.Count.(ast.ValueExpr); ok && fmt.Sprint(n.GetValue()) == "0" {
			return res, nil
		}
	}
	res.Rows = [][]sqltypes.Value{row}
	return res, nil
}

// constant evaluates one item of a SELECT without FROM.
func (h *handler) constant(c *mysql.Conn, s *session, n ast.ExprNode) (*any, string, error) {
	some := func(v any) *any { return &v }
	switch x := n.(type) {
	case *ast.VariableExpr:
		if !x.IsSystem {
			s.mu.Lock()
			v, ok := s.vars["@"+strings.ToLower(x.Name)]
			s.mu.Unlock()
			if !ok {
				return nil, "varchar", nil
			}
			return some(v), "varchar", nil
		}
		v, ok := h.sysVar(s, x.Name)
		if !ok {
			return nil, "", sqlerror.NewSQLErrorf(sqlerror.ERUnknownSystemVariable, "HY000", "Unknown system variable '%s'", x.Name)
		}
		if _, err := strconv.ParseInt(v, 10, 64); err == nil {
			i, _ := strconv.ParseInt(v, 10, 64)
			return some(i), "bigint", nil
		}
		return some(v), "varchar", nil
	case *ast.FuncCallExpr:
		switch expr.FuncName(x) {
		case "database", "schema":
			s.mu.Lock()
			db := s.db
			s.mu.Unlock()
			if db == "" {
				return nil, "varchar", nil
			}
			return some(db), "varchar", nil
		case "user", "current_user", "session_user", "system_user":
			return some(c.User + "@" + hostOf(c)), "varchar", nil
		case "version":
			return some(h.opts.Version), "varchar", nil
		case "connection_id":
			return some(c.ID()), "bigint", nil
		case "now", "current_timestamp", "sysdate":
			return some(time.Now().UTC()), "timestamp", nil
		case "curdate", "current_date":
			return some(time.Now().UTC()), "date", nil
		case "last_insert_id", "found_rows", "row_count":
			return some(int64(0)), "bigint", nil
		}
	case *ast.ParenthesesExpr:
		return h.constant(c, s, x.Expr)
	case ast.ValueExpr:
		switch v := x.GetValue().(type) {
		case nil:
			return nil, "varchar", nil
		case int64, uint64:
			return some(v), "bigint", nil
		case float64:
			return some(v), "double", nil
		case string:
			return some(v), "varchar", nil
		default:
			return some(fmt.Sprint(v)), "varchar", nil
		}
	}
	return nil, "", sqlerror.NewSQLErrorf(sqlerror.ERNotSupportedYet, "42000", "a statement without a table may select session variables, DATABASE(), USER(), VERSION() or constants; metrics are read from a wide table")
}

func hostOf(c *mysql.Conn) string {
	if a := c.RemoteAddr(); a != nil {
		h := a.String()
		if i := strings.LastIndexByte(h, ':'); i > 0 {
			return strings.Trim(h[:i], "[]")
		}
		return h
	}
	return "localhost"
}
