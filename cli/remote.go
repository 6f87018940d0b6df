package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"iter"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"

	"github.com/strata-metrics/strata/api"
	"github.com/strata-metrics/strata/compiler/plan"
	"github.com/strata-metrics/strata/compiler/sqlfront"
	"github.com/strata-metrics/strata/materializer"
	"github.com/strata-metrics/strata/service"
)

// remote is a running `strata serve` (or `strata materialize`) that owns the project's warehouse,
// asked over the DataAPI. Each command decodes the server's answer into the
// value it computes locally and prints it with the same code, so the output
// and the exit code are the same whichever process owns the warehouse.
type remote struct {
	info  *serveInfo
	token string
}

// tokenEnv holds the key the CLI sends to a server that asks for one.
const tokenEnv = "STRATA_TOKEN"

// remoteServe finds a live server of the project (serveinfo.go); nil, nil
// when there is none and the command opens the warehouse itself. The key
// sent is --token, else STRATA_TOKEN (the request is then that key's, with
// its scope and the server's limits), else the owner token of serve.json,
// which reads as the warehouse does. When the server asks for a key and
// none of these is at hand (serve.json written by another user) the command
// fails, saying so: opening the warehouse would fail on its lock, and an
// unauthenticated request would be refused.
func (e *env) remoteServe(ctx context.Context) (*remote, error) {
	dir, err := e.projectDir()
	if err != nil {
		return nil, err
	}
	si, err := readServeInfo(dir)
	if err != nil || si == nil || !si.live(ctx) {
		return nil, nil
	}
	r := &remote{info: si, token: e.token}
	if r.token == "" {
		r.token = os.Getenv(tokenEnv)
	}
	if r.token == "" {
		r.token = si.Token
	}
	if si.Auth && r.token == "" {
		return nil, fail("%s owns this project's warehouse and its DataAPI asks for a key; "+
			"set %s to one of api.keys' tokens (or pass --token) and run this again, or stop it", si.owner(), tokenEnv)
	}
	return r, nil
}

// remoteError is the DataAPI's error body.
type remoteError struct {
	Error struct {
		Code     string         `json:"code"`
		Message  string         `json:"message"`
		Position map[string]any `json:"position"`
	} `json:"error"`
}

// send sends one request accepting accept; the caller reads and closes the
// answer's body.
func (r *remote) send(ctx context.Context, method, path, accept string, body any) (*http.Response, error) {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return nil, err
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, "http://"+r.info.Addr+path, rd)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", accept)
	if r.token != "" {
		req.Header.Set("Authorization", "Bearer "+r.token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, fmt.Errorf("asking %s: %v", r.info.owner(), err)
	}
	return resp, nil
}

// call sends one request and decodes a 200's body into out; an error
// answer comes back as an *apiError (localError turns it into the local
// run's error).
func (r *remote) call(ctx context.Context, method, path string, body any, out any) error {
	resp, err := r.send(ctx, method, path, service.MimeJSON, body)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return r.answerError(resp)
	}
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		return fmt.Errorf("reading the answer of %s: %v", r.info.owner(), err)
	}
	if raw, ok := out.(*[]byte); ok {
		*raw = data
		return nil
	}
	return json.Unmarshal(data, out)
}

// answerError reads a non-200 answer's error body.
func (r *remote) answerError(resp *http.Response) error {
	data, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	var re remoteError
	if json.Unmarshal(data, &re) != nil || re.Error.Message == "" {
		return fmt.Errorf("%s answered %s", r.info.owner(), resp.Status)
	}
	if resp.StatusCode == http.StatusUnauthorized {
		return fmt.Errorf("%s refused the key in --token or %s: %s", r.info.owner(), tokenEnv, re.Error.Message)
	}
	return &apiError{status: resp.StatusCode, code: re.Error.Code, message: re.Error.Message, position: re.Error.Position}
}

// apiError is the server's error; each command turns it back into the
// error its local run has (the query's, the statement's, the audience's),
// so it prints the same, caret and all.
type apiError struct {
	status   int
	code     string
	message  string
	position map[string]any
}

func (e *apiError) Error() string { return e.message }

// located reports the field the error points into, for the caller's
// mistakes (a 5xx points nowhere).
func (e *apiError) located() (string, bool) {
	field, ok := e.position["field"].(string)
	return field, ok && e.status < 500
}

// localError turns a server error back into the local run's error type.
func localError(err error) error {
	var ae *apiError
	if !errors.As(err, &ae) {
		return err
	}
	field, ok := ae.located()
	switch {
	case !ok:
		return err
	case field == "sql":
		return &sqlfront.Error{Code: ae.code, Msg: ae.message, Line: intAt(ae.position, "line"), Col: intAt(ae.position, "col"), Offset: intAt(ae.position, "offset")}
	}
	return &plan.Error{Field: field, Code: ae.code, Msg: ae.message, Offset: intAt(ae.position, "offset")}
}

