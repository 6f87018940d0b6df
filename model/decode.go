package model

import (
	"fmt"
	"math"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/goccy/go-yaml/ast"
	"github.com/robfig/cron/v3"
)

// The YAML format, version 1. Each file may hold any model key; settings keys
// belong in strata.yaml only.

var settingsKeys = []string{"version", "name", "timezone", "engine", "models", "freshness", "api"}

// decodeFile reads one file's top-level keys into the project.
func (d *decoder) decodeFile(root ast.Node, p *Project, isSettings bool) {
	hs := handlers{
		"version":       func(v ast.Node) { d.version(v, p) },
		"tables":        func(v ast.Node) { d.each(v, "tables", func(n ast.Node) { d.table(n, p) }) },
		"relationships": func(v ast.Node) { d.each(v, "relationships", func(n ast.Node) { d.relationship(n, p) }) },
		"dimensions":    func(v ast.Node) { d.each(v, "dimensions", func(n ast.Node) { d.dimension(n, p) }) },
		"metrics":       func(v ast.Node) { d.each(v, "metrics", func(n ast.Node) { d.metric(n, p) }) },
		"rollups":       func(v ast.Node) { d.each(v, "rollups", func(n ast.Node) { d.rollup(n, p) }) },
		"tags":          func(v ast.Node) { d.each(v, "tags", func(n ast.Node) { d.tag(n, p) }) },
	}
	if isSettings {
		hs["name"] = func(v ast.Node) { s, _ := d.str(v, "name"); p.Name = s.Value }
		hs["timezone"] = func(v ast.Node) {
			s, ok := d.str(v, "timezone")
			if !ok {
				return
			}
			loc, err := time.LoadLocation(s.Value)
			if err != nil {
				d.add(ErrInvalid(s.Pos, "timezone", fmt.Sprintf("%q is not an IANA time zone (e.g. UTC, Asia/Shanghai, America/New_York)", s.Value)))
				return
			}
			p.Timezone, p.Location = s.Value, loc
		}
		hs["engine"] = func(v ast.Node) { d.engine(v, p) }
		hs["models"] = func(v ast.Node) {
			for _, n := range d.list(v, "models", true) {
				if s, ok := d.str(n, "models"); ok {
					p.Models = append(p.Models, s.Value)
				}
			}
		}
		hs["freshness"] = func(v ast.Node) { p.Freshness = d.duration(v, "freshness") }
		hs["api"] = func(v ast.Node) { d.api(v, p) }
	} else {
		for _, k := range settingsKeys[1:] {
			hs[k] = func(ast.Node) {} // reported below with a clearer message
		}
	}
	vals, ok := d.entries(root, "the file")
	if !ok {
		return
	}
	if !isSettings {
		for _, mv := range vals {
			if k := mv.Key.String(); k != "version" && slices.Contains(settingsKeys, k) {
				d.add(ErrInvalid(d.pos(mv.Key), k, "project settings belong in strata.yaml"))
			}
		}
	}
	d.mapping(root, "the file", hs)
}

func (d *decoder) version(v ast.Node, p *Project) {
	n, pos, ok := d.int(v, "version")
	if ok && n != 1 {
		d.add(ErrVersion(pos, n))
	}
	p.Version = 1
}

func (d *decoder) each(v ast.Node, key string, f func(ast.Node)) {
	for _, n := range d.list(v, key, false) {
		f(n)
	}
}

func (d *decoder) engine(v ast.Node, p *Project) {
	p.Engine.Pos = d.pos(v)
	d.mapping(v, "engine", handlers{
		"type": func(v ast.Node) {
			p.Engine.Type = d.oneOf(v, "engine.type", []string{"duckdb", "starrocks", "doris", "mysql"}).Value
		},
		"path":    func(v ast.Node) { s, _ := d.str(v, "engine.path"); p.Engine.Path = s.Value },
		"dsn":     func(v ast.Node) { s, _ := d.str(v, "engine.dsn"); p.Engine.DSN, p.Engine.DSNPos = s.Value, s.Pos },
		"threads": func(v ast.Node) { p.Engine.Threads, _, _ = d.int(v, "engine.threads") },
		"max_connections": func(v ast.Node) {
			p.Engine.MaxConnections, _, _ = d.int(v, "engine.max_connections")
		},
		"query_timeout": func(v ast.Node) { p.Engine.QueryTimeout = d.duration(v, "engine.query_timeout") },
		"tls_ca":        func(v ast.Node) { s, _ := d.str(v, "engine.tls_ca"); p.Engine.TLSCA = s.Value },
	})
}

