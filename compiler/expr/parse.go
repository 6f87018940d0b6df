package expr

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"sync"

	"github.com/pingcap/tidb/pkg/parser"
	"github.com/pingcap/tidb/pkg/parser/ast"
	_ "github.com/pingcap/tidb/pkg/parser/test_driver" // literal values in the AST

	"github.com/strata-metrics/strata/model"
)

const prefix = "SELECT "

// Error is a problem at a byte offset of the expression text.
type Error struct {
	Offset int // 0-based byte offset into the expression text
	Code   string
	Msg    string
}

func (e *Error) Error() string { return e.Msg }

// The TiDB parser is not safe for concurrent use; a pool keeps parsing cheap.
var parsers = sync.Pool{New: func() any { return parser.New() }}

var tidbPosRe = regexp.MustCompile(`line (\d+) column (\d+) near "([^"]*)"`)

// Parse parses one SQL expression. Comments, several statements and anything
// that is not a single expression are errors.
func Parse(text string) (ast.ExprNode, *Error) {
	if err := preflight(text); err != nil {
		return nil, err
	}
	if off, ok := findComment(text); ok {
		return nil, &Error{Offset: off, Code: "expr-syntax", Msg: "comments are not allowed in expressions"}
	}
	p := parsers.Get().(*parser.Parser)
	defer parsers.Put(p)
	stmts, _, err := p.Parse(prefix+text, "", "")
	if err != nil {
		return nil, syntaxError(text, err)
	}
	if len(stmts) != 1 {
		off := strings.IndexByte(text, ';')
		return nil, &Error{Offset: max(off, 0), Code: "expr-syntax", Msg: "only one expression is allowed; remove the ';' and what follows"}
	}
	sel, ok := stmts[0].(*ast.SelectStmt)
	if !ok || sel.Fields == nil || len(sel.Fields.Fields) != 1 || sel.From != nil || sel.Where != nil ||
		sel.GroupBy != nil || sel.Having != nil || sel.OrderBy != nil || sel.Limit != nil || sel.Fields.Fields[0].Expr == nil {
		return nil, &Error{Offset: 0, Code: "expr-syntax", Msg: "expected a single expression"}
	}
	f := sel.Fields.Fields[0]
	if f.AsName.L != "" {
		return nil, &Error{Offset: 0, Code: "expr-syntax", Msg: "an expression cannot carry an alias"}
	}
	if err := checkDepth(f.Expr); err != nil {
		return nil, err
	}
	return f.Expr, nil
}

// syntaxError turns the parser's message into a position and a readable text.
func syntaxError(text string, err error) *Error {
	msg := err.Error()
	m := tidbPosRe.FindStringSubmatch(msg)
	if m == nil {
		return &Error{Offset: 0, Code: "expr-syntax", Msg: "not a valid expression"}
	}
	line, _ := strconv.Atoi(m[1])
	col, _ := strconv.Atoi(m[2])
	off := lineColToOffset(prefix+text, line, col) - len(prefix)
	near := m[3]
	// The parser's column points just past the offending token; point at its start.
	if near != "" {
		if i := strings.Index(text[max(0, min(off, len(text))):], near); i == 0 {
			// already at the token
		} else if j := strings.LastIndex(text[:max(0, min(off, len(text)))], firstToken(near)); j >= 0 {
			off = j
		}
	}
	off = max(0, min(off, len(text)))
	if near == "" || strings.TrimSpace(text[off:]) == "" {
		return &Error{Offset: off, Code: "expr-syntax", Msg: "unexpected end of expression"}
	}
	return &Error{Offset: off, Code: "expr-syntax", Msg: fmt.Sprintf("unexpected %q", firstToken(near))}
}

func firstToken(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.IndexAny(s, " \t\n"); i > 0 {
		return s[:i]
	}
	return s
}

func lineColToOffset(s string, line, col int) int {
	off := 0
	for l := 1; l < line; l++ {
		i := strings.IndexByte(s[off:], '\n')
		if i < 0 {
			break
		}
		off += i + 1
	}
	return off + col
}

// findComment finds the start of a comment outside string literals.
func findComment(s string) (int, bool) {
	var quote byte
	for i := 0; i < len(s); i++ {
		c := s[i]
		if quote != 0 {
			if c == '\\' {
				i++
			} else if c == quote {
				quote = 0
			}
			continue
		}
		switch {
		case c == '\'' || c == '"' || c == '`':
			quote = c
		case c == '#':
			return i, true
		case c == '-' && i+1 < len(s) && s[i+1] == '-':
			return i, true
		case c == '/' && i+1 < len(s) && s[i+1] == '*':
			return i, true
		}
	}
	return 0, false
}

// OffsetToLineCol turns a byte offset of text into a 1-based line and column.
func OffsetToLineCol(text string, off int) (int, int) {
	off = max(0, min(off, len(text)))
	line := 1 + strings.Count(text[:off], "\n")
	start := strings.LastIndexByte(text[:off], '\n') + 1
	return line, off - start + 1
}

// PrefixLen is how far NodeOffset and Error offsets are shifted: an expression
// is parsed inside a statement opening with this many bytes. Callers that
// parse whole statements (compiler/sqlfront) add it back.
const PrefixLen = len(prefix)

// NodeOffset is the node's byte offset in the expression text, or -1.
func NodeOffset(n ast.Node) int {
	o := n.OriginTextPosition() - len(prefix)
	if o < 0 {
		return -1
	}
	return o
}

// Pos maps an offset of a model expression into its file position.
func Pos(e model.Expr, off int) model.Pos {
	if off < 0 {
		return e.Pos
	}
	line, col := OffsetToLineCol(e.Text, off)
	return e.At(line, col)
}

// ParseModel parses an expression written in a model file; the diagnostic, if
// any, points into the file.
func ParseModel(e model.Expr) (ast.ExprNode, *model.Diagnostic) {
	n, err := Parse(e.Text)
	if err != nil {
		return nil, model.ErrExprSyntax(Pos(e, err.Offset), err.Msg)
	}
	return n, nil
}
