package mysqlwire

import (
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/pingcap/tidb/pkg/parser/ast"
	"github.com/pingcap/tidb/pkg/parser/opcode"
	"vitess.io/vitess/go/mysql"
	"vitess.io/vitess/go/mysql/sqlerror"
	"vitess.io/vitess/go/sqltypes"
)

// show answers the SHOW statements clients browse with.
func (h *handler) show(c *mysql.Conn, s *session, x *ast.ShowStmt, query string) (*sqltypes.Result, error) {
	db := h.currentDB(s, x.DBName)
	switch x.Tp {
	case ast.ShowDatabases:
		return h.filtered(x, []string{"Database"}, [][]string{{"information_schema"}, {h.b.Database()}}), nil
	case ast.ShowTables:
		if err := h.checkDB(db); err != nil {
			return nil, err
		}
		var rows [][]string
		if !strings.EqualFold(db, "information_schema") {
			for _, t := range h.b.Tables(c.User) {
				rows = append(rows, []string{t.Name, "BASE TABLE"})
			}
		} else {
			for _, t := range infoTableNames {
				rows = append(rows, []string{t, "SYSTEM VIEW"})
			}
		}
		cols := []string{"Tables_in_" + db, "Table_type"}
		if !x.Full {
			cols = cols[:1]
			for i := range rows {
				rows[i] = rows[i][:1]
			}
		}
		return h.filtered(x, cols, rows), nil
	case ast.ShowTableStatus:
		var rows [][]string
		for _, t := range h.b.Tables(c.User) {
			rows = append(rows, []string{t.Name, "Strata", t.Comment})
		}
		return h.filtered(x, []string{"Name", "Engine", "Comment"}, rows), nil
	case ast.ShowColumns:
		if x.Table.Schema.O != "" {
			db = x.Table.Schema.O
		}
		if err := h.checkDB(db); err != nil {
			return nil, err
		}
		t, err := h.table(c, x.Table.Name.O)
		if err != nil {
			return nil, err
		}
		cols := []string{"Field", "Type", "Null", "Key", "Default", "Extra"}
		if x.Full {
			cols = []string{"Field", "Type", "Collation", "Null", "Key", "Default", "Extra", "Privileges", "Comment"}
		}
		var rows [][]string
		for _, col := range t.Columns {
			extra := ""
			if col.Metric {
				extra = "metric"
			}
			if x.Full {
				rows = append(rows, []string{col.Name, mysqlType(col.Type), collationOf(col.Type), "YES", "", "", extra, "select", col.Comment})
			} else {
				rows = append(rows, []string{col.Name, mysqlType(col.Type), "YES", "", "", extra})
			}
		}
		return h.filtered(x, cols, rows), nil
	case ast.ShowVariables:
		var rows [][]string
		for _, name := range varNames {
			v, _ := h.sysVar(s, name)
			rows = append(rows, []string{name, v})
		}
		return h.filtered(x, []string{"Variable_name", "Value"}, rows), nil
	case ast.ShowStatus:
		return h.filtered(x, []string{"Variable_name", "Value"}, nil), nil
	case ast.ShowWarnings, ast.ShowErrors:
		return textResult([]string{"Level", "Code", "Message"}, nil), nil
	case ast.ShowCharset:
		return h.filtered(x, []string{"Charset", "Description", "Default collation", "Maxlen"}, [][]string{{"utf8mb4", "UTF-8 Unicode", "utf8mb4_0900_ai_ci", "4"}}), nil
	case ast.ShowCollation:
		return h.filtered(x, []string{"Collation", "Charset", "Id", "Default", "Compiled", "Sortlen"}, [][]string{{"utf8mb4_0900_ai_ci", "utf8mb4", "255", "Yes", "Yes", "0"}}), nil
	case ast.ShowEngines:
		return textResult([]string{"Engine", "Support", "Comment", "Transactions", "XA", "Savepoints"}, [][]string{{"Strata", "DEFAULT", "metric queries over logical wide tables", "NO", "NO", "NO"}}), nil
	case ast.ShowIndex, ast.ShowProcessList, ast.ShowTriggers, ast.ShowEvents, ast.ShowProcedureStatus, ast.ShowFunctionStatus, ast.ShowPlugins, ast.ShowGrants, ast.ShowPrivileges:
		return textResult([]string{"Value"}, nil), nil
	}
	return nil, sqlerror.NewSQLErrorf(sqlerror.ERNotSupportedYet, "42000", "%s is not supported; SHOW DATABASES, SHOW TABLES and SHOW COLUMNS browse the wide tables", firstWords(query, 3))
}