var identRe = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

func (d *decoder) name(v ast.Node, kind string) (string, Pos) {
	s, ok := d.str(v, kind+" name")
	if ok && !identRe.MatchString(s.Value) {
		d.add(ErrBadName(s.Pos, kind, s.Value))
	}
	return s.Value, s.Pos
}

func (d *decoder) table(n ast.Node, p *Project) {
	t := &Table{Pos: d.pos(n)}
	ok := d.mapping(n, "table", handlers{
		"name":        func(v ast.Node) { t.Name, t.Pos = d.name(v, "table") },
		"kind":        func(v ast.Node) { t.Kind = d.oneOf(v, "kind", []string{KindFact, KindDimension}).Value },
		"description": func(v ast.Node) { s, _ := d.str(v, "description"); t.Description = s.Value },
		"source":      func(v ast.Node) { t.Source, _ = d.str(v, "source") },
		"primary_key": func(v ast.Node) {
			for _, k := range d.list(v, "primary_key", true) {
				if s, ok := d.str(k, "primary_key"); ok {
					t.PrimaryKey = append(t.PrimaryKey, s)
				}
			}
		},
		"time":     func(v ast.Node) { t.Time, _ = d.str(v, "time") },
		"timezone": func(v ast.Node) { s, _ := d.str(v, "timezone"); t.Timezone = s.Value },
		"columns":  func(v ast.Node) { d.columns(v, t) },
	}, "name", "kind", "columns")
	if ok {
		p.Tables = append(p.Tables, t)
	}
}

func (d *decoder) columns(v ast.Node, t *Table) {
	vals, ok := d.entries(v, "columns")
	if ok && len(vals) == 0 {
		d.add(ErrInvalid(d.pos(v), "columns", "a table needs at least one column"))
	}
	for i := 0; i < len(vals); i++ {
		mv := vals[i]
		c := &Column{Name: mv.Key.String(), Pos: d.pos(mv.Key)}
		if !identRe.MatchString(c.Name) {
			d.add(ErrBadName(c.Pos, "column", c.Name))
		}
		var typ Str
		if _, isMap := d.resolve(mv.Value).(*ast.MappingNode); isMap {
			d.mapping(mv.Value, "column "+c.Name, handlers{
				"type":        func(v ast.Node) { typ, _ = d.str(v, "type") },
				"description": func(v ast.Node) { s, _ := d.str(v, "description"); c.Description = s.Value },
			}, "type")
		} else {
			typ, _ = d.str(mv.Value, "column type")
			// Inside a flow mapping, `{ amount: decimal(18,2) }`, the comma ends
			// the entry: the type arrives as "decimal(18" and "2)" as a key with
			// no value. Say that once, rather than report both halves.
			if next, ok := flowSplit(vals, i, typ.Value); ok {
				whole := typ.Value + "," + next
				d.add(ErrBadType(typ.Pos, c.Name, fmt.Sprintf("the comma in %q ends the entry inside { … }; quote the type: %s: %q", whole, c.Name, whole)))
				c.Type, _ = ParseType(whole)
				t.Columns = append(t.Columns, c)
				i++
				continue
			}
		}
		if typ.Value != "" {
			tt, err := ParseType(typ.Value)
			if err != nil {
				d.add(ErrBadType(typ.Pos, c.Name, err.Error()))
			}
			c.Type = tt
		}
		t.Columns = append(t.Columns, c)
	}
}

// flowSplit reports whether the type at vals[i] was cut at a comma, and
// returns the key that holds the rest of it.
func flowSplit(vals []*ast.MappingValueNode, i int, typ string) (string, bool) {
	if i+1 >= len(vals) || strings.Count(typ, "(") <= strings.Count(typ, ")") {
		return "", false
	}
	next := vals[i+1]
	if _, null := next.Value.(*ast.NullNode); !null || !strings.HasSuffix(next.Key.String(), ")") {
		return "", false
	}
	return next.Key.String(), true
}