// audienceLocalError is localError for an audience expression.
func audienceLocalError(err error) error {
	var ae *apiError
	if !errors.As(err, &ae) {
		return err
	}
	if field, ok := ae.located(); ok {
		return &service.AudienceError{Field: field, Offset: intAt(ae.position, "offset"), Code: ae.code, Msg: ae.message}
	}
	return err
}

func intAt(m map[string]any, key string) int {
	f, _ := m[key].(float64)
	return int(f)
}

// sqlRequest is POST /v1/sql's body.
type sqlRequest struct {
	SQL       string `json:"sql"`
	NoRollup  bool   `json:"no_rollup,omitempty"`
	Freshness string `json:"freshness,omitempty"`
}

// sql answers a statement as the server does, in the local shape.
func (r *remote) sql(ctx context.Context, stmt string, opts service.SQLOptions) (*service.Result, error) {
	var data []byte
	if err := r.call(ctx, http.MethodPost, "/v1/sql", sqlRequest{stmt, opts.NoRollup, opts.Freshness}, &data); err != nil {
		return nil, localError(err)
	}
	res, err := service.DecodeResult(data)
	if err != nil {
		return nil, err
	}
	res.Meta.RequestID = ""
	return res, nil
}

// sqlExplanation is POST /v1/sql/explain's answer, kept as sent where the
// CLI prints it as JSON.
type sqlExplanation struct {
	Query   json.RawMessage      `json:"query"`
	Columns json.RawMessage      `json:"columns"`
	Explain *service.Explanation `json:"explain"`
}

func (r *remote) explainSQL(ctx context.Context, stmt string, opts service.SQLOptions) (*sqlExplanation, error) {
	var x sqlExplanation
	return &x, localError(r.call(ctx, http.MethodPost, "/v1/sql/explain", sqlRequest{stmt, opts.NoRollup, opts.Freshness}, &x))
}

// query answers a metric query as the server does, in the local shape.
func (r *remote) query(ctx context.Context, q *plan.Query) (*service.Result, error) {
	var data []byte
	if err := r.call(ctx, http.MethodPost, "/v1/query", q, &data); err != nil {
		return nil, localError(err)
	}
	res, err := service.DecodeResult(data)
	if err != nil {
		return nil, err
	}
	res.Meta.RequestID = "" // the server's; a local answer has none
	return res, nil
}

func (r *remote) explain(ctx context.Context, q *plan.Query) (*service.Explanation, error) {
	var ex service.Explanation
	return &ex, localError(r.call(ctx, http.MethodPost, "/v1/explain", q, &ex))
}

// statusReport is GET /v1/rollups's answer, as `strata status` prints it.
type statusReport struct {
	Rollups []materializer.RollupStatus `json:"rollups"`
	Tags    []materializer.TagStatus    `json:"tags"`
	Sources []*materializer.SourceError `json:"sources"`
}

func (r *remote) status(ctx context.Context) (*statusReport, error) {
	var st statusReport
	return &st, r.call(ctx, http.MethodGet, "/v1/rollups", nil, &st)
}

func (r *remote) plan(ctx context.Context) ([]materializer.PlanStep, error) {
	var v struct {
		Steps []materializer.PlanStep `json:"steps"`
	}
	return v.Steps, r.call(ctx, http.MethodGet, "/v1/plan", nil, &v)
}

func (r *remote) audience(ctx context.Context, req *service.AudienceRequest) (*service.AudienceResponse, error) {
	var res service.AudienceResponse
	return &res, audienceLocalError(r.call(ctx, http.MethodPost, "/v1/audiences", req, &res))
}

// refresh has the server refresh, reading its progress stream (POST
// /v1/refresh as application/x-ndjson, api.RefreshEvent): each event is
// handed to onEvent as it comes, and the last is the report or the error.
func (r *remote) refresh(ctx context.Context, names []string, onEvent func(api.RefreshEvent)) (*service.RefreshReport, error) {
	if names == nil {
		names = []string{}
	}
	resp, err := r.send(ctx, http.MethodPost, "/v1/refresh", api.MimeNDJSON, map[string]any{"names": names})
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, r.answerError(resp)
	}
	dec := json.NewDecoder(resp.Body)
	for {
		var ev api.RefreshEvent
		if err := dec.Decode(&ev); err != nil {
			if ctx.Err() != nil {
				return nil, ctx.Err()
			}
			return nil, fmt.Errorf("the refresh stream of %s ended before its report: %v", r.info.owner(), err)
		}
		switch ev.Event {
		case "report":
			if ev.Report == nil {
				return nil, fmt.Errorf("%s sent an empty refresh report", r.info.owner())
			}
			return ev.Report, nil
		case "error":
			if ev.Error == nil {
				return nil, fmt.Errorf("%s: the refresh failed", r.info.owner())
			}
			return nil, &apiError{status: ev.Status, code: ev.Error.Code, message: ev.Error.Message, position: ev.Error.Position}
		}
		if onEvent != nil {
			onEvent(ev)
		}
	}
}

