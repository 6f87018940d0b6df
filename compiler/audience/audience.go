package audience

import (
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/pingcap/tidb/pkg/parser/ast"
	"github.com/pingcap/tidb/pkg/parser/opcode"
	"github.com/pingcap/tidb/pkg/parser/test_driver"

	"github.com/strata-metrics/strata/compiler/expr"
	"github.com/strata-metrics/strata/compiler/logical"
	"github.com/strata-metrics/strata/compiler/plan"
	"github.com/strata-metrics/strata/model"
)

// Limits on an audience expression. Expressions arrive over HTTP; these keep
// parsing, checking and evaluation bounded whatever is sent.
const (
	MaxLength = 8192 // bytes of text
	MaxDepth  = 32   // nesting of AND/OR/NOT/parentheses and of predicate syntax
	MaxLeaves = 256  // tag sets and predicates
)

// Error is a problem at a byte offset of the audience expression.
type Error struct {
	Offset int
	Code   string
	Msg    string
}

func (e *Error) Error() string { return e.Msg }

// Node is a node of a compiled audience: And, Or, Not, *TagSet or *Predicate.
type Node interface{ node() }

// And holds the entities in every term.
type And struct{ Terms []Node }

// Or holds the entities in any term.
type Or struct{ Terms []Node }

// Not holds the population's entities that are not in X.
type Not struct{ X Node }

// TagSet is a leaf read from a materialized tag: the whole tag (boolean tags)
// or the union of some of its values (categorical tags).
type TagSet struct {
	Tag    *model.Tag
	Values []string // nil for a boolean tag
	Offset int
}

// Predicate is a leaf evaluated in the engine: a boolean expression over the
// entity table's fields, with column references qualified. It holds for the
// entities where it is TRUE.
type Predicate struct {
	Expr   ast.ExprNode
	Text   string // as written, for messages
	Offset int
	Index  int // its place in Audience.Predicates
}

func (And) node()        {}
func (Or) node()         {}
func (Not) node()        {}
func (*TagSet) node()    {}
func (*Predicate) node() {}

// Audience is a compiled audience expression.
type Audience struct {
	Text       string
	Root       Node
	Scope      *Scope
	Tags       []*model.Tag // the tags it reads, in first-use order
	Predicates []*Predicate
}

// IsCategorical reports whether a tag has one set per value.
func IsCategorical(t *model.Tag) bool { return t.Value.Value != "" }

// Compile parses and checks an audience expression. entity, when not empty,
// fixes the audience's entity (to combine several audiences); otherwise it is
// the entity of the tags used, or of the fields when no tag is used.
func Compile(cat *logical.Catalog, text, entity string) (*Audience, *Error) {
	if len(text) > MaxLength {
		return nil, &Error{Offset: MaxLength, Code: "audience-too-long", Msg: fmt.Sprintf("the audience expression is %d bytes; the limit is %d", len(text), MaxLength)}
	}
	if strings.TrimSpace(text) == "" {
		return nil, &Error{Code: "audience-empty", Msg: "the audience expression is empty; name a tag, for example \"high_value AND NOT segment = 'staff'\""}
	}
	n, perr := expr.Parse(text)
	if perr != nil {
		return nil, &Error{Offset: perr.Offset, Code: perr.Code, Msg: perr.Msg}
	}
	if d, deep := depth(n); d > MaxDepth {
		return nil, &Error{Offset: max(expr.NodeOffset(deep), 0), Code: "audience-too-deep", Msg: fmt.Sprintf("the audience expression nests %d levels deep; the limit is %d", d, MaxDepth)}
	}
	c := &compiler{cat: cat, tags: map[string]*model.Tag{}, used: map[string]bool{}}
	for _, t := range cat.Project.Tags {
		c.tags[t.Name] = t
		c.tagNames = append(c.tagNames, t.Name)
	}
	sort.Strings(c.tagNames)
	a := &Audience{Text: text}
	root, err := c.build(n, a)
	if err != nil {
		return nil, err
	}
	a.Root = root
	if c.leaves > MaxLeaves {
		return nil, &Error{Code: "audience-too-long", Msg: fmt.Sprintf("the audience expression has %d tags and predicates; the limit is %d", c.leaves, MaxLeaves)}
	}
	if err := c.entity(a, entity); err != nil {
		return nil, err
	}
	return a, nil
}

