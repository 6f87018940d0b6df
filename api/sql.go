package api

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"sort"
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

// sql answers POST /v1/sql: a SELECT over a wide table becomes a metric
// query, scoped to the caller's key and answered like /v1/query (cache,
// ETag, limits, metrics, headers), then shaped to the statement's columns.
func (s *Server) sql(c *gin.Context) (any, error) {
	req, err := s.readSQL(c)
	if err != nil {
		return nil, err
	}
	st, err := s.w.Translate(req.SQL, nil, service.SQLOptions{NoRollup: req.NoRollup, Freshness: req.Freshness, Scope: callerScope(c)})
	if err != nil {
		return nil, sqlError(err)
	}
	release, err := s.acquire()
	if err != nil {
		return nil, err
	}
	defer release()
	ctx, cancel := s.queryContext(c)
	defer cancel()
	v, err := s.answer(ctx, c, scoped(c, st.Query))
	if err != nil {
		return nil, locate(st, err)
	}
	if res, ok := v.(*service.Result); ok {
		return service.Reshape(res, st), nil
	}
	return v, nil
}

// locate points an error of the metric query a statement became (its
// position names a query field) at the statement's line and column.
func locate(st *sqlfront.Statement, err error) error {
	var ae *Error
	if !errors.As(err, &ae) || ae.Position == nil {
		return err
	}
	field, _ := ae.Position["field"].(string)
	off, _ := ae.Position["offset"].(int)
	var se *sqlfront.Error
	if !errors.As(st.Locate(&plan.Error{Field: field, Offset: off, Code: ae.Code, Msg: ae.Message}), &se) {
		return err
	}
	out := *ae
	out.Position = map[string]any{"field": "sql", "line": se.Line, "col": se.Col, "offset": se.Offset}
	return &out
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

// MySQLBackend answers the MySQL listener from a project. A connection's
// user is a key's name and its password the key's token; its queries carry
// the key's scope, exactly as on the DataAPI. Without keys the listener is
// open and nothing is scoped.
type MySQLBackend struct {
	w      *service.Project
	keys   map[string]Key
	tables []mysqlwire.Table
}

var _ mysqlwire.Backend = (*MySQLBackend)(nil)

// NewMySQLBackend serves w to the keys given (none: open).
func NewMySQLBackend(w *service.Project, keys []Key) *MySQLBackend {
	b := &MySQLBackend{w: w, keys: map[string]Key{}, tables: wideTables(w.Catalog)}
	for _, k := range keys {
		b.keys[k.Name] = k
	}
	return b
}

// Password is a key's token by its name, for the listener's authentication.
func (b *MySQLBackend) Password(user string) (string, bool) {
	k, ok := b.keys[user]
	return k.Token, ok
}

// Database is the project's name.
func (b *MySQLBackend) Database() string { return b.w.Project.Name }

// Tables lists the wide tables; a key limited to some metrics sees only those.
func (b *MySQLBackend) Tables(user string) []mysqlwire.Table {
	k, ok := b.keys[user]
	if !ok || k.Scope == nil || k.Scope.Metrics == nil {
		return b.tables
	}
	allowed := map[string]bool{}
	for _, m := range k.Scope.Metrics {
		allowed[m] = true
	}
	out := make([]mysqlwire.Table, len(b.tables))
	for i, t := range b.tables {
		out[i] = t
		out[i].Columns = nil
		for _, c := range t.Columns {
			if !c.Metric || allowed[c.Name] {
				out[i].Columns = append(out[i].Columns, c)
			}
		}
	}
	return out
}

// options are a session's settings with the user's key scope.
func (b *MySQLBackend) options(opts mysqlwire.QueryOptions) service.SQLOptions {
	o := service.SQLOptions{NoRollup: opts.NoRollup}
	if k, ok := b.keys[opts.User]; ok {
		o.Scope = k.Scope
	}
	return o
}

// Query answers a SELECT for the connection's user.
func (b *MySQLBackend) Query(ctx context.Context, sql string, args []any, opts mysqlwire.QueryOptions) (*mysqlwire.Result, error) {
	res, err := b.w.SQL(ctx, sql, args, b.options(opts))
	if err != nil {
		return nil, err
	}
	out := &mysqlwire.Result{Rows: res.Rows}
	for _, c := range res.Columns {
		out.Columns = append(out.Columns, mysqlwire.Column{Name: c.Name, Type: c.Type})
	}
	return out, nil
}

// Explain describes how a SELECT is answered for the connection's user.
func (b *MySQLBackend) Explain(ctx context.Context, sql string, opts mysqlwire.QueryOptions) (string, error) {
	st, x, err := b.w.ExplainSQL(ctx, sql, b.options(opts))
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