var relShortRe = regexp.MustCompile(`^\s*([A-Za-z_][A-Za-z0-9_]*)\.([A-Za-z_][A-Za-z0-9_]*)\s*->\s*([A-Za-z_][A-Za-z0-9_]*)\.([A-Za-z_][A-Za-z0-9_]*)\s*$`)

var cardinalities = []string{ManyToOne, OneToOne, OneToMany, ManyToMany}

func (d *decoder) relationship(n ast.Node, p *Project) {
	r := &Relationship{Pos: d.pos(n), Cardinality: ManyToOne}
	if _, isScalar := d.resolve(n).(*ast.StringNode); isScalar {
		s, _ := d.str(n, "relationship")
		m := relShortRe.FindStringSubmatch(s.Value)
		if m == nil {
			d.add(ErrInvalid(s.Pos, "relationship", fmt.Sprintf("%q is not of the form table.column -> table.column", s.Value)))
			return
		}
		r.Pos = s.Pos
		r.From = FieldRef{Table: m[1], Column: m[2], Pos: s.Pos}
		r.To = FieldRef{Table: m[3], Column: m[4], Pos: Pos{File: s.Pos.File, Line: s.Pos.Line, Col: s.Pos.Col + strings.Index(s.Value, m[3]+"."+m[4])}}
		p.Relationships = append(p.Relationships, r)
		return
	}
	ref := func(v ast.Node, key string) FieldRef {
		s, ok := d.str(v, key)
		if !ok {
			return FieldRef{Pos: s.Pos}
		}
		t, c, found := strings.Cut(s.Value, ".")
		if !found || !identRe.MatchString(t) || !identRe.MatchString(c) {
			d.add(ErrInvalid(s.Pos, key, fmt.Sprintf("%q is not of the form table.column", s.Value)))
			return FieldRef{Pos: s.Pos}
		}
		return FieldRef{Table: t, Column: c, Pos: s.Pos}
	}
	ok := d.mapping(n, "relationship", handlers{
		"from":        func(v ast.Node) { r.From = ref(v, "from") },
		"to":          func(v ast.Node) { r.To = ref(v, "to") },
		"cardinality": func(v ast.Node) { r.Cardinality = d.oneOf(v, "cardinality", cardinalities).Value },
		"as": func(v ast.Node) {
			r.As, _ = d.str(v, "as")
			if r.As.Value != "" && !identRe.MatchString(r.As.Value) {
				d.add(ErrBadName(r.As.Pos, "role", r.As.Value))
			}
		},
	}, "from", "to")
	if ok && r.From.Table != "" && r.To.Table != "" {
		p.Relationships = append(p.Relationships, r)
	}
}

func (d *decoder) dimension(n ast.Node, p *Project) {
	dim := &Dimension{Pos: d.pos(n)}
	var typ Str
	ok := d.mapping(n, "dimension", handlers{
		"name": func(v ast.Node) {
			s, _ := d.str(v, "dimension name")
			dim.Name, dim.Pos = s.Value, s.Pos
			t, f, found := strings.Cut(s.Value, ".")
			if !found || !identRe.MatchString(t) || !identRe.MatchString(f) {
				d.add(ErrInvalid(s.Pos, "dimension name", fmt.Sprintf("%q must be table.name: a computed dimension belongs to a table", s.Value)))
				return
			}
			dim.Table, dim.Field = t, f
		},
		"label":       func(v ast.Node) { s, _ := d.str(v, "label"); dim.Label = s.Value },
		"description": func(v ast.Node) { s, _ := d.str(v, "description"); dim.Description = s.Value },
		"expr":        func(v ast.Node) { dim.Expr = d.expr(v, "expr") },
		"type":        func(v ast.Node) { typ, _ = d.str(v, "type") },
	}, "name", "expr")
	if typ.Value != "" {
		t, err := ParseType(typ.Value)
		if err != nil {
			d.add(ErrBadType(typ.Pos, dim.Name, err.Error()))
		}
		dim.Type = t
	}
	if ok && dim.Table != "" {
		p.Dimensions = append(p.Dimensions, dim)
	}
}

var formats = []string{"number", "integer", "currency", "percent", "ratio", "string"}