// export streams an audience's member ids from POST /v1/audiences/export
// into the writer open gives, once the server has answered 200 (so a failed
// export opens nothing); it returns the audience's size and the tags read,
// from the answer's headers, for the same messages as a local export.
func (r *remote) export(ctx context.Context, expr, format string, open func() (io.Writer, func() error, error)) (uint64, []service.TagUse, error) {
	resp, err := r.send(ctx, http.MethodPost, "/v1/audiences/export", "*/*", map[string]string{"expr": expr, "format": format})
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return 0, nil, r.answerError(resp)
	}
	n, err := strconv.ParseUint(resp.Header.Get("Strata-Audience-Size"), 10, 64)
	if err != nil {
		return 0, nil, fmt.Errorf("%s sent no audience size", r.info.owner())
	}
	dst, closeDst, err := open()
	if err != nil {
		return 0, nil, err
	}
	if _, err := io.Copy(dst, resp.Body); err != nil {
		closeDst()
		return 0, nil, fmt.Errorf("reading the export of %s: %v", r.info.owner(), err)
	}
	if err := closeDst(); err != nil {
		return 0, nil, err
	}
	var uses []service.TagUse
	for name, reason := range headerPairs(resp.Header.Get("Strata-Tags-Stale")) {
		uses = append(uses, service.TagUse{Name: name, Stale: true, Reason: reason})
	}
	for name, warning := range headerPairs(resp.Header.Get("Strata-Tags-Warning")) {
		uses = append(uses, service.TagUse{Name: name, Warning: warning})
	}
	return n, uses, nil
}

// withRemote runs viaServer when a live server owns the project's
// warehouse, else local over the opened project. The model is loaded either
// way, so a model with problems fails the same.
func (e *env) withRemote(viaServer func(context.Context, *remote) error, local func(context.Context, *service.Project) error) error {
	ctx, cancel := signalContext()
	defer cancel()
	r, err := e.remoteServe(ctx)
	if err != nil {
		return err
	}
	if r == nil {
		return e.withProject(local)
	}
	p, _, err := e.load()
	if err != nil {
		return err
	}
	if r.info.Model != "" && r.info.Model != service.ModelVersion(p) {
		fmt.Fprintf(e.stderr, "strata: the model changed since %s started; it answers from the model it loaded — restart it to use this one\n", r.info.owner())
	}
	return viaServer(ctx, r)
}

// ownedElsewhere fails a command that must open the warehouse itself
// (materialize, a second serve) while a live server of the project owns it
// on an engine that lets one process open it (the embedded DuckDB file):
// it names the server and what to do, instead of the engine's lock error.
// On an engine server (StarRocks, MySQL) several processes share the
// warehouse, and nil is returned.
func (e *env) ownedElsewhere(what, instead string) error {
	dir, err := e.projectDir()
	if err != nil {
		return err
	}
	si, err := readServeInfo(dir)
	if err != nil || si == nil || si.PID == os.Getpid() {
		return nil
	}
	p, _, err := e.load()
	if err != nil {
		return err
	}
	if p.Engine.Remote() {
		return nil
	}
	ctx, cancel := signalContext()
	defer cancel()
	if !si.live(ctx) {
		return nil
	}
	return fail("%s owns this project's warehouse: the embedded DuckDB file is opened by one process at a time, so %s cannot run beside it; %s",
		si.owner(), what, instead)
}

// remoteFail wraps a failure of a server request like a local one.
func remoteFail(err error) error {
	if _, ok := err.(*exitError); ok {
		return err
	}
	return fail("%s", strings.TrimPrefix(err.Error(), "strata: "))
}

// headerPairs yields the name=value pairs of a header the export sets
// (pairs joined by "&", each side query-escaped), in their order.
func headerPairs(h string) iter.Seq2[string, string] {
	return func(yield func(string, string) bool) {
		for _, pair := range strings.Split(h, "&") {
			name, value, ok := strings.Cut(pair, "=")
			if !ok {
				continue
			}
			name, _ = url.QueryUnescape(name)
			value, _ = url.QueryUnescape(value)
			if !yield(name, value) {
				return
			}
		}
	}
}
