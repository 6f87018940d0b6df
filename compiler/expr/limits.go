package expr

import (
	"fmt"
	"unicode/utf8"

	"github.com/pingcap/tidb/pkg/parser/ast"
)

// Bounds on what an expression may be. They keep a hostile or generated
// expression from costing more than a normal one: the nesting bound is checked
// on the text before the parser runs (parentheses) and on the tree after it
// (NOT chains, long operator chains), so that every walker after parsing —
// checker, type checker, renderer — recurses at most MaxDepth deep.
const (
	// MaxLength is the longest expression accepted, in bytes.
	MaxLength = 100_000
	// MaxDepth is the deepest nesting of parentheses or operators accepted.
	MaxDepth = 1000
)

// preflight rejects text that is too long, not UTF-8, or nested too deeply in
// parentheses, without parsing it.
func preflight(text string) *Error {
	if len(text) > MaxLength {
		return &Error{Offset: MaxLength, Code: "expr-too-large", Msg: fmt.Sprintf("the expression is %d bytes long; at most %d are accepted", len(text), MaxLength)}
	}
	if !utf8.ValidString(text) {
		off := 0
		for off < len(text) {
			r, n := utf8.DecodeRuneInString(text[off:])
			if r == utf8.RuneError && n <= 1 {
				break
			}
			off += n
		}
		return &Error{Offset: off, Code: "expr-syntax", Msg: "the expression is not valid UTF-8"}
	}
	var quote byte
	depth := 0
	for i := 0; i < len(text); i++ {
		c := text[i]
		if quote != 0 {
			if c == '\\' && quote != '`' {
				i++
			} else if c == quote {
				quote = 0
			}
			continue
		}
		switch c {
		case '\'', '"', '`':
			quote = c
		case '(':
			depth++
			if depth > MaxDepth {
				return tooDeep(i)
			}
		case ')':
			depth--
		}
	}
	return nil
}

func tooDeep(off int) *Error {
	return &Error{Offset: off, Code: "expr-too-deep", Msg: fmt.Sprintf("the expression nests deeper than %d levels; simplify it", MaxDepth)}
}

// checkDepth rejects a tree deeper than MaxDepth. It stops descending at the
// bound, so that it never recurses deeper than the walkers it protects.
func checkDepth(n ast.ExprNode) *Error {
	d := &depthVisitor{}
	n.Accept(d)
	if d.at != nil {
		return tooDeep(max(NodeOffset(d.at), 0))
	}
	return nil
}

type depthVisitor struct {
	depth int
	at    ast.Node
}

func (v *depthVisitor) Enter(n ast.Node) (ast.Node, bool) {
	v.depth++
	if v.depth > MaxDepth && v.at == nil {
		v.at = n
	}
	return n, v.at != nil
}

func (v *depthVisitor) Leave(n ast.Node) (ast.Node, bool) {
	v.depth--
	return n, true
}
