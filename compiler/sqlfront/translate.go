package sqlfront

import (
	"fmt"
	"strings"
	"sync"

	"github.com/pingcap/tidb/pkg/parser"
	"github.com/pingcap/tidb/pkg/parser/ast"
	_ "github.com/pingcap/tidb/pkg/parser/test_driver" // literal values in the AST

	"github.com/strata-metrics/strata/compiler/logical"
	"github.com/strata-metrics/strata/compiler/plan"
	"github.com/strata-metrics/strata/model"
)

// Statement is a SELECT translated into a metric query.
type Statement struct {
	SQL string
	// Table is the wide table FROM names (its fact).
	Table string
	// Query is the metric query the statement became.
	Query *plan.Query
	// Columns are the statement's result columns in select order: the name the
	// client sees (its alias, else the field or metric name) and the result
	// column of Query that holds it.
	Columns []Column

	// Offsets of the parts of the statement, to locate the plan's errors.
	dimPos, metricPos, orderPos []int
	wherePos, havingPos         int
	limitPos, offsetPos         int
}

// Column is one output column of a statement.
type Column struct {
	Name   string `json:"name"`
	Source string `json:"source"`
}

// The TiDB parser is not safe for concurrent use; a pool keeps parsing cheap.
var parsers = sync.Pool{New: func() any { return parser.New() }}

// Parse parses one SQL statement.
func Parse(sql string) (ast.StmtNode, *Error) {
	if strings.TrimSpace(strings.TrimRight(strings.TrimSpace(sql), ";")) == "" {
		return nil, errAt(sql, 0, CodeSyntax, "the statement is empty; send a SELECT over a wide table")
	}
	p := parsers.Get().(*parser.Parser)
	defer parsers.Put(p)
	stmts, _, err := p.Parse(sql, "", "")
	if err != nil {
		return nil, syntaxError(sql, err)
	}
	if len(stmts) != 1 {
		off := 0
		if len(stmts) > 1 {
			off = stmts[1].OriginTextPosition()
			if off == 0 {
				off = strings.IndexByte(sql, ';') + 1
			}
		}
		return nil, errAt(sql, off, CodeNotSupported, "send one statement at a time")
	}
	return stmts[0], nil
}

// Translate turns a SELECT over a wide table into the metric query it means.
// args bind the statement's ? placeholders, in order (prepared statements).
//
// Algorithm:
//  1. Parse with the TiDB parser; anything but a plain SELECT is refused:
//     writes as read-only, UNION and the rest as not supported.
//  2. FROM must name one fact's wide table (optionally qualified by the
//     project's name); joins, subqueries and table functions are refused.
//  3. Bind placeholders to literal values in the syntax tree.
//  4. Classify each select item as a dimension (a field, a grain field,
//     DATE_TRUNC/DATE of a time field) or a metric (bare, MEASURE(m), or its
//     own aggregate); remember aliases and output names.
//  5. Check GROUP BY against the selected dimensions (names, aliases,
//     positions); read ORDER BY, LIMIT and OFFSET.
//  6. Rewrite WHERE and HAVING in the tree (grain functions to grain fields,
//     aliases and aggregates of metrics to metric names), check every name,
//     and restore them as the query's filters.
func Translate(cat *logical.Catalog, sql string, args ...any) (*Statement, error) {
	return TranslateFor(cat, nil, sql, args...)
}

// TranslateFor is Translate for a caller that may read only the metrics
// named (nil: all): the suggestions its errors make name only those.
func TranslateFor(cat *logical.Catalog, metrics []string, sql string, args ...any) (*Statement, error) {
	stmt, perr := Parse(sql)
	if perr != nil {
		return nil, perr
	}
	sel, err := selectOf(sql, stmt)
	if err != nil {
		return nil, err
	}
	t := &translator{cat: cat, sql: sql, sel: sel, st: &Statement{SQL: sql, Query: &plan.Query{}, wherePos: -1, havingPos: -1}}
	if metrics != nil {
		t.allowed = map[string]bool{}
		for _, m := range metrics {
			t.allowed[m] = true
		}
	}
	if err := bindParams(sql, sel, args); err != nil {
		return nil, err
	}
	steps := []func() *Error{t.checkShape, t.from, t.fields, t.groupBy, t.orderBy, t.limit, t.where, t.having}
	for _, step := range steps {
		if err := step(); err != nil {
			return nil, err
		}
	}
	return t.st, nil
}

