package model

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/goccy/go-yaml/ast"
	"github.com/goccy/go-yaml/token"
)

// decoder walks goccy/go-yaml's AST directly rather than unmarshalling into
// structs: every value keeps its position, unknown keys are caught with a
// suggestion, and one bad value does not hide the next.
type decoder struct {
	file    string
	src     []byte
	diags   *Diagnostics
	anchors map[string]ast.Node
	lines   []int // byte offsets of line starts, built on first use

	// aliases counts alias expansions against MaxAliases; once over, stopped
	// is set, one diagnostic says why, and the rest of the file is skipped.
	aliases int
	stopped bool
	// open holds the mappings being decoded, innermost last: an alias or a
	// merge key that leads back into one of them is a cycle.
	open     []ast.Node
	anchorAt map[string]Pos
}

func (d *decoder) pos(n ast.Node) Pos {
	if n == nil {
		return Pos{File: d.file}
	}
	// A block mapping's token is the ':' after its first key; point at the key.
	switch x := n.(type) {
	case *ast.MappingNode:
		if !x.IsFlowStyle && len(x.Values) > 0 {
			return d.pos(x.Values[0].Key)
		}
	case *ast.MappingValueNode:
		return d.pos(x.Key)
	}
	tk := n.GetToken()
	if tk == nil || tk.Position == nil {
		return Pos{File: d.file}
	}
	return Pos{File: d.file, Line: tk.Position.Line, Col: tk.Position.Column}
}

func (d *decoder) add(diag *Diagnostic) {
	if !d.stopped {
		d.diags.Add(diag)
	}
}

// resolve strips anchors and tags and follows aliases, within the alias budget.
func (d *decoder) resolve(n ast.Node) ast.Node {
	if d.stopped {
		return &ast.NullNode{}
	}
	for i := 0; i < 16; i++ {
		switch x := n.(type) {
		case *ast.AnchorNode:
			if d.anchors == nil {
				d.anchors = map[string]ast.Node{}
			}
			d.anchors[x.Name.String()] = x.Value
			if d.anchorAt == nil {
				d.anchorAt = map[string]Pos{}
			}
			d.anchorAt[x.Name.String()] = d.pos(x)
			n = x.Value
		case *ast.TagNode:
			n = x.Value
		case *ast.AliasNode:
			if v, ok := d.anchors[x.Value.String()]; ok {
				if d.aliases++; d.aliases > MaxAliases {
					d.add(ErrAliasBudget(d.pos(x), MaxAliases))
					d.stopped = true
					return &ast.NullNode{}
				}
				n = v
			} else {
				return n
			}
		default:
			return n
		}
	}
	return n
}

func kindOf(n ast.Node) string {
	switch n.(type) {
	case *ast.MappingNode, *ast.MappingValueNode:
		return "a mapping"
	case *ast.SequenceNode:
		return "a list"
	case *ast.NullNode, nil:
		return "empty"
	case *ast.IntegerNode, *ast.FloatNode:
		return "a number"
	case *ast.BoolNode:
		return "a boolean"
	}
	return "a string"
}

// entries returns a mapping's key/value pairs; a single `k: v` parses as a
// MappingValueNode, which is a one-entry mapping.
func (d *decoder) entries(n ast.Node, where string) ([]*ast.MappingValueNode, bool) {
	switch x := d.resolve(n).(type) {
	case *ast.MappingNode:
		return x.Values, true
	case *ast.MappingValueNode:
		return []*ast.MappingValueNode{x}, true
	case *ast.NullNode:
		return nil, true
	default:
		d.add(ErrWrongShape(d.pos(n), where, "a mapping", kindOf(x)))
		return nil, false
	}
}

type handlers map[string]func(v ast.Node)

// mapping dispatches each key of a mapping to its handler, in document order.
// Unknown and duplicate keys are reported; required keys that are missing too.
func (d *decoder) mapping(n ast.Node, where string, hs handlers, required ...string) bool {
	return d.mappingInto(n, where, hs, map[string]bool{}, required...)
}