type compiler struct {
	cat      *logical.Catalog
	tags     map[string]*model.Tag
	tagNames []string
	used     map[string]bool
	leaves   int
	preds    []predField // each predicate's first field, to check the entity
}

type predField struct {
	field  *logical.Field
	offset int
}

func (c *compiler) build(n ast.ExprNode, a *Audience) (Node, *Error) {
	switch x := n.(type) {
	case *ast.ParenthesesExpr:
		return c.build(x.Expr, a)
	case *ast.BinaryOperationExpr:
		switch x.Op {
		case opcode.LogicAnd, opcode.LogicOr:
			l, err := c.build(x.L, a)
			if err != nil {
				return nil, err
			}
			r, err := c.build(x.R, a)
			if err != nil {
				return nil, err
			}
			if x.Op == opcode.LogicAnd {
				return And{Terms: append(andTerms(l), andTerms(r)...)}, nil
			}
			return Or{Terms: append(orTerms(l), orTerms(r)...)}, nil
		case opcode.EQ:
			if t, v, ok := c.tagCompare(x.L, x.R); ok {
				return c.tagValues(t, []ast.ExprNode{v}, x, a)
			}
			if t, v, ok := c.tagCompare(x.R, x.L); ok {
				return c.tagValues(t, []ast.ExprNode{v}, x, a)
			}
		case opcode.NE:
			if t, _, ok := c.tagCompare(x.L, x.R); ok {
				return nil, c.errAt(x, "audience-tag-operator", "write NOT %s = … rather than !=: NOT keeps the entities without a %s value, != would not", t.Name, t.Name)
			}
		}
	case *ast.UnaryOperationExpr:
		if x.Op == opcode.Not || x.Op == opcode.Not2 {
			inner, err := c.build(x.V, a)
			if err != nil {
				return nil, err
			}
			return Not{X: inner}, nil
		}
	case *ast.PatternInExpr:
		if t, ok := c.bareTag(x.Expr); ok && x.Sel == nil {
			set, err := c.tagValues(t, x.List, x, a)
			if err != nil || !x.Not {
				return set, err
			}
			return Not{X: set}, nil
		}
	case *ast.ColumnNameExpr:
		if x.Name.Table.O == "" {
			t, ok := c.tags[x.Name.Name.O]
			if !ok {
				return nil, c.unknownTag(x)
			}
			if IsCategorical(t) {
				return nil, c.errAt(x, "audience-categorical-tag", "tag %s is categorical (one set per value of %s); write %s = 'value' or %s IN ('a', 'b')", t.Name, t.Value.Value, t.Name, t.Name)
			}
			return c.leaf(&TagSet{Tag: t, Offset: max(expr.NodeOffset(x), 0)}, a), nil
		}
	}
	return c.predicate(n, a)
}

func andTerms(n Node) []Node {
	if x, ok := n.(And); ok {
		return x.Terms
	}
	return []Node{n}
}

func orTerms(n Node) []Node {
	if x, ok := n.(Or); ok {
		return x.Terms
	}
	return []Node{n}
}

func (c *compiler) leaf(n Node, a *Audience) Node {
	c.leaves++
	if ts, ok := n.(*TagSet); ok && !c.used[ts.Tag.Name] {
		c.used[ts.Tag.Name] = true
		a.Tags = append(a.Tags, ts.Tag)
	}
	return n
}

func (c *compiler) errAt(n ast.Node, code, format string, args ...any) *Error {
	return &Error{Offset: max(expr.NodeOffset(n), 0), Code: code, Msg: fmt.Sprintf(format, args...)}
}