// selectOf accepts a plain SELECT and explains every other statement.
func selectOf(sql string, stmt ast.StmtNode) (*ast.SelectStmt, *Error) {
	off := stmt.OriginTextPosition()
	switch s := stmt.(type) {
	case *ast.SelectStmt:
		return s, nil
	case *ast.SetOprStmt:
		at := keywordAt(sql, off, "union")
		word := "UNION"
		for _, w := range []string{"union", "intersect", "except"} {
			if i := keywordAt(sql, off, w); i >= 0 && (at < 0 || i < at) {
				at, word = i, strings.ToUpper(w)
			}
		}
		return nil, errAt(sql, at, CodeNotSupported, "%s is not supported: %s; send each SELECT on its own", word, msgOneTableHint)
	case *ast.InsertStmt, *ast.DeleteStmt, *ast.UpdateStmt, *ast.LoadDataStmt, *ast.DropTableStmt, *ast.CreateTableStmt,
		*ast.AlterTableStmt, *ast.TruncateTableStmt, *ast.DropDatabaseStmt, *ast.CreateDatabaseStmt, *ast.RenameTableStmt,
		*ast.CreateViewStmt, *ast.CreateIndexStmt, *ast.DropIndexStmt, *ast.ImportIntoStmt:
		return nil, errAt(sql, off, CodeReadOnly, "%s: the wide tables are read-only; Strata answers SELECTs, and data changes in the model's sources", statementName(stmt))
	}
	return nil, errAt(sql, off, CodeNotSupported, "%s is not supported; send a SELECT over a wide table", statementName(stmt))
}

// statementName names a statement for messages: "INSERT", "DROP TABLE".
func statementName(stmt ast.StmtNode) string {
	text := strings.Fields(strings.ToUpper(stmt.Text()))
	switch {
	case len(text) == 0:
		return "this statement"
	case len(text) > 1 && (text[0] == "DROP" || text[0] == "CREATE" || text[0] == "ALTER" || text[0] == "LOAD" || text[0] == "TRUNCATE" || text[0] == "SHOW"):
		return text[0] + " " + text[1]
	}
	return text[0]
}

type translator struct {
	cat  *logical.Catalog
	sql  string
	sel  *ast.SelectStmt
	st   *Statement
	wide *logical.WideTable
	// alias is the FROM table's alias, if any.
	alias string
	// items are the select list's items, in order.
	items []*item
	// allowed, when not nil, are the only metrics suggestions may name.
	allowed map[string]bool
}

// shown reports whether a suggestion may name the metric.
func (t *translator) shown(metric string) bool { return t.allowed == nil || t.allowed[metric] }

// item is one select item as understood.
type item struct {
	metric bool
	source string // the dimension's result name or the metric's name
	field  string // a dimension as written in the query (qualified)
	name   string // the output name
	alias  string
	off    int
}

// checkShape refuses the clauses a metric query has no place for.
func (t *translator) checkShape() *Error {
	s := t.sel
	switch {
	case s.With != nil:
		return errAt(t.sql, keywordAt(t.sql, 0, "with"), CodeNotSupported, "WITH is not supported: %s", msgOneTableHint)
	case s.WindowSpecs != nil:
		return errAt(t.sql, keywordAt(t.sql, 0, "window"), CodeNotSupported, "window functions are not supported: metrics are computed by the model (period over period, to date, windows)")
	case s.LockInfo != nil && s.LockInfo.LockType != ast.SelectLockNone:
		return errAt(t.sql, keywordAt(t.sql, 0, "for"), CodeReadOnly, "locking reads are not supported: the wide tables are read-only")
	case s.SelectIntoOpt != nil:
		return errAt(t.sql, keywordAt(t.sql, 0, "into"), CodeReadOnly, "SELECT … INTO is not supported: the wide tables are read-only")
	case s.From == nil:
		return errAt(t.sql, len(strings.TrimRight(t.sql, " \t\n;")), CodeNotSupported, "a query needs FROM a wide table: %s", strings.Join(t.factNames(), ", "))
	}
	return nil
}

func (t *translator) factNames() []string {
	out := make([]string, len(t.cat.Wide))
	for i, w := range t.cat.Wide {
		out[i] = w.Name()
	}
	return out
}

