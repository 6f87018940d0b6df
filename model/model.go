package model

import "time"

// Project is a loaded, checked Strata project: the settings of strata.yaml and
// every model file merged into one model.
type Project struct {
	Dir       string // absolute project root
	Version   int
	Name      string
	Timezone  string
	Location  *time.Location
	Engine    EngineConfig
	Freshness time.Duration // default staleness tolerance of queries (0: any)
	Models    []string
	API       APIConfig

	Tables        []*Table
	Relationships []*Relationship
	Dimensions    []*Dimension
	Metrics       []*Metric
	Rollups       []*Rollup
	Tags          []*Tag

	// Sources holds every file read, by its path relative to Dir, so that
	// diagnostics can show the offending line.
	Sources map[string][]byte

	tables  map[string]*Table
	metrics map[string]*Metric
}

// EngineConfig selects and configures the execution engine.
type EngineConfig struct {
	Type    string // duckdb | starrocks | mysql
	Path    string // duckdb: the warehouse file, relative to the project
	DSN     string // mysql-protocol engines; ${VAR} is expanded from the environment (ExpandDSN)
	Threads int
	Pos     Pos
	// MySQL-protocol engines: the pool's size (0: the engine's default), the
	// longest a statement may run (0: no limit), and a PEM file of the CAs
	// that sign the server's certificate (TLS required when set).
	MaxConnections int
	QueryTimeout   time.Duration
	TLSCA          string
	DSNPos         Pos
}

// Table kinds.
const (
	KindFact      = "fact"
	KindDimension = "dimension"
)

// Table is a physical table of the ER model.
type Table struct {
	Name        string
	Pos         Pos
	Kind        string
	Description string
	Source      Str // a file (parquet, csv) relative to the project, or an engine table
	PrimaryKey  []Str
	Time        Str // a fact's default time column
	Timezone    string
	Columns     []*Column

	columns map[string]*Column
}

// Column returns the named column or nil.
func (t *Table) Column(name string) *Column { return t.columns[name] }

// Column is a physical column.
type Column struct {
	Name        string
	Pos         Pos
	Type        Type
	Description string
}

// Cardinalities of relationships.
const (
	ManyToOne  = "many_to_one"
	OneToOne   = "one_to_one"
	OneToMany  = "one_to_many"
	ManyToMany = "many_to_many"
)

// Relationship links a column of one table to a column of another.
type Relationship struct {
	Pos         Pos
	From        FieldRef
	To          FieldRef
	Cardinality string
	As          Str // role name; its fields are named role.column
}

// FieldRef is a table.column reference as written.
type FieldRef struct {
	Table  string
	Column string
	Pos    Pos
}

func (f FieldRef) String() string { return f.Table + "." + f.Column }

// Dimension is a computed field attached to a table: `table.name` = expr.
type Dimension struct {
	Name        string // qualified: table.name
	Table       string
	Field       string
	Pos         Pos
	Label       string
	Description string
	Expr        Expr
	Type        Type // declared, optional; inferred by the compiler otherwise
}

// Metric aggregations.
const (
	AggSum                 = "sum"
	AggCount               = "count"
	AggCountDistinct       = "count_distinct"
	AggApproxCountDistinct = "approx_count_distinct"
	AggMin                 = "min"
	AggMax                 = "max"
	AggAvg                 = "avg"
)

// Aggs lists the valid aggregations in documentation order.
var Aggs = []string{AggSum, AggCount, AggCountDistinct, AggApproxCountDistinct, AggMin, AggMax, AggAvg}

// MetricKind says how a metric is computed.
type MetricKind int

// Metric kinds.
const (
	MetricSimple     MetricKind = iota // agg over expr, optionally filtered
	MetricDerived                      // an expression over other metrics
	MetricOffset                       // period over period: base shifted by offset
	MetricCumulative                   // base over a window ending with each period: to_date or window
)

// Metric is a named measure.
type Metric struct {
	Name        string
	Pos         Pos
	Kind        MetricKind
	Label       string
	Description string
	Format      string
	Agg         Str
	Expr        Expr // simple: the aggregated expression; derived: the formula
	Filter      Expr
	NonAdditive *NonAdditive
	Base        Str
	Offset      Period
	// Cumulative metrics: ToDate is the grain whose period-to-date each period
	// reads (month: month to date); Window the trailing span (7 days).
	ToDate Str
	Window Period
}

// NonAdditive makes a metric semi-additive over time: per period, only the rows
// at the last (or first) snapshot time count.
type NonAdditive struct {
	Pos  Pos
	Time Str
	Take string // last | first
	Per  []Str
}

// Period is a calendar offset or window: N units.
type Period struct {
	N    int
	Unit string // hour | day | week | month | quarter | year
	Pos  Pos
}

// IsZero reports whether no period was given.
func (p Period) IsZero() bool { return p.N == 0 }

func (p Period) String() string {
	if p.N == 0 {
		return ""
	}
	u := p.Unit
	if p.N != 1 {
		u += "s"
	}
	return itoa(p.N) + " " + u
}

// Grains in order of fineness.
var Grains = []string{"hour", "day", "week", "month", "quarter", "year"}

// Rollup is a pre-aggregated materialization of metrics by dimensions.
type Rollup struct {
	Name       string
	Pos        Pos
	Metrics    []Str
	Dimensions []Str
	Time       *RollupTime
	Partition  Str
	Refresh    Refresh
}

// RollupTime is the time field a rollup keeps, at a grain.
type RollupTime struct {
	Field Str
	Grain Str
}

// Refresh says when a rollup is rebuilt.
type Refresh struct {
	Cron      Str
	Freshness time.Duration
	Lookback  Period
}

// Tag is a CDP tag: a set of entity ids.
type Tag struct {
	Name        string
	Pos         Pos
	Entity      Str
	Where       Expr
	WhereMetric *WhereMetric
	Value       Str // categorical: one set per value of this field
	// Freshness is the SLA: an audience reports the tag stale once its last
	// build is older (0: never stale by age); the scheduler rebuilds the tag
	// early enough to keep it, as it does a rollup's.
	Freshness time.Duration
	// Cron also rebuilds the tag on a schedule (empty: none).
	Cron Str
}

// WhereMetric selects entities by a metric computed per entity.
type WhereMetric struct {
	Metric Str
	Filter Expr
	Window Period
	Op     Str
	Value  float64
}

// Table returns the named table or nil.
func (p *Project) Table(name string) *Table { return p.tables[name] }

// Metric returns the named metric or nil.
func (p *Project) Metric(name string) *Metric { return p.metrics[name] }

// TableNames lists the tables' names in declaration order.
func (p *Project) TableNames() []string {
	out := make([]string, len(p.Tables))
	for i, t := range p.Tables {
		out[i] = t.Name
	}
	return out
}

// MetricNames lists the metrics' names in declaration order.
func (p *Project) MetricNames() []string {
	out := make([]string, len(p.Metrics))
	for i, m := range p.Metrics {
		out[i] = m.Name
	}
	return out
}

func itoa(n int) string {
	if n < 0 {
		return "-" + itoa(-n)
	}
	if n < 10 {
		return string(rune('0' + n))
	}
	return itoa(n/10) + string(rune('0'+n%10))
}
