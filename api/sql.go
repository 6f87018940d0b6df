package api

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"sort"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/strata-metrics/strata/api/mysqlwire"
	"github.com/strata-metrics/strata/compiler/logical"
	"github.com/strata-metrics/strata/compiler/plan"
	"github.com/strata-metrics/strata/compiler/sqlfront"
	"github.com/strata-metrics/strata/service"
)

// sqlRequest is the body of POST /v1/sql.
type sqlRequest struct {
	SQL       string `json:"sql"`
	NoRollup  bool   `json:"no_rollup,omitempty"`
	Freshness string `json:"freshness,omitempty"`
}

// readSQL decodes the body of POST /v1/sql, strictly.
func (s *Server) readSQL(c *gin.Context) (*sqlRequest, error) {
	body, err := io.ReadAll(http.MaxBytesReader(c.Writer, c.Request.Body, s.opts.MaxBody))
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return nil, newError("too-large", "the request body is over %d bytes", s.opts.MaxBody)
		}
		return nil, newError("bad-request", "could not read the request body (sent too slowly, or cut short)")
	}
	dec := json.NewDecoder(strings.NewReader(string(body)))
	dec.DisallowUnknownFields()
	var req sqlRequest
	if err := dec.Decode(&req); err != nil {
		return nil, badData("bad-json", `send {"sql": "SELECT …"}: `+strings.TrimPrefix(err.Error(), "json: "))
	}
	if strings.TrimSpace(req.SQL) == "" {
		return nil, badData("bad-json", `send {"sql": "SELECT …"}: the statement is empty`)
	}
	return &req, nil
}

// sql answers POST /v1/sql: a SELECT over a wide table, in the same formats
// and with the same headers as /v1/query.
func (s *Server) sql(c *gin.Context) (any, error) {
	req, err := s.readSQL(c)
	if err != nil {
		return nil, err
	}
	release, err := s.acquire()
	if err != nil {
		return nil, err
	}
	defer release()
	ctx, cancel := context.WithTimeout(c.Request.Context(), s.opts.Timeout)
	defer cancel()
	var scope *plan.Scope
	if k := caller(c); k != nil {
		scope = k.Scope
	}
	res, err := s.w.SQL(ctx, req.SQL, nil, service.SQLOptions{NoRollup: req.NoRollup, Freshness: req.Freshness, Scope: scope})
	if err != nil {
		ae := sqlError(err)
		s.queries.WithLabelValues("", strconv.Itoa(ae.Status), keyName(c)).Inc()
		return nil, ae
	}
	s.queries.WithLabelValues(res.Meta.ServedBy, "200", keyName(c)).Inc()
	cp := *res
	cp.Meta.RequestID = requestIDOf(c)
	e := entry(c)
	e.servedBy, e.rows, e.cached = cp.Meta.ServedBy, len(cp.Rows), cp.Meta.Cached
	res = &cp
	if len(res.Rows) > s.opts.MaxRows {
		return nil, newError("too-large", "the result has more rows than the limit; add LIMIT and page with OFFSET")
	}
	return res, nil
}

// sqlError maps an error of a SQL statement: its position is a line and a
// column of the statement.
func sqlError(err error) *Error {
	var se *sqlfront.Error
	if errors.As(err, &se) {
		e := badData(se.Code, se.Msg)
		e.Position = map[string]any{"field": "sql", "line": se.Line, "col": se.Col, "offset": se.Offset}
		return e
	}
	return toError(err)
}

// MySQLBackend answers the MySQL listener from a warehouse.
func MySQLBackend(w *service.Project) mysqlwire.Backend {
	return &mysqlBackend{w: w, tables: wideTables(w.Catalog)}
}

type mysqlBackend struct {
	w      *service.Project
	tables []mysqlwire.Table
}

var _ mysqlwire.Backend = (*mysqlBackend)(nil)

func (b *mysqlBackend) Database() string { return b.w.Project.Name }

func (b *mysqlBackend) Tables() []mysqlwire.Table { return b.tables }

func (b *mysqlBackend) Query(ctx context.Context, sql string, args []any, opts mysqlwire.QueryOptions) (*mysqlwire.Result, error) {
	res, err := b.w.SQL(ctx, sql, args, service.SQLOptions{NoRollup: opts.NoRollup})
	if err != nil {
		return nil, err
	}
	out := &mysqlwire.Result{Rows: res.Rows}
	for _, c := range res.Columns {
		out.Columns = append(out.Columns, mysqlwire.Column{Name: c.Name, Type: c.Type})
	}
	return out, nil
}

func (b *mysqlBackend) Explain(ctx context.Context, sql string, opts mysqlwire.QueryOptions) (string, error) {
	st, x, err := b.w.ExplainSQL(ctx, sql, service.SQLOptions{NoRollup: opts.NoRollup})
	if err != nil {
		return "", err
	}
	q, _ := json.Marshal(st.Query)
	return "query: " + string(q) + "\n" + x.Text(), nil
}

// wideTables lists each fact's wide table as the listener shows it: every
// field, the grain fields of its time fields, then the metrics whose measures
// all aggregate that fact.
func wideTables(cat *logical.Catalog) []mysqlwire.Table {
	var out []mysqlwire.Table
	for _, w := range cat.Wide {
		t := mysqlwire.Table{Name: w.Name(), Comment: "wide table of " + w.Name()}
		for _, f := range w.Fields {
			t.Columns = append(t.Columns, mysqlwire.TableColumn{Name: f.Name, Type: f.Type.String(), Comment: f.Desc})
			for _, g := range f.Grains() {
				typ := "date"
				if g == "hour" {
					typ = "timestamp"
				}
				t.Columns = append(t.Columns, mysqlwire.TableColumn{Name: f.Name + "." + g, Type: typ, Comment: g + " of " + f.Name})
			}
		}
		var metrics []string
		for name := range cat.Metrics {
			if metricOf(cat, name, w) {
				metrics = append(metrics, name)
			}
		}
		sort.Strings(metrics)
		for _, name := range metrics {
			m := cat.Metrics[name]
			t.Columns = append(t.Columns, mysqlwire.TableColumn{Name: name, Type: m.Type.String(), Metric: true, Comment: m.Def.Label})
		}
		out = append(out, t)
	}
	return out
}

// metricOf says whether every measure of the metric aggregates the fact.
func metricOf(cat *logical.Catalog, name string, w *logical.WideTable) bool {
	ms := cat.Measures(name)
	if m := cat.Metrics[name]; len(ms) == 0 && m != nil && m.Base != nil {
		ms = cat.Measures(m.Base.Name)
	}
	for _, m := range ms {
		if m.Fact != w {
			return false
		}
	}
	return len(ms) > 0
}