func (c *compiler) bareTag(n ast.ExprNode) (*model.Tag, bool) {
	col, ok := n.(*ast.ColumnNameExpr)
	if !ok || col.Name.Table.O != "" {
		return nil, false
	}
	t, ok := c.tags[col.Name.Name.O]
	return t, ok
}

// tagCompare recognises `tag = literal`.
func (c *compiler) tagCompare(l, r ast.ExprNode) (*model.Tag, ast.ExprNode, bool) {
	t, ok := c.bareTag(l)
	if !ok {
		return nil, nil, false
	}
	return t, r, true
}

func (c *compiler) tagValues(t *model.Tag, list []ast.ExprNode, at ast.Node, a *Audience) (Node, *Error) {
	if !IsCategorical(t) {
		return nil, c.errAt(at, "audience-boolean-tag", "tag %s is not categorical; use it on its own: %s, or NOT %s", t.Name, t.Name, t.Name)
	}
	values := make([]string, 0, len(list))
	for _, v := range list {
		s, ok := literal(v)
		if !ok {
			return nil, c.errAt(v, "audience-tag-value", "a value of tag %s must be a literal such as 'mass'", t.Name)
		}
		values = append(values, s)
	}
	return c.leaf(&TagSet{Tag: t, Values: values, Offset: max(expr.NodeOffset(at), 0)}, a), nil
}

// literal reads a string or number literal as the text a categorical tag's
// value is stored under.
func literal(n ast.ExprNode) (string, bool) {
	v, ok := n.(*test_driver.ValueExpr)
	if !ok {
		return "", false
	}
	d := v.Datum
	switch d.Kind() {
	case test_driver.KindString, test_driver.KindBytes:
		return d.GetString(), true
	case test_driver.KindInt64:
		return strconv.FormatInt(d.GetInt64(), 10), true
	case test_driver.KindUint64:
		return strconv.FormatUint(d.GetUint64(), 10), true
	case test_driver.KindMysqlDecimal:
		return d.GetMysqlDecimal().String(), true
	}
	return "", false
}

func (c *compiler) unknownTag(x *ast.ColumnNameExpr) *Error {
	name := x.Name.Name.O
	msg := fmt.Sprintf("unknown tag %q", name)
	if s := model.DidYouMean(name, c.tagNames); s != "" {
		msg += s
	} else if q, err := c.cat.Resolve(name); err == nil {
		msg += fmt.Sprintf("; %s is a field: compare it, for example %s = …", q, q)
	} else if len(c.tagNames) > 0 {
		msg += " (tags: " + strings.Join(c.tagNames, ", ") + ")"
	}
	return c.errAt(x, "unknown-tag", "%s", msg)
}

// predicate checks a leaf that is not a tag: a boolean expression over fields.
func (c *compiler) predicate(n ast.ExprNode, a *Audience) (Node, *Error) {
	if errs := expr.Check(n, "an audience"); len(errs) > 0 {
		return nil, &Error{Offset: errs[0].Offset, Code: errs[0].Code, Msg: errs[0].Msg}
	}
	var first *logical.Field
	firstOff := 0
	for _, col := range expr.Columns(n) {
		off := max(expr.NodeOffset(col), 0)
		name := expr.Name(col.Name)
		if col.Name.Table.O == "" {
			if t, ok := c.tags[name]; ok {
				return nil, &Error{Offset: off, Code: "audience-tag-operator", Msg: fmt.Sprintf("tag %s can only be combined with AND, OR and NOT (or compared with = and IN when categorical)", t.Name)}
			}
		}
		q, rerr := c.cat.Resolve(name)
		if rerr != nil {
			msg := rerr.Msg
			if col.Name.Table.O == "" {
				return nil, c.unknownTag(col)
			}
			return nil, &Error{Offset: off, Code: rerr.Code, Msg: msg}
		}
		logical.SetQualified(col.Name, q)
		if first == nil {
			first, firstOff = c.cat.AnyField(q), off
		}
	}
	if first == nil {
		return nil, c.errAt(n, "audience-constant", "this part of the audience reads no tag and no field")
	}
	typ := logical.InferType(n, func(col *ast.ColumnName) model.Type {
		if f := c.cat.AnyField(col.Table.O + "." + col.Name.O); f != nil {
			return f.Type
		}
		return model.Type{}
	})
	if typ.Base != "" && typ.Base != "boolean" {
		return nil, c.errAt(n, "audience-not-boolean", "this part of the audience is a %s, not a condition; compare it, for example %s > …", typ.String(), plan.ExprString(n))
	}
	p := &Predicate{Expr: n, Text: plan.ExprString(n), Offset: max(expr.NodeOffset(n), 0), Index: len(a.Predicates)}
	a.Predicates = append(a.Predicates, p)
	c.preds = append(c.preds, predField{field: first, offset: firstOff})
	return c.leaf(p, a), nil
}

