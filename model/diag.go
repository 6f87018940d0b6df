package model

import (
	"fmt"
	"sort"
	"strings"
)

// Severity of a diagnostic.
type Severity string

// Severities.
const (
	SevError   Severity = "error"
	SevWarning Severity = "warning"
)

// Diagnostic is one problem found in a project, at a position. Codes are stable
// and documented in errors.go, where every message is worded.
type Diagnostic struct {
	Pos      Pos      `json:"pos"`
	Severity Severity `json:"severity"`
	Code     string   `json:"code"`
	Message  string   `json:"message"`
	// Field is the field name a resolution error is about ("orders.amount"),
	// so that a later stage can tell a cascade of an earlier error from a
	// mistake of its own; "" otherwise.
	Field string `json:"-"`
}

func (d *Diagnostic) Error() string {
	if d.Pos.IsValid() {
		return d.Pos.String() + ": " + d.Message
	}
	return d.Message
}

// Diagnostics collects problems; validation gathers all of them rather than
// stopping at the first.
type Diagnostics []*Diagnostic

// Add appends a diagnostic.
func (ds *Diagnostics) Add(d *Diagnostic) { *ds = append(*ds, d) }

// HasErrors reports whether any diagnostic is an error.
func (ds Diagnostics) HasErrors() bool {
	for _, d := range ds {
		if d.Severity != SevWarning {
			return true
		}
	}
	return false
}

// Sort orders diagnostics by position, then message, and drops exact duplicates.
func (ds *Diagnostics) Sort() {
	s := *ds
	sort.SliceStable(s, func(i, j int) bool {
		if s[i].Pos != s[j].Pos {
			return s[i].Pos.Before(s[j].Pos)
		}
		return s[i].Message < s[j].Message
	})
	out := s[:0]
	for i, d := range s {
		if i > 0 && d.Pos == s[i-1].Pos && d.Message == s[i-1].Message {
			continue
		}
		out = append(out, d)
	}
	*ds = out
}

// Error joins the diagnostics one per line, so Diagnostics can be returned as an error.
func (ds Diagnostics) Error() string {
	lines := make([]string, len(ds))
	for i, d := range ds {
		lines[i] = d.Error()
	}
	return strings.Join(lines, "\n")
}

// Err returns ds as an error if it holds any error, else nil.
func (ds Diagnostics) Err() error {
	if ds.HasErrors() {
		return ds
	}
	return nil
}

// Format renders diagnostics for a terminal: `file:line:col: message`, then the
// source line and a caret under the column. At most max are shown (0: all);
// the rest are summarised as "N more".
func (ds Diagnostics) Format(sources map[string][]byte, max int) string {
	var b strings.Builder
	for i, d := range ds {
		if max > 0 && i == max {
			fmt.Fprintf(&b, "… and %d more\n", len(ds)-max)
			break
		}
		b.WriteString(d.Error())
		b.WriteByte('\n')
		if line, ok := sourceLine(sources, d.Pos); ok {
			b.WriteString("    " + line + "\n")
			b.WriteString("    " + caretPad(line, d.Pos.Col) + "^\n")
		}
	}
	return b.String()
}

func sourceLine(sources map[string][]byte, p Pos) (string, bool) {
	src, ok := sources[p.File]
	if !ok || p.Line < 1 || p.Col < 1 {
		return "", false
	}
	lines := strings.Split(string(src), "\n")
	if p.Line > len(lines) {
		return "", false
	}
	return strings.TrimRight(lines[p.Line-1], "\r"), true
}

// caretPad keeps tabs so that the caret lines up under tab-indented source.
func caretPad(line string, col int) string {
	var b strings.Builder
	for i, r := range []rune(line) {
		if i >= col-1 {
			break
		}
		if r == '\t' {
			b.WriteByte('\t')
		} else {
			b.WriteByte(' ')
		}
	}
	return b.String()
}