func firstWords(q string, n int) string {
	f := strings.Fields(q)
	if len(f) > n {
		f = f[:n]
	}
	return strings.ToUpper(strings.Join(f, " "))
}

func (h *handler) currentDB(s *session, named string) string {
	if named != "" {
		return named
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.db == "" {
		return h.b.Database()
	}
	return s.db
}

func (h *handler) checkDB(db string) error {
	if strings.EqualFold(db, h.b.Database()) || strings.EqualFold(db, "information_schema") {
		return nil
	}
	return sqlerror.NewSQLErrorf(sqlerror.ERBadDb, "42000", "Unknown database '%s'; this server has %s", db, h.b.Database())
}

// table finds a wide table by name, suggesting the nearest.
func (h *handler) table(c *mysql.Conn, name string) (*Table, error) {
	var names []string
	for _, t := range h.b.Tables(c.User) {
		if strings.EqualFold(t.Name, name) {
			return &t, nil
		}
		names = append(names, t.Name)
	}
	return nil, sqlerror.NewSQLErrorf(sqlerror.ERNoSuchTable, "42S02", "Table '%s.%s' doesn't exist; the wide tables are %s", h.b.Database(), name, strings.Join(names, ", "))
}

// filtered applies SHOW's LIKE pattern (to the first column) or WHERE.
func (h *handler) filtered(x *ast.ShowStmt, cols []string, rows [][]string) *sqltypes.Result {
	var out [][]string
	for _, r := range rows {
		if x.Pattern != nil {
			if v, ok := x.Pattern.Pattern.(ast.ValueExpr); ok && !like(fmt.Sprint(v.GetValue()), r[0]) {
				continue
			}
		}
		if x.Where != nil && !truthy(eval(x.Where, cols, r)) {
			continue
		}
		out = append(out, r)
	}
	return textResult(cols, out)
}

// mysqlType is a Strata type as MySQL names it in SHOW COLUMNS.
func mysqlType(t string) string {
	t = strings.ToLower(t)
	switch {
	case strings.HasPrefix(t, "decimal"):
		p, s := decimalParts(t)
		return fmt.Sprintf("decimal(%d,%d)", p, s)
	case t == "bigint", t == "hugeint":
		return "bigint"
	case t == "integer", t == "int":
		return "int"
	case t == "boolean":
		return "tinyint(1)"
	case strings.HasPrefix(t, "timestamp"):
		return "datetime"
	case t == "date", t == "double":
		return t
	}
	return "varchar(65535)"
}

// mysqlDataType is DATA_TYPE of information_schema.columns.
func mysqlDataType(t string) string {
	mt := mysqlType(t)
	if i := strings.IndexByte(mt, '('); i > 0 {
		return mt[:i]
	}
	return mt
}

func collationOf(t string) string {
	if strings.HasPrefix(mysqlType(t), "varchar") {
		return "utf8mb4_0900_ai_ci"
	}
	return ""
}

// like matches SQL LIKE patterns (% and _), case-insensitively as MySQL's
// default collation does.
func like(pattern, s string) bool {
	p, v := []rune(strings.ToLower(pattern)), []rune(strings.ToLower(s))
	var match func(i, j int) bool
	match = func(i, j int) bool {
		for i < len(p) {
			switch p[i] {
			case '%':
				for k := j; k <= len(v); k++ {
					if match(i+1, k) {
						return true
					}
				}
				return false
			case '_':
				if j >= len(v) {
					return false
				}
			case '\\':
				if i+1 < len(p) {
					i++
				}
				fallthrough
			default:
				if j >= len(v) || v[j] != p[i] {
					return false
				}
			}
			i++
			j++
		}
		return j == len(v)
	}
	return match(0, 0)
}

// eval evaluates a filter over one row of text columns: comparisons, IN,
// LIKE, IS NULL, AND, OR, NOT — what catalog browsers send. A value is a
// string, nil for NULL (the empty string of a row reads as a value).
func eval(n ast.ExprNode, cols []string, row []string) any {
	switch x := n.(type) {
	case *ast.ColumnNameExpr:
		for i, c := range cols {
			if strings.EqualFold(c, x.Name.Name.O) {
				return row[i]
			}
		}
		return nil
	case ast.ValueExpr:
		if x.GetValue() == nil {
			return nil
		}
		return fmt.Sprint(x.GetValue())
	case *ast.ParenthesesExpr:
		return eval(x.Expr, cols, row)
	case *ast.FuncCallExpr:
		switch x.FnName.L {
		case "database", "schema":
			return nil // resolved by the caller's substitution
		case "lower", "upper":
			if len(x.Args) == 1 {
				if s, ok := eval(x.Args[0], cols, row).(string); ok {
					if x.FnName.L == "lower" {
						return strings.ToLower(s)
					}
					return strings.ToUpper(s)
				}
			}
		}
		return nil
	case *ast.UnaryOperationExpr:
		if x.Op == opcode.Not || x.Op == opcode.Not2 {
			return !truthy(eval(x.V, cols, row))
		}
	case *ast.IsNullExpr:
		isNull := eval(x.Expr, cols, row) == nil
		return isNull != x.Not
	case *ast.PatternLikeOrIlikeExpr:
		s, ok1 := eval(x.Expr, cols, row).(string)
		p, ok2 := eval(x.Pattern, cols, row).(string)
		return ok1 && ok2 && like(p, s) != x.Not
	case *ast.PatternInExpr:
		s, ok := eval(x.Expr, cols, row).(string)
		found := false
		for _, e := range x.List {
			if v, isStr := eval(e, cols, row).(string); ok && isStr && strings.EqualFold(v, s) {
				found = true
			}
		}
		return ok && found != x.Not
	case *ast.BinaryOperationExpr:
		switch x.Op {
		case opcode.LogicAnd:
			return truthy(eval(x.L, cols, row)) && truthy(eval(x.R, cols, row))
		case opcode.LogicOr:
			return truthy(eval(x.L, cols, row)) || truthy(eval(x.R, cols, row))
		}
		l, ok1 := eval(x.L, cols, row).(string)
		r, ok2 := eval(x.R, cols, row).(string)
		if !ok1 || !ok2 {
			return nil
		}
		cmp := compareText(l, r)
		switch x.Op {
		case opcode.EQ, opcode.NullEQ:
			return cmp == 0
		case opcode.NE:
			return cmp != 0
		case opcode.LT:
			return cmp < 0
		case opcode.LE:
			return cmp <= 0
		case opcode.GT:
			return cmp > 0
		case opcode.GE:
			return cmp >= 0
		}
	}
	return nil
}

// compareText compares numbers as numbers, text case-insensitively.
func compareText(a, b string) int {
	x, err1 := strconv.ParseFloat(a, 64)
	y, err2 := strconv.ParseFloat(b, 64)
	if err1 == nil && err2 == nil {
		switch {
		case x < y:
			return -1
		case x > y:
			return 1
		}
		return 0
	}
	return strings.Compare(strings.ToLower(a), strings.ToLower(b))
}

func truthy(v any) bool {
	switch x := v.(type) {
	case bool:
		return x
	case string:
		f, err := strconv.ParseFloat(x, 64)
		return err == nil && f != 0
	}
	return false
}

// infoTableNames are the information_schema tables the listener serves.
var infoTableNames = []string{"COLUMNS", "SCHEMATA", "TABLES"}

func isInfoSchema(x *ast.SelectStmt) bool {
	tn := singleTable(x)
	return tn != nil && strings.EqualFold(tn.Schema.O, "information_schema")
}

func singleTable(x *ast.SelectStmt) *ast.TableName {
	if x.From == nil || x.From.TableRefs == nil || x.From.TableRefs.Right != nil {
		return nil
	}
	src, ok := x.From.TableRefs.Left.(*ast.TableSource)
	if !ok {
		return nil
	}
	tn, _ := src.Source.(*ast.TableName)
	return tn
}

// infoSchema answers SELECTs over information_schema.SCHEMATA, TABLES and
// COLUMNS: the filter, projection, ORDER BY and LIMIT catalog browsers use.
func (h *handler) infoSchema(c *mysql.Conn, s *session, x *ast.SelectStmt, query string) (*sqltypes.Result, error) {
	tn := singleTable(x)
	cols, rows := h.infoRows(c, strings.ToUpper(tn.Name.O))
	if cols == nil {
		return nil, sqlerror.NewSQLErrorf(sqlerror.ERNoSuchTable, "42S02", "Table 'information_schema.%s' is not served; %s are", tn.Name.O, strings.Join(infoTableNames, ", "))
	}
	db := h.currentDB(s, "")
	var kept [][]string
	for _, r := range rows {
		if x.Where == nil || truthy(eval(substituteDatabase(x.Where, db), cols, r)) {
			kept = append(kept, r)
		}
	}
	if x.OrderBy != nil {
		sortRows(kept, cols, x.OrderBy)
	}
	if x.Limit != nil {
		if n, ok := x.Limit.Count.(ast.ValueExpr); ok {
			if k, err := strconv.Atoi(fmt.Sprint(n.GetValue())); err == nil && k < len(kept) {
				kept = kept[:k]
			}
		}
	}
	var outCols []string
	var idx []int
	for _, f := range x.Fields.Fields {
		if f.WildCard != nil {
			for i, c := range cols {
				outCols, idx = append(outCols, c), append(idx, i)
			}
			continue
		}
		c, ok := f.Expr.(*ast.ColumnNameExpr)
		if !ok {
			return nil, sqlerror.NewSQLError(sqlerror.ERNotSupportedYet, "42000", "information_schema is served for column lists, filters and ORDER BY; select its columns by name")
		}
		i := indexFold(cols, c.Name.Name.O)
		if i < 0 {
			return nil, sqlerror.NewSQLErrorf(sqlerror.ERBadFieldError, "42S22", "Unknown column '%s' in 'field list'", c.Name.Name.O)
		}
		name := c.Name.Name.O
		if f.AsName.O != "" {
			name = f.AsName.O
		}
		outCols, idx = append(outCols, name), append(idx, i)
	}
	out := make([][]string, len(kept))
	for k, r := range kept {
		o := make([]string, len(idx))
		for j, i := range idx {
			o[j] = r[i]
		}
		out[k] = o
	}
	return textResult(outCols, out), nil
}

func indexFold(list []string, s string) int {
	for i, x := range list {
		if strings.EqualFold(x, s) {
			return i
		}
	}
	return -1
}

// substituteDatabase replaces DATABASE() with the session's database.
func substituteDatabase(n ast.ExprNode, db string) ast.ExprNode {
	v := &dbSub{db: db}
	out, _ := n.Accept(v)
	return out.(ast.ExprNode)
}

type dbSub struct{ db string }

func (d *dbSub) Enter(n ast.Node) (ast.Node, bool) { return n, false }
func (d *dbSub) Leave(n ast.Node) (ast.Node, bool) {
	if f, ok := n.(*ast.FuncCallExpr); ok && (f.FnName.L == "database" || f.FnName.L == "schema") {
		return ast.NewValueExpr(d.db, "", ""), true
	}
	return n, true
}

func sortRows(rows [][]string, cols []string, o *ast.OrderByClause) {
	sort.SliceStable(rows, func(a, b int) bool {
		for _, by := range o.Items {
			c, ok := by.Expr.(*ast.ColumnNameExpr)
			if !ok {
				continue
			}
			i := indexFold(cols, c.Name.Name.O)
			if i < 0 {
				continue
			}
			if cmp := compareText(rows[a][i], rows[b][i]); cmp != 0 {
				return (cmp < 0) != by.Desc
			}
		}
		return false
	})
}

// infoRows builds one information_schema table.
func (h *handler) infoRows(c *mysql.Conn, name string) ([]string, [][]string) {
	db := h.b.Database()
	switch name {
	case "SCHEMATA":
		return []string{"CATALOG_NAME", "SCHEMA_NAME", "DEFAULT_CHARACTER_SET_NAME", "DEFAULT_COLLATION_NAME"},
			[][]string{{"def", "information_schema", "utf8mb4", "utf8mb4_0900_ai_ci"}, {"def", db, "utf8mb4", "utf8mb4_0900_ai_ci"}}
	case "TABLES":
		var rows [][]string
		for _, t := range h.b.Tables(c.User) {
			rows = append(rows, []string{"def", db, t.Name, "BASE TABLE", "Strata", t.Comment})
		}
		return []string{"TABLE_CATALOG", "TABLE_SCHEMA", "TABLE_NAME", "TABLE_TYPE", "ENGINE", "TABLE_COMMENT"}, rows
	case "COLUMNS":
		var rows [][]string
		for _, t := range h.b.Tables(c.User) {
			for i, c := range t.Columns {
				p, sc := "", ""
				if strings.HasPrefix(c.Type, "decimal") {
					pp, ss := decimalParts(c.Type)
					p, sc = strconv.Itoa(pp), strconv.Itoa(ss)
				}
				extra := ""
				if c.Metric {
					extra = "metric"
				}
				rows = append(rows, []string{"def", db, t.Name, c.Name, strconv.Itoa(i + 1), "YES", mysqlDataType(c.Type), mysqlType(c.Type), p, sc, "", extra, c.Comment})
			}
		}
		return []string{"TABLE_CATALOG", "TABLE_SCHEMA", "TABLE_NAME", "COLUMN_NAME", "ORDINAL_POSITION", "IS_NULLABLE", "DATA_TYPE", "COLUMN_TYPE", "NUMERIC_PRECISION", "NUMERIC_SCALE", "COLUMN_KEY", "EXTRA", "COLUMN_COMMENT"}, rows
	}
	return nil, nil
}