func (d *decoder) metric(n ast.Node, p *Project) {
	m := &Metric{Pos: d.pos(n)}
	seen := map[string]bool{}
	mark := func(k string, f func(ast.Node)) func(ast.Node) {
		return func(v ast.Node) { seen[k] = true; f(v) }
	}
	ok := d.mapping(n, "metric", handlers{
		"name":        func(v ast.Node) { m.Name, m.Pos = d.name(v, "metric") },
		"label":       func(v ast.Node) { s, _ := d.str(v, "label"); m.Label = s.Value },
		"description": func(v ast.Node) { s, _ := d.str(v, "description"); m.Description = s.Value },
		"format":      func(v ast.Node) { m.Format = d.oneOf(v, "format", formats).Value },
		"agg":         mark("agg", func(v ast.Node) { m.Agg = d.oneOf(v, "agg", Aggs) }),
		"expr":        mark("expr", func(v ast.Node) { m.Expr = d.expr(v, "expr") }),
		"filter":      mark("filter", func(v ast.Node) { m.Filter = d.expr(v, "filter") }),
		"base":        mark("base", func(v ast.Node) { m.Base, _ = d.str(v, "base") }),
		"offset":      mark("offset", func(v ast.Node) { m.Offset = d.period(v, "offset") }),
		"to_date":     mark("to_date", func(v ast.Node) { m.ToDate = d.oneOf(v, "to_date", Grains[1:]) }),
		"window":      mark("window", func(v ast.Node) { m.Window = d.period(v, "window") }),
		"non_additive": mark("non_additive", func(v ast.Node) {
			na := &NonAdditive{Pos: d.pos(v), Take: "last"}
			d.mapping(v, "non_additive", handlers{
				"time": func(v ast.Node) { na.Time, _ = d.str(v, "non_additive.time") },
				"take": func(v ast.Node) { na.Take = d.oneOf(v, "non_additive.take", []string{"last", "first"}).Value },
				"per": func(v ast.Node) {
					for _, x := range d.list(v, "non_additive.per", true) {
						if s, ok := d.str(x, "non_additive.per"); ok {
							na.Per = append(na.Per, s)
						}
					}
				},
			}, "time")
			m.NonAdditive = na
		}),
	}, "name")
	if !ok {
		return
	}
	d.metricKind(m, seen)
	p.Metrics = append(p.Metrics, m)
}

// metricKind decides which of the three metric kinds the keys describe.
func (d *decoder) metricKind(m *Metric, seen map[string]bool) {
	bad := func(reason string) { d.add(ErrMetricShape(m.Pos, m.Name, reason)) }
	switch {
	case seen["to_date"] || seen["window"]:
		m.Kind = MetricCumulative
		if seen["to_date"] && seen["window"] {
			bad("a cumulative metric has `to_date` or `window`, not both")
		}
		if !seen["base"] {
			bad("a cumulative metric needs `base`: the metric it accumulates")
		}
		for _, k := range []string{"agg", "expr", "filter", "non_additive", "offset"} {
			if seen[k] {
				bad(fmt.Sprintf("a cumulative metric (base + to_date or window) cannot have `%s`", k))
			}
		}
	case seen["base"] || seen["offset"]:
		m.Kind = MetricOffset
		if !seen["base"] || !seen["offset"] {
			bad("a period-over-period metric needs both `base` and `offset`")
		}
		for _, k := range []string{"agg", "expr", "filter", "non_additive"} {
			if seen[k] {
				bad(fmt.Sprintf("a period-over-period metric (base + offset) cannot have `%s`", k))
			}
		}
	case seen["agg"]:
		m.Kind = MetricSimple
		if !seen["expr"] && m.Agg.Value != AggCount {
			bad(fmt.Sprintf("agg %s needs `expr`: the expression to aggregate", m.Agg.Value))
		}
		if m.NonAdditive != nil && m.Agg.Value != AggSum && m.Agg.Value != AggCount && m.Agg.Value != AggMin && m.Agg.Value != AggMax && m.Agg.Value != AggAvg {
			bad("non_additive works with sum, count, min, max and avg")
		}
	case seen["expr"]:
		m.Kind = MetricDerived
		if seen["filter"] || seen["non_additive"] {
			bad("a derived metric (expr without agg) cannot have `filter` or `non_additive`; put them on the metrics it uses")
		}
	default:
		bad("give `agg` and `expr` (a measure), `expr` alone (a formula over metrics), `base` and `offset` (period over period), or `base` and `to_date` or `window` (cumulative)")
	}
}

var grainsAndNone = Grains