// entity settles the audience's entity and checks every predicate reads only
// fields of the entity table itself.
func (c *compiler) entity(a *Audience, want string) *Error {
	for _, t := range a.Tags {
		switch {
		case want == "":
			want = t.Entity.Value
		case t.Entity.Value != want:
			return &Error{Code: "audience-entities", Msg: fmt.Sprintf("tag %s is a set of %s, not of %s: an audience holds one kind of entity", t.Name, t.Entity.Value, want)}
		}
	}
	if want == "" {
		// Predicates alone: the entity the project's tags share, else the
		// table of the first field.
		entities := map[string]bool{}
		for _, t := range c.cat.Project.Tags {
			entities[t.Entity.Value] = true
		}
		for e := range entities {
			if len(entities) == 1 {
				want = e
			}
		}
		if want == "" && len(c.preds) > 0 {
			want = c.preds[0].field.Alias
		}
	}
	s, err := EntityScope(c.cat, want)
	if err != nil {
		return &Error{Code: "audience-entity", Msg: err.Error()}
	}
	a.Scope = s
	for _, p := range a.Predicates {
		for _, col := range expr.Columns(p.Expr) {
			q := col.Name.Table.O + "." + col.Name.Name.O
			f := s.Field(q)
			if f == nil || !s.Own(f) {
				return &Error{Offset: max(expr.NodeOffset(col), 0), Code: "audience-foreign-field",
					Msg: fmt.Sprintf("field %s belongs to %s, not to %s, the audience's entity: an audience predicate reads fields of %s only (define a tag for it)", q, strings.SplitN(q, ".", 2)[0], s.Entity.Name, s.Entity.Name)}
			}
		}
	}
	return nil
}

// depth measures the nesting of an expression and names its deepest node.
func depth(n ast.Node) (int, ast.Node) {
	v := &depthVisitor{}
	n.Accept(v)
	return v.max, v.deep
}

type depthVisitor struct {
	cur, max int
	deep     ast.Node
	stack    []ast.Node
	counted  []bool
}

// Enter counts a level for every node except the links of a chain of one
// operator: a AND b AND c is one level, however long.
func (v *depthVisitor) Enter(n ast.Node) (ast.Node, bool) {
	count := true
	if b, ok := n.(*ast.BinaryOperationExpr); ok && len(v.stack) > 0 {
		if p, ok := v.stack[len(v.stack)-1].(*ast.BinaryOperationExpr); ok && p.Op == b.Op {
			count = false
		}
	}
	v.stack = append(v.stack, n)
	v.counted = append(v.counted, count)
	if count {
		v.cur++
	}
	if v.cur > v.max {
		v.max, v.deep = v.cur, n
	}
	return n, false
}

func (v *depthVisitor) Leave(n ast.Node) (ast.Node, bool) {
	if v.counted[len(v.counted)-1] {
		v.cur--
	}
	v.stack, v.counted = v.stack[:len(v.stack)-1], v.counted[:len(v.counted)-1]
	return n, true
}