// mappingInto is mapping, recording each key it decodes in given, which a
// merge key (<<) shares with the mapping it merges into: a key the merged
// mapping gives counts as given there too.
func (d *decoder) mappingInto(n ast.Node, where string, hs handlers, given map[string]bool, required ...string) bool {
	target := d.resolve(n)
	for _, o := range d.open {
		if o == target {
			name := ""
			if a, ok := n.(*ast.AliasNode); ok {
				name = a.Value.String()
			}
			d.add(ErrAliasCycle(d.pos(n), name, d.anchorAt[name]))
			return false
		}
	}
	if len(d.open) >= MaxDepth {
		d.add(ErrTooDeep(d.pos(n), MaxDepth))
		return false
	}
	d.open = append(d.open, target)
	defer func() { d.open = d.open[:len(d.open)-1] }()
	vals, ok := d.entries(target, where)
	if !ok {
		return false
	}
	known := SortedKeys(hs)
	seen := map[string]Pos{}
	suggested := map[string]bool{}
	for _, mv := range vals {
		key := mv.Key.String()
		kp := d.pos(mv.Key)
		if key == "<<" { // merge key: decode the merged mapping's keys as ours
			d.mappingInto(mv.Value, where, hs, given)
			continue
		}
		if first, dup := seen[key]; dup {
			d.add(ErrDuplicateKey(kp, key, first))
			continue
		}
		seen[key] = kp
		given[key] = true
		h, ok := hs[key]
		if !ok {
			d.add(ErrUnknownKey(kp, key, where, known))
			suggested[Suggest(key, known)] = true
			continue
		}
		h(mv.Value)
	}
	for _, r := range required {
		// A misspelt required key is reported once, as unknown with a suggestion.
		if !given[r] && !suggested[r] {
			d.add(ErrMissing(d.pos(n), r, where))
		}
	}
	return true
}

// list returns a sequence's items; a scalar is read as a one-item list when
// scalarOK, which lets `primary_key: id` stand for `primary_key: [id]`.
func (d *decoder) list(n ast.Node, key string, scalarOK bool) []ast.Node {
	switch x := d.resolve(n).(type) {
	case *ast.SequenceNode:
		return x.Values
	case *ast.NullNode:
		return nil
	case *ast.MappingNode, *ast.MappingValueNode:
		d.add(ErrWrongShape(d.pos(n), key, "a list", "a mapping"))
		return nil
	default:
		if scalarOK {
			return []ast.Node{x}
		}
		d.add(ErrWrongShape(d.pos(n), key, "a list", kindOf(x)))
		return nil
	}
}

// str reads a scalar as a string.
func (d *decoder) str(n ast.Node, key string) (Str, bool) {
	n = d.resolve(n)
	switch x := n.(type) {
	case *ast.StringNode:
		return Str{Value: x.Value, Pos: d.valuePos(x)}, true
	case *ast.LiteralNode:
		return Str{Value: strings.TrimRight(x.Value.Value, "\n"), Pos: d.pos(x)}, true
	case *ast.IntegerNode, *ast.FloatNode, *ast.BoolNode:
		return Str{Value: x.GetToken().Value, Pos: d.pos(x)}, true
	case *ast.NullNode:
		d.add(ErrWrongShape(d.pos(n), key, "a string", "empty"))
	default:
		d.add(ErrWrongShape(d.pos(n), key, "a string", kindOf(n)))
	}
	return Str{Pos: d.pos(n)}, false
}

// valuePos is where the characters of a string value start: after an opening quote.
func (d *decoder) valuePos(x *ast.StringNode) Pos {
	p := d.pos(x)
	if tk := x.GetToken(); tk != nil && (tk.Type == token.SingleQuoteType || tk.Type == token.DoubleQuoteType) {
		p.Col++
	}
	return p
}

func (d *decoder) int(n ast.Node, key string) (int, Pos, bool) {
	n = d.resolve(n)
	p := d.pos(n)
	if x, ok := n.(*ast.IntegerNode); ok {
		if v, err := strconv.Atoi(x.GetToken().Value); err == nil {
			return v, p, true
		}
	}
	d.add(ErrWrongShape(p, key, "an integer", kindOf(n)))
	return 0, p, false
}

func (d *decoder) float(n ast.Node, key string) (float64, bool) {
	n = d.resolve(n)
	switch n.(type) {
	case *ast.IntegerNode, *ast.FloatNode:
		if v, err := strconv.ParseFloat(strings.ReplaceAll(n.GetToken().Value, "_", ""), 64); err == nil {
			return v, true
		}
	}
	d.add(ErrWrongShape(d.pos(n), key, "a number", kindOf(n)))
	return 0, false
}

// expr reads an expression string and remembers how it maps onto the file.
func (d *decoder) expr(n ast.Node, key string) Expr {
	n = d.resolve(n)
	if lit, ok := n.(*ast.LiteralNode); ok {
		p := d.pos(lit)
		line := p.Line + 1
		e := Expr{Text: strings.TrimRight(lit.Value.Value, "\n"), Pos: Pos{File: d.file, Line: line, Col: d.indentOf(line) + 1}, Block: true}
		e.where = d.align(Pos{Line: line, Col: 1}, e.Text)
		return e
	}
	s, ok := d.str(n, key)
	if !ok {
		return Expr{}
	}
	if s.Value == "" {
		d.add(ErrInvalid(s.Pos, key, "the expression is empty"))
	}
	return Expr{Text: s.Value, Pos: s.Pos, where: d.align(s.Pos, s.Value)}
}