func (d *decoder) rollup(n ast.Node, p *Project) {
	r := &Rollup{Pos: d.pos(n)}
	names := func(v ast.Node, key string) []Str {
		var out []Str
		for _, x := range d.list(v, key, true) {
			if s, ok := d.str(x, key); ok {
				out = append(out, s)
			}
		}
		return out
	}
	ok := d.mapping(n, "rollup", handlers{
		"name":       func(v ast.Node) { r.Name, r.Pos = d.name(v, "rollup") },
		"metrics":    func(v ast.Node) { r.Metrics = names(v, "metrics") },
		"dimensions": func(v ast.Node) { r.Dimensions = names(v, "dimensions") },
		"time": func(v ast.Node) {
			r.Time = &RollupTime{}
			d.mapping(v, "rollup time", handlers{
				"field": func(v ast.Node) { r.Time.Field, _ = d.str(v, "time.field") },
				"grain": func(v ast.Node) { r.Time.Grain = d.oneOf(v, "time.grain", grainsAndNone) },
			}, "field", "grain")
		},
		"partition": func(v ast.Node) { r.Partition = d.oneOf(v, "partition", []string{"day", "month", "year"}) },
		"refresh": func(v ast.Node) {
			d.mapping(v, "refresh", handlers{
				"cron":      func(v ast.Node) { r.Refresh.Cron = d.cron(v, "refresh.cron") },
				"freshness": func(v ast.Node) { r.Refresh.Freshness = d.sla(v, "refresh.freshness") },
				"lookback":  func(v ast.Node) { r.Refresh.Lookback = d.lookback(v, "refresh.lookback") },
			})
		},
	}, "name", "metrics")
	if ok && r.Refresh.Lookback.N > 0 && r.Time == nil {
		d.add(ErrInvalid(r.Refresh.Lookback.Pos, "refresh.lookback", "a lookback counts back over the rollup's time; give the rollup `time`, or leave `lookback` out"))
	}
	if ok {
		p.Rollups = append(p.Rollups, r)
	}
}

var tagOps = []string{">", ">=", "<", "<=", "=", "!="}

func (d *decoder) tag(n ast.Node, p *Project) {
	t := &Tag{Pos: d.pos(n)}
	ok := d.mapping(n, "tag", handlers{
		"name":      func(v ast.Node) { t.Name, t.Pos = d.name(v, "tag") },
		"entity":    func(v ast.Node) { t.Entity, _ = d.str(v, "entity") },
		"where":     func(v ast.Node) { t.Where = d.expr(v, "where") },
		"value":     func(v ast.Node) { t.Value, _ = d.str(v, "value") },
		"freshness": func(v ast.Node) { t.Freshness = d.sla(v, "freshness") },
		"cron":      func(v ast.Node) { t.Cron = d.cron(v, "cron") },
		"where_metric": func(v ast.Node) {
			wm := &WhereMetric{}
			d.mapping(v, "where_metric", handlers{
				"metric": func(v ast.Node) { wm.Metric, _ = d.str(v, "where_metric.metric") },
				"filter": func(v ast.Node) { wm.Filter = d.expr(v, "where_metric.filter") },
				"window": func(v ast.Node) { wm.Window = d.period(v, "where_metric.window") },
				"op":     func(v ast.Node) { wm.Op = d.oneOf(v, "where_metric.op", tagOps) },
				"value":  func(v ast.Node) { wm.Value, _ = d.float(v, "where_metric.value") },
			}, "metric", "op", "value")
			t.WhereMetric = wm
		},
	}, "name", "entity")
	if !ok {
		return
	}
	set := 0
	for _, b := range []bool{!t.Where.IsZero(), t.WhereMetric != nil, t.Value.Value != ""} {
		if b {
			set++
		}
	}
	if set != 1 {
		d.add(ErrInvalid(t.Pos, "tag "+t.Name, "give exactly one of `where`, `where_metric` or `value`"))
	}
	p.Tags = append(p.Tags, t)
}

// duration reads "15m", "1h30m" or a period such as "2 days".
func (d *decoder) duration(v ast.Node, key string) time.Duration {
	s, ok := d.str(v, key)
	if !ok {
		return 0
	}
	dur, err := ParseDuration(s.Value)
	if err != nil {
		d.add(ErrInvalid(s.Pos, key, err.Error()))
	}
	return dur
}

