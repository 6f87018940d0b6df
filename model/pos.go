package model

import (
	"fmt"
	"strings"
)

// Pos is a position in a project file. File is relative to the project root;
// Line and Col are 1-based. The zero Pos means "no position".
type Pos struct {
	File string `json:"file,omitempty"`
	Line int    `json:"line,omitempty"`
	Col  int    `json:"col,omitempty"`
}

// IsValid reports whether p points somewhere.
func (p Pos) IsValid() bool { return p.File != "" }

func (p Pos) String() string {
	switch {
	case p.File == "":
		return ""
	case p.Line == 0:
		return p.File
	default:
		return fmt.Sprintf("%s:%d:%d", p.File, p.Line, p.Col)
	}
}

// Before orders positions by file, line, column.
func (p Pos) Before(q Pos) bool {
	if p.File != q.File {
		return p.File < q.File
	}
	if p.Line != q.Line {
		return p.Line < q.Line
	}
	return p.Col < q.Col
}

// Str is a scalar string from YAML with where it was written.
type Str struct {
	Value string
	Pos   Pos
}

func (s Str) String() string { return s.Value }

// Expr is a SQL expression written inside a YAML string. It remembers how the
// string was written so that a position inside the expression (line and column
// of the expression text) maps back to the YAML file.
type Expr struct {
	Text string
	Pos  Pos // where the text's first character is
	// Block is true for block scalars (| or >): expression line n is file line
	// Pos.Line+n-1 and columns start at Pos.Col.
	Block bool
	// where, when set, holds the file position of every byte of Text (and of
	// the end). YAML unescapes ('' and \") and folds line breaks into spaces, so
	// the text is not always a verbatim copy of the file. A pointer keeps Expr
	// comparable.
	where *[]Pos
}

// IsZero reports whether no expression was written.
func (e Expr) IsZero() bool { return e.Text == "" }

// At maps a 1-based line and column inside the expression text to a file position.
func (e Expr) At(line, col int) Pos {
	if !e.Pos.IsValid() {
		return e.Pos
	}
	if e.where != nil {
		off := 0
		for l := 1; l < line; l++ {
			i := strings.IndexByte(e.Text[off:], '\n')
			if i < 0 {
				break
			}
			off += i + 1
		}
		if off += col - 1; off >= 0 && off < len(*e.where) {
			return (*e.where)[off]
		}
	}
	if line <= 1 {
		return Pos{File: e.Pos.File, Line: e.Pos.Line, Col: e.Pos.Col + col - 1}
	}
	if e.Block {
		return Pos{File: e.Pos.File, Line: e.Pos.Line + line - 1, Col: e.Pos.Col + col - 1}
	}
	return Pos{File: e.Pos.File, Line: e.Pos.Line + line - 1, Col: col}
}