// from resolves FROM to one wide table.
func (t *translator) from() *Error {
	fromAt := keywordAt(t.sql, 0, "from")
	j := t.sel.From.TableRefs
	if j.Right != nil {
		at := keywordAt(t.sql, fromAt, "join")
		if comma := strings.IndexByte(t.sql[max(fromAt, 0):], ','); at < 0 && comma >= 0 {
			at = fromAt + comma
		}
		return errAt(t.sql, at, CodeNotSupported, "joins are not supported: %s", msgOneTableHint)
	}
	src, ok := j.Left.(*ast.TableSource)
	if !ok {
		return errAt(t.sql, fromAt, CodeNotSupported, "joins are not supported: %s", msgOneTableHint)
	}
	tn, ok := src.Source.(*ast.TableName)
	if !ok {
		return errAt(t.sql, fromAt+4, CodeNotSupported, "subqueries are not supported: FROM names a wide table: %s", strings.Join(t.factNames(), ", "))
	}
	at := keywordAt(t.sql, fromAt, tn.Name.O)
	if at < 0 {
		at = fromAt
	}
	if db := tn.Schema.O; db != "" && !strings.EqualFold(db, t.cat.Project.Name) {
		return errAt(t.sql, keywordAt(t.sql, fromAt, db), CodeUnknownSchema, "unknown database %q; the project is %q", db, t.cat.Project.Name)
	}
	name := tn.Name.O
	w := t.cat.WideTable(name)
	if w == nil {
		for _, cand := range t.cat.Wide {
			if strings.EqualFold(cand.Name(), name) {
				w = cand
			}
		}
	}
	if w == nil {
		if tb := t.cat.Project.Table(name); tb != nil {
			return errAt(t.sql, at, CodeUnknownTable, "%s is a dimension table; query the wide table of a fact that reaches it (%s) and select its fields as %s.<column>", name, strings.Join(t.reachingFacts(name), ", "), name)
		}
		return errAt(t.sql, at, CodeUnknownTable, "unknown table %q%s (the wide tables are %s)", name, model.DidYouMean(name, t.factNames()), strings.Join(t.factNames(), ", "))
	}
	t.wide, t.st.Table, t.alias = w, w.Name(), src.AsName.O
	return nil
}

// reachingFacts lists the facts whose wide tables reach a table.
func (t *translator) reachingFacts(table string) []string {
	var out []string
	for _, w := range t.cat.Wide {
		if w.Instance(table) != nil {
			out = append(out, w.Name())
		}
	}
	return out
}

// limit reads LIMIT n [OFFSET m].
func (t *translator) limit() *Error {
	l := t.sel.Limit
	if l == nil {
		return nil
	}
	at := keywordAt(t.sql, 0, "limit")
	t.st.limitPos, t.st.offsetPos = at, at
	n, ok := intValue(l.Count)
	if !ok {
		return errAt(t.sql, at, CodeBadLimit, "LIMIT takes a non-negative integer")
	}
	t.st.Query.Limit = n
	if l.Offset != nil {
		if o := keywordAt(t.sql, at, "offset"); o >= 0 {
			t.st.offsetPos = o
		}
		m, ok := intValue(l.Offset)
		if !ok {
			return errAt(t.sql, t.st.offsetPos, CodeBadLimit, "OFFSET takes a non-negative integer")
		}
		t.st.Query.Offset = m
	}
	if n == 0 && l.Offset == nil {
		// LIMIT 0 asks for the columns only; the query's zero means "no limit".
		return errAt(t.sql, at, CodeBadLimit, "LIMIT 0 is not supported; DESCRIBE the table for its columns")
	}
	return nil
}

func intValue(n ast.ExprNode) (int, bool) {
	v, ok := n.(ast.ValueExpr)
	if !ok {
		return 0, false
	}
	switch x := v.GetValue().(type) {
	case int64:
		return int(x), x >= 0 && x <= plan.MaxLimit
	case uint64:
		return int(x), x <= plan.MaxLimit
	}
	return 0, false
}

// Locate maps an error of the metric query the statement became back onto the
// statement: the plan names a query field ("dimensions[1]", "where"), the
// statement's user reads a line and column.
func (s *Statement) Locate(err error) error {
	pe, ok := err.(*plan.Error)
	if !ok {
		return err
	}
	off := 0
	var idx int
	switch {
	case pe.Field == "where" && s.wherePos >= 0:
		off = s.wherePos
	case pe.Field == "having" && s.havingPos >= 0:
		off = s.havingPos
	case pe.Field == "limit":
		off = s.limitPos
	case pe.Field == "offset":
		off = s.offsetPos
	case scan(pe.Field, "dimensions[%d]", &idx) && idx < len(s.dimPos):
		off = s.dimPos[idx]
	case scan(pe.Field, "metrics[%d]", &idx) && idx < len(s.metricPos):
		off = s.metricPos[idx]
	case scan(pe.Field, "order[%d]", &idx) && idx < len(s.orderPos):
		off = s.orderPos[idx]
	case pe.Field == "metrics" && len(s.metricPos) == 0:
		off = 0
		return errAt(s.SQL, off, CodeQuery, "select at least one metric; DESCRIBE %s lists them", s.Table)
	}
	code := pe.Code
	if code == "unknown-metric" {
		code = CodeUnknownField
	}
	return errAt(s.SQL, off, code, "%s", pe.Msg)
}

func scan(s, format string, idx *int) bool {
	n, err := fmt.Sscanf(s, format, idx)
	return err == nil && n == 1
}
