package model

import (
	"bytes"
	"fmt"
)

// Bounds on what one model file may cost to read. A model file is written by
// hand and is small; these bounds are far above any real one and exist so that
// a hostile or broken file fails fast with a clear message instead of
// exhausting the stack, memory or time.
const (
	// MaxFileBytes is the largest model file read.
	MaxFileBytes = 4 << 20
	// MaxDepth is the deepest nesting of mappings and lists in a file. The
	// YAML parser's cost grows faster than linearly with nesting, so depth is
	// checked on the bytes, before the parser sees them.
	MaxDepth = 100
	// MaxAliases is how many alias expansions one file may make. Aliases that
	// refer to lists of aliases multiply (the "billion laughs"); the budget
	// stops that after a bounded amount of work.
	MaxAliases = 10_000
)

var utf8BOM = []byte{0xEF, 0xBB, 0xBF}

// stripBOM drops a leading UTF-8 byte order mark, which some editors write and
// the YAML parser would read as part of the first key.
func stripBOM(src []byte) []byte { return bytes.TrimPrefix(src, utf8BOM) }

// checkDepth scans the source for nesting deeper than MaxDepth and returns a
// diagnostic at the first place that crosses it, or nil. It counts two kinds
// of nesting: flow collections ([ and { outside quotes and comments) and block
// indentation (each deeper indentation level, and each "- " that opens a list
// item on a line). The count is an upper bound on the parser's depth, which is
// what matters: it only has to be exact for files near the limit, and no real
// model file is.
func checkDepth(rel string, src []byte) *Diagnostic {
	var indents []int // indentation of the open block levels
	flow := 0
	line, lineStart, bol := 1, 0, true
	at := func(i int) Pos { return Pos{File: rel, Line: line, Col: i - lineStart + 1} }
	tooDeep := func(i int) *Diagnostic { return ErrTooDeep(at(i), MaxDepth) }
	for i := 0; i < len(src); {
		// Start of a line: measure indentation and list dashes (block context only).
		if bol {
			bol = false
			if flow > 0 {
				continue
			}
			j := i
			for j < len(src) && src[j] == ' ' {
				j++
			}
			if j < len(src) && src[j] != '\n' && src[j] != '\r' && src[j] != '#' {
				ind := j - i
				for len(indents) > 0 && indents[len(indents)-1] >= ind {
					indents = indents[:len(indents)-1]
				}
				indents = append(indents, ind)
				// "- - - x" opens one level per dash.
				for j+1 < len(src) && src[j] == '-' && src[j+1] == ' ' {
					j++
					for j < len(src) && src[j] == ' ' {
						j++
					}
					indents = append(indents, j-i)
				}
				if len(indents) > MaxDepth {
					return tooDeep(j)
				}
			}
			i = j
			continue
		}
		c := src[i]
		switch {
		case c == '\n':
			line++
			i++
			lineStart, bol = i, true
			continue
		case c == '#' && (i == lineStart || src[i-1] == ' ' || src[i-1] == '\t'):
			for i < len(src) && src[i] != '\n' {
				i++
			}
			continue
		case (c == '\'' || c == '"') && tokenStart(src, i, lineStart):
			i = skipQuoted(src, i, &line, &lineStart)
			continue
		case c == '[' || c == '{':
			if flow > 0 || tokenStart(src, i, lineStart) {
				flow++
				if len(indents)+flow > MaxDepth {
					return tooDeep(i)
				}
			}
		case (c == ']' || c == '}') && flow > 0:
			flow--
		}
		i++
	}
	return nil
}

// tokenStart reports whether a quote or bracket at i starts a YAML token: at
// the start of the line's content or after an indicator (: - , [ { ?).
func tokenStart(src []byte, i, lineStart int) bool {
	for j := i - 1; j >= lineStart; j-- {
		switch src[j] {
		case ' ', '\t':
			continue
		case ':', '-', ',', '[', '{', '?':
			return true
		default:
			return false
		}
	}
	return true
}

// skipQuoted returns the index after the quoted scalar opening at i, keeping
// the line count; an unterminated quote runs to the end (the parser reports it).
func skipQuoted(src []byte, i int, line, lineStart *int) int {
	q := src[i]
	for i++; i < len(src); i++ {
		switch {
		case src[i] == '\n':
			*line++
			*lineStart = i + 1
		case q == '"' && src[i] == '\\':
			i++
		case src[i] == q:
			if q == '\'' && i+1 < len(src) && src[i+1] == '\'' {
				i++ // '' is an escaped quote
				continue
			}
			return i + 1
		}
	}
	return i
}

// sizeError describes a file over MaxFileBytes.
func sizeError(rel string, size int64) *Diagnostic {
	return ErrTooLarge(Pos{File: rel}, size, MaxFileBytes)
}

func humanBytes(n int64) string {
	switch {
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d bytes", n)
}
