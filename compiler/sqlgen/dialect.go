package sqlgen

import (
	"fmt"
	"strings"

	"github.com/strata-metrics/strata/model"
)

// Dialect is what differs between the engines' SQL.
type Dialect interface {
	// Name is duckdb, mysql or starrocks.
	Name() string
	// QuoteIdent and QuoteString quote identifiers and string literals.
	QuoteIdent(s string) string
	QuoteString(s string) string
	// LocalTime converts a naive timestamp holding wall time in fromTZ into
	// wall time in toTZ; fromTZ "" means sql is an instant (TIMESTAMPTZ).
	LocalTime(sql, fromTZ, toTZ string) string
	// TimeGrain truncates a local date or timestamp to the first instant of its
	// period; day and coarser grains yield a DATE.
	TimeGrain(sql, grain string) string
	// Shift moves a date or timestamp forward by a calendar period.
	Shift(sql string, p model.Period) string
	// Func renders a function of the allow-list (and the aggregates Strata
	// emits) when the dialect spells it differently; ok is false to use the
	// portable name(args) form.
	Func(name string, args []string, tz string) (sql string, ok bool)
	// Type is the dialect's name for a portable type.
	Type(t model.Type) string
	// OrderTerm orders by sql with NULLs last in both directions.
	OrderTerm(sql string, desc bool) string
}

var dialects = map[string]Dialect{}

// Register adds a dialect; registering a name twice is a programming error.
func Register(d Dialect) {
	if _, dup := dialects[d.Name()]; dup {
		panic("sqlgen: dialect registered twice: " + d.Name())
	}
	dialects[d.Name()] = d
}

// Get returns the named dialect.
func Get(name string) (Dialect, error) {
	if d, ok := dialects[name]; ok {
		return d, nil
	}
	return nil, fmt.Errorf("unknown SQL dialect %q (known: duckdb, mysql, starrocks)", name)
}

func init() {
	Register(DuckDB{})
	Register(MySQL{})
	Register(StarRocks{})
}

func quoteWith(s string, q byte) string {
	return string(q) + strings.ReplaceAll(s, string(q), string(q)+string(q)) + string(q)
}

func call(name string, args []string) string {
	return name + "(" + strings.Join(args, ", ") + ")"
}

// isControl reports the characters a literal never holds raw in SQL text.
func isControl(r rune) bool { return r < 0x20 || r == 0x7f }

func hasControl(s string) bool {
	for _, r := range s {
		if isControl(r) {
			return true
		}
	}
	return false
}