// align finds the file position of each byte of a scalar's value, reading the
// source from start (where the value's first character, or its block's first
// line, is). Each byte of text is matched to the next equal source byte, and
// what YAML drops on the way — indentation, line breaks folded into a space,
// quotes doubled or escaped, backslashes — is skipped. A byte that an escape
// produced (\n, \t) takes the escape's place.
func (d *decoder) align(start Pos, text string) *[]Pos {
	lines := d.lineStarts()
	if start.Line < 1 || start.Line > len(lines) {
		return nil
	}
	j := lines[start.Line-1]
	for c := 1; c < start.Col && j < len(d.src) && d.src[j] != '\n'; c++ {
		_, size := utf8.DecodeRune(d.src[j:])
		j += size
	}
	at := make([]int, len(text)+1)
	for i := 0; i < len(text); i++ {
		for j < len(d.src) && d.src[j] != text[i] && !(text[i] == ' ' && d.src[j] == '\n') &&
			strings.IndexByte(" \t\r\n'\"\\", d.src[j]) >= 0 {
			j++
		}
		at[i] = j
		j = min(j+1, len(d.src))
	}
	at[len(text)] = j
	out := make([]Pos, len(at))
	for i, off := range at {
		l := sort.Search(len(lines), func(k int) bool { return lines[k] > off })
		out[i] = Pos{File: d.file, Line: l, Col: utf8.RuneCount(d.src[lines[l-1]:off]) + 1}
	}
	return &out
}

// lineStarts lists the byte offset at which each line of the source begins.
func (d *decoder) lineStarts() []int {
	if d.lines == nil {
		d.lines = []int{0}
		for i, c := range d.src {
			if c == '\n' {
				d.lines = append(d.lines, i+1)
			}
		}
	}
	return d.lines
}

func (d *decoder) indentOf(line int) int {
	lines := strings.Split(string(d.src), "\n")
	if line < 1 || line > len(lines) {
		return 0
	}
	l := lines[line-1]
	return len(l) - len(strings.TrimLeft(l, " "))
}

// oneOf reads a string that must be one of allowed.
func (d *decoder) oneOf(n ast.Node, key string, allowed []string) Str {
	s, ok := d.str(n, key)
	if !ok {
		return s
	}
	for _, a := range allowed {
		if s.Value == a {
			return s
		}
	}
	d.add(ErrBadValue(s.Pos, key, s.Value, allowed))
	return Str{Pos: s.Pos}
}

func (d *decoder) period(n ast.Node, key string) Period {
	s, ok := d.str(n, key)
	if !ok {
		return Period{}
	}
	p, err := ParsePeriod(s.Value)
	if err != nil {
		d.add(ErrInvalid(s.Pos, key, err.Error()))
		return Period{}
	}
	p.Pos = s.Pos
	return p
}

// ParsePeriod reads "1 month", "7 days", "2 quarters", "1h", "30d".
func ParsePeriod(s string) (Period, error) {
	t := strings.TrimSpace(strings.ToLower(s))
	i := 0
	for i < len(t) && t[i] >= '0' && t[i] <= '9' {
		i++
	}
	if i == 0 {
		return Period{}, fmt.Errorf("%q is not a period; write a count and a unit, e.g. \"1 month\" or \"7 days\"", s)
	}
	n, err := strconv.Atoi(t[:i])
	if err != nil {
		return Period{}, fmt.Errorf("%q: the count %s is too large", s, t[:i])
	}
	unit := strings.TrimSpace(t[i:])
	short := map[string]string{"h": "hour", "d": "day", "w": "week", "m": "month", "q": "quarter", "y": "year", "mo": "month"}
	if u, ok := short[unit]; ok {
		unit = u
	}
	unit = strings.TrimSuffix(unit, "s")
	for _, g := range Grains {
		if unit == g {
			if n <= 0 {
				return Period{}, fmt.Errorf("%q: the count must be positive", s)
			}
			return Period{N: n, Unit: unit}, nil
		}
	}
	return Period{}, fmt.Errorf("%q has an unknown unit %q (units: %s)%s", s, unit, strings.Join(Grains, ", "), DidYouMean(unit, Grains))
}