// MinSLA is the shortest freshness target a rollup or tag may set: the
// scheduler works in whole seconds, and a shorter target could only ever be
// reported as breached.
const MinSLA = time.Second

// sla reads a freshness target: a positive duration of at least MinSLA.
// Zero is refused rather than read as "no target", which is what leaving
// the key out means.
func (d *decoder) sla(v ast.Node, key string) time.Duration {
	s, ok := d.str(v, key)
	if !ok {
		return 0
	}
	dur, err := ParseDuration(s.Value)
	switch {
	case err != nil:
		d.add(ErrInvalid(s.Pos, key, err.Error()))
		return 0
	case dur == 0:
		d.add(ErrInvalid(s.Pos, key, fmt.Sprintf("%q is no target: nothing is fresher than its source; give e.g. \"15m\", or leave `freshness` out for no SLA", s.Value)))
		return 0
	case dur < MinSLA:
		d.add(ErrInvalid(s.Pos, key, fmt.Sprintf("%q is shorter than the scheduler's resolution of %s; give at least \"1s\" (e.g. \"15m\")", s.Value, MinSLA)))
		return 0
	}
	return dur
}

// cron reads a schedule the way the scheduler will (robfig/cron's standard
// parser: five fields or a descriptor), so a spec that would stop `serve`
// is an error of the model, at its position.
func (d *decoder) cron(v ast.Node, key string) Str {
	s, ok := d.str(v, key)
	if !ok {
		return Str{}
	}
	if strings.TrimSpace(s.Value) == "" {
		d.add(ErrInvalid(s.Pos, key, "an empty schedule; give five fields (e.g. \"*/10 * * * *\") or a descriptor (@hourly), or leave `cron` out"))
		return Str{}
	}
	if _, err := cron.ParseStandard(s.Value); err != nil {
		msg := fmt.Sprintf("%q is not a schedule (%v)", s.Value, err)
		if f := strings.Fields(s.Value); len(f) == 6 && !strings.HasPrefix(s.Value, "@") {
			msg = fmt.Sprintf("%q has six fields; a schedule has five (minute hour day-of-month month day-of-week), with no seconds: did you mean %q?", s.Value, strings.Join(f[1:], " "))
		} else {
			msg += "; write five fields: minute hour day-of-month month day-of-week (e.g. \"*/10 * * * *\"), or @hourly, @daily, @every 15m"
		}
		d.add(ErrInvalid(s.Pos, key, msg))
		return Str{}
	}
	return s
}

// lookback reads a rollup's lookback: a period no longer than a duration
// can hold (about 292 years), which bounds the partitions a refresh lists.
func (d *decoder) lookback(v ast.Node, key string) Period {
	p := d.period(v, key)
	if p.N == 0 {
		return p
	}
	if _, err := ParseDuration(fmt.Sprintf("%d %s", p.N, p.Unit)); err != nil {
		d.add(ErrInvalid(p.Pos, key, fmt.Sprintf("%d %ss is longer than any data (at most about 292 years); a lookback names the recent partitions rebuilt on every refresh, e.g. \"2 days\"", p.N, p.Unit)))
		return Period{}
	}
	return p
}

// ParseDuration reads a Go duration ("15m", "1h") or a period ("2 days"; a month counts 30 days).
func ParseDuration(s string) (time.Duration, error) {
	if dur, err := time.ParseDuration(strings.TrimSpace(s)); err == nil {
		if dur < 0 {
			return 0, fmt.Errorf("%q: a duration cannot be negative", s)
		}
		return dur, nil
	}
	p, err := ParsePeriod(s)
	if err != nil {
		return 0, fmt.Errorf("%q is not a duration; write e.g. \"15m\", \"1h\" or \"2 days\"", s)
	}
	unit := map[string]time.Duration{"hour": time.Hour, "day": 24 * time.Hour, "week": 7 * 24 * time.Hour,
		"month": 30 * 24 * time.Hour, "quarter": 91 * 24 * time.Hour, "year": 365 * 24 * time.Hour}[p.Unit]
	if unit == 0 || int64(p.N) > math.MaxInt64/int64(unit) {
		return 0, fmt.Errorf("%q is longer than a duration can be (about 292 years)", s)
	}
	return time.Duration(p.N) * unit, nil
}
