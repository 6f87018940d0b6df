package sqlfront

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
)

// Error codes. Callers map them onto their protocol: the MySQL listener onto
// MySQL error numbers, the DataAPI onto 400s.
const (
	CodeSyntax         = "sql-syntax"       // not parseable SQL
	CodeUnknownField   = "unknown-field"    // a column that is neither a field nor a metric
	CodeUnknownTable   = "unknown-table"    // FROM names no fact's wide table
	CodeUnknownSchema  = "unknown-database" // a qualifier that is not the project
	CodeReadOnly       = "read-only"        // a statement that writes
	CodeNotSupported   = "not-supported"    // SQL a metric query cannot express
	CodeBadAggregate   = "bad-aggregate"    // an aggregate that is not the metric's own
	CodeGroupBy        = "bad-group-by"     // GROUP BY that does not match the selected fields
	CodeBadOrder       = "bad-order"        // ORDER BY an output that is not selected
	CodeBadLimit       = "bad-limit"        // LIMIT/OFFSET that are not non-negative integers
	CodeBadParam       = "bad-parameter"    // a prepared statement's arguments do not fit
	CodeQuery          = "query"            // the metric query it became was rejected
	msgListFieldsHint  = "list the fields and metrics to select; DESCRIBE the table shows them"
	msgOneTableHint    = "a metric query reads one fact's wide table, whose fields already include every dimension it reaches"
	msgAggregateByName = "aggregation is defined by the metrics"
)

// Error is a problem in a SQL statement at a byte offset, reported with its
// 1-based line and column.
type Error struct {
	Offset int    `json:"offset"`
	Line   int    `json:"line"`
	Col    int    `json:"col"`
	Code   string `json:"code"`
	Msg    string `json:"message"`
}

func (e *Error) Error() string { return fmt.Sprintf("line %d:%d: %s", e.Line, e.Col, e.Msg) }

// Caret renders the line of sql the error points into, with a caret under the
// offending character.
func (e *Error) Caret(sql string) string {
	lines := strings.Split(sql, "\n")
	if e.Line < 1 || e.Line > len(lines) {
		return ""
	}
	l := lines[e.Line-1]
	return "  " + l + "\n  " + strings.Repeat(" ", min(max(e.Col-1, 0), len(l))) + "^\n"
}

// errAt builds an error at a byte offset of sql.
func errAt(sql string, off int, code, format string, args ...any) *Error {
	off = max(0, min(off, len(sql)))
	line, col := lineCol(sql, off)
	return &Error{Offset: off, Line: line, Col: col, Code: code, Msg: fmt.Sprintf(format, args...)}
}

func lineCol(text string, off int) (int, int) {
	line := 1 + strings.Count(text[:off], "\n")
	start := strings.LastIndexByte(text[:off], '\n') + 1
	return line, off - start + 1
}

var tidbPosRe = regexp.MustCompile(`line (\d+) column (\d+) near "((?s).*)"`)

// syntaxError turns the TiDB parser's message into a position. The parser's
// column points just past the token it choked on; the error points at the
// token's start.
func syntaxError(sql string, err error) *Error {
	m := tidbPosRe.FindStringSubmatch(err.Error())
	if m == nil {
		return errAt(sql, 0, CodeSyntax, "not a valid SQL statement")
	}
	line, _ := strconv.Atoi(m[1])
	col, _ := strconv.Atoi(m[2])
	off := 0
	for l := 1; l < line; l++ {
		i := strings.IndexByte(sql[off:], '\n')
		if i < 0 {
			break
		}
		off += i + 1
	}
	off = min(off+col, len(sql))
	near := strings.TrimSpace(m[3])
	tok := firstToken(near)
	if tok == "" || strings.TrimSpace(sql[min(off, len(sql)):]) == "" && !strings.HasPrefix(strings.TrimSpace(sql[max(0, off-len(tok)):]), tok) {
		return errAt(sql, len(strings.TrimRight(sql, " \t\n;")), CodeSyntax, "unexpected end of the statement")
	}
	if i := strings.Index(sql[max(0, off-len(near)-1):], near); i >= 0 {
		off = max(0, off-len(near)-1) + i
	} else if j := strings.LastIndex(sql[:off], tok); j >= 0 {
		off = j
	}
	return errAt(sql, off, CodeSyntax, "syntax error near %q", tok)
}

func firstToken(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.IndexAny(s, " \t\n,()"); i > 0 {
		return s[:i]
	}
	return s
}

// keywordAt finds the offset of a keyword (case-insensitive, outside quotes and
// as a whole word) at or after from; -1 if absent. The parser records no
// position for clauses such as GROUP BY and for table names, so errors about
// them are located this way.
func keywordAt(sql string, from int, word string) int {
	word = strings.ToLower(word)
	var quote byte
	lower := strings.ToLower(sql)
	for i := max(from, 0); i < len(sql); i++ {
		c := sql[i]
		if quote != 0 {
			if c == '\\' && quote != '`' {
				i++
			} else if c == quote {
				quote = 0
			}
			continue
		}
		if c == '\'' || c == '"' || c == '`' {
			if strings.HasPrefix(lower[i+1:], word+string(c)) {
				return i
			}
			quote = c
			continue
		}
		if strings.HasPrefix(lower[i:], word) && (i == 0 || !isIdent(lower[i-1])) && (i+len(word) == len(lower) || !isIdent(lower[i+len(word)])) {
			return i
		}
	}
	return -1
}

func isIdent(c byte) bool {
	return c == '_' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9'
}
