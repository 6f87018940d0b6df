package sqlgen

import (
	"fmt"
	"strings"

	"github.com/strata-metrics/strata/compiler/rollup"
	"github.com/strata-metrics/strata/model"
)

// Dialect is what differs between the engines' SQL. Every operation the
// writer emits is a method here, so that a dialect lacking one does not
// compile; only the spelling of the portable functions of the allow-list
// (expr.Functions) is a table, Func, because most engines share it.
type Dialect interface {
	// Name is duckdb, mysql, starrocks or doris.
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
	// Func renders a function of the allow-list when the dialect spells it
	// differently; ok is false to use the portable NAME(args) form.
	Func(name string, args []string, tz string) (sql string, ok bool)
	// Type is the dialect's name for a portable type in a CAST.
	Type(t model.Type) string
	// OrderTerm orders by sql with NULLs last in both directions.
	OrderTerm(sql string, desc bool) string
	// SortDerived reports whether a result is sorted from a derived table
	// of it, its order terms naming the derived table's columns instead of
	// the select list's aliases.
	SortDerived() bool

	Operators
	Aggregates
	Storage
}

// Operators are the expression forms whose spelling differs.
type Operators interface {
	// NullSafeEqual is true when a and b are equal or both NULL (MySQL's <=>).
	NullSafeEqual(a, b string) string
	// IntDiv divides integers, truncating (MySQL's DIV).
	IntDiv(a, b string) string
	// ILike matches pattern case-insensitively; not negates it.
	ILike(s, pattern string, not bool) string
	// DateLiteral and TimestampLiteral type a quoted string literal.
	DateLiteral(quoted string) string
	TimestampLiteral(quoted string) string
}

// Aggregates are the aggregates Strata emits besides SUM, COUNT, MIN, MAX
// and AVG, and the distinct sets that let rollups answer distinct counts.
type Aggregates interface {
	// CountDistinct counts the distinct non-NULL values of arg, exactly.
	CountDistinct(arg string) string
	// RowHash is an integer hash of the values args (NULL hashed as a value
	// of its own), whose SUM the engine computes exactly: summed over a
	// table it fingerprints the table's content (EngineTableStats).
	RowHash(args []string) string
	// ApproxCountDistinct estimates it (exactly where the engine has no sketch).
	ApproxCountDistinct(arg string) string
	// SetColumns reports whether the engine has a mergeable distinct-set type,
	// kept in one rollup column (DuckDB roaring bitmaps for integer keys and
	// lists for others, StarRocks bitmaps). Without one (MySQL) each distinct
	// count is kept as rows of distinct keys in a side table (RollupKeys) and
	// counted with CountDistinct; the Set methods then return an error and are
	// never called. key is the type of the counted values: a dialect may keep
	// integer keys in a form of their own.
	SetColumns() bool
	// SetBuild aggregates the distinct non-NULL values of arg into a set.
	SetBuild(arg string, key rollup.Key) (string, error)
	// SetUnion merges the sets in column col into one set of the same form:
	// a coarser rollup's set built from a finer rollup's.
	SetUnion(col string, key rollup.Key) (string, error)
	// SetCount merges the sets in column col and counts the union exactly;
	// single says every group reads at most one row, so no union is needed.
	SetCount(col string, key rollup.Key, single bool) (string, error)
	// SetApproxCount estimates the union's size as ApproxCountDistinct would
	// over the raw values: a sketch depends only on the set of values.
	SetApproxCount(col string, key rollup.Key, single bool) (string, error)
	// SetApproxBuild aggregates the values an approximate distinct count
	// reads into what SetApproxCount merges: a sketch where the engine keeps
	// one (StarRocks' HLL), else the exact set of SetBuild.
	SetApproxBuild(arg string, key rollup.Key) (string, error)
}

// Storage are the statements the materializer and the query service need
// besides queries: the state tables, sources and stored column types.
type Storage interface {
	// StateDDL creates the state schema and its tables when missing.
	StateDDL() []string
	// Upsert inserts one row (placeholders, in cols order) into table, or
	// updates every column but key when a row with that key exists.
	Upsert(table, key string, cols []string) string
	// FileSource is the FROM item reading a parquet or csv file in place; an
	// error when the engine cannot read files.
	FileSource(path string) (string, error)
	// NarrowType is a narrower type that holds every value of a stored sum of
	// type typ (as the engine describes it) when they fit, or "".
	NarrowType(typ string) string
	// Fits is a boolean aggregate: every value of column col fits typ.
	Fits(col, typ string) string
	// AlterColumnType changes a column's type in place.
	AlterColumnType(table, col, typ string) string
	// OLAP is how an engine with aggregate-key tables keeps rollups
	// (StarRocks, Doris: see olap.go), or nil where a rollup version is a
	// table of its own named by the state row (DuckDB, MySQL).
	OLAP() *OLAPStore
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
	return nil, fmt.Errorf("unknown SQL dialect %q (known: duckdb, mysql, starrocks, doris)", name)
}

// ForEngine is the dialect an engine type speaks, named like it.
func ForEngine(engineType string) (Dialect, error) { return Get(engineType) }

func init() {
	Register(DuckDB{})
	Register(MySQL{})
	Register(StarRocks{})
	Register(Doris{})
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

func notKw(not bool) string {
	if not {
		return "NOT "
	}
	return ""
}
