package service

import (
	"context"
	"fmt"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"github.com/RoaringBitmap/roaring/v2"

	aud "github.com/strata-metrics/strata/compiler/audience"
	"github.com/strata-metrics/strata/compiler/plan"
	"github.com/strata-metrics/strata/compiler/sqlgen"
	"github.com/strata-metrics/strata/engine"
)

// Metrics by audience. A query with "audience" is answered over the facts of
// the audience's members only: the audience is evaluated on the tag bitmaps,
// its ids are loaded into a table of their own for the query, and every part
// keeps only the rows whose entity key is among them (a semi-join, not a
// list of literals). A rollup serves such a part only when it keeps the
// entity key; otherwise the raw rows are read, and explain says why. A query
// with "audiences" runs once per named audience (each AND the "audience", if
// given) and labels the rows with a leading `audience` column; ordering and
// limits apply within each audience.

// audienceState is a project's audience service, made on first use.
type audienceState struct {
	once sync.Once
	a    *Audiences
	err  error
}

var audienceStates sync.Map // *Project → *audienceState

// AudienceService returns the project's audience service.
func (s *Project) AudienceService() (*Audiences, error) {
	v, _ := audienceStates.LoadOrStore(s, &audienceState{})
	st := v.(*audienceState)
	st.once.Do(func() { st.a, st.err = NewAudiences(s) })
	return st.a, st.err
}

// audienceKey compiles an audience of the query and names its entity key.
func (s *Project) audienceKey(field, text string) (string, *aud.Audience, error) {
	a, err := aud.Compile(s.Catalog, text, "")
	if err != nil {
		return "", nil, &plan.Error{Field: field, Offset: err.Offset, Code: err.Code, Msg: err.Msg}
	}
	return a.Scope.Alias + "." + a.Scope.Key, a, nil
}

// withAudiencePlaceholder gives a query that names audiences the semi-join
// its plan will carry, on a table that is not read: for compile and explain,
// which show the plan and the rewrite's verdicts without evaluating.
func (s *Project) withAudiencePlaceholder(q *plan.Query) (*plan.Query, error) {
	if len(q.Semi) > 0 || (q.Audience == "" && len(q.Audiences) == 0) {
		return q, nil
	}
	text := q.Audience
	for _, n := range sortedKeys(q.Audiences) {
		if text == "" {
			text = q.Audiences[n]
		}
	}
	key, a, err := s.audienceKey("audience", text)
	if err != nil {
		return nil, err
	}
	c := *q
	c.Semi = []plan.SemiJoin{{Field: key, Table: sqlgen.StateSchema + ".audience_ids", Dict: keyDict(a.Scope)}}
	return &c, nil
}

func sortedKeys(m map[string]string) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// audienceQuery answers a query that names audiences.
func (s *Project) audienceQuery(ctx context.Context, q *plan.Query) (*Result, error) {
	start := time.Now()
	svc, err := s.AudienceService()
	if err != nil {
		return nil, err
	}
	used := map[string]TagUse{}
	members := func(field, text string) (*roaring.Bitmap, plan.SemiJoin, error) {
		key, a, err := s.audienceKey(field, text)
		if err != nil {
			return nil, plan.SemiJoin{}, err
		}
		bm, _, uses, err := svc.Members(ctx, text)
		if ae, ok := err.(*AudienceError); ok {
			return nil, plan.SemiJoin{}, &plan.Error{Field: field, Offset: ae.Offset, Code: ae.Code, Msg: ae.Msg}
		}
		for _, u := range uses {
			used[u.Name] = u
		}
		return bm, plan.SemiJoin{Field: key, Dict: keyDict(a.Scope)}, err
	}
	tags := func(res *Result) *Result {
		res.Meta.Tags = make([]TagUse, 0, len(used))
		for _, n := range sortedTagNames(used) {
			res.Meta.Tags = append(res.Meta.Tags, used[n])
		}
		return res
	}
	var base *roaring.Bitmap
	var semi plan.SemiJoin
	key := ""
	if q.Audience != "" {
		if base, semi, err = members("audience", q.Audience); err != nil {
			return nil, err
		}
		key = semi.Field
	}
	if len(q.Audiences) == 0 {
		res, err := s.restricted(ctx, q, semi, base, start)
		if err != nil {
			return nil, err
		}
		return tags(res), nil
	}
	var out *Result
	for _, name := range sortedKeys(q.Audiences) {
		bm, sj, err := members("audiences."+name, q.Audiences[name])
		if err != nil {
			return nil, err
		}
		k := sj.Field
		if key != "" && k != key {
			return nil, &plan.Error{Field: "audiences." + name, Code: "audience-entities", Msg: fmt.Sprintf("audience %s is a set of %s, not of %s like the query's audience", name, k, key)}
		}
		if base != nil {
			bm = roaring.And(bm, base)
		}
		res, err := s.restricted(ctx, q, sj, bm, start)
		if err != nil {
			return nil, err
		}
		if out == nil {
			out = &Result{Columns: append([]Column{{Name: "audience", Type: "varchar"}}, res.Columns...), Rows: [][]any{}, Meta: res.Meta}
		}
		for _, row := range res.Rows {
			out.Rows = append(out.Rows, append([]any{name}, row...))
		}
	}
	out.Meta.TookMS = float64(time.Since(start).Microseconds()) / 1000
	return tags(out), nil
}

func sortedTagNames(m map[string]TagUse) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// appender is what an engine offers to load many rows at once.
type appender interface {
	Append(ctx context.Context, table string, fill func(row func(values ...any) error) error) error
}

var audienceTables atomic.Int64

// keyDict names the entity's key dictionary when its key is text, or "".
func keyDict(s *aud.Scope) string {
	if !s.Dictionary() {
		return ""
	}
	return sqlgen.KeyDictTable(s)
}

// idBatch is how many ids one INSERT loads on an engine without an appender.
const idBatch = 1000

// loadIDs writes the members' ids into a new table: appended where the
// engine can, else in multi-row INSERTs of bound ids.
func (s *Project) loadIDs(ctx context.Context, table string, members *roaring.Bitmap) error {
	if ap, ok := s.Engine.(appender); ok {
		return ap.Append(ctx, table, func(row func(values ...any) error) error {
			it := members.Iterator()
			for it.HasNext() {
				if err := row(int64(it.Next())); err != nil {
					return err
				}
			}
			return nil
		})
	}
	ids := make([]uint32, idBatch)
	args := make([]any, 0, idBatch)
	it := members.ManyIterator()
	for {
		n := it.NextMany(ids)
		if n == 0 {
			return nil
		}
		args = args[:0]
		for _, id := range ids[:n] {
			args = append(args, int64(id))
		}
		if err := s.Engine.Exec(ctx, sqlgen.AudienceIDsInsert(s.Dialect, table, n), args...); err != nil {
			return err
		}
	}
}

// restricted runs the query over the facts of the members; semi names the
// entity key and its dictionary.
func (s *Project) restricted(ctx context.Context, q *plan.Query, semi plan.SemiJoin, members *roaring.Bitmap, start time.Time) (*Result, error) {
	table := fmt.Sprintf("%s.audience_%d_%d", sqlgen.StateSchema, time.Now().UnixNano(), audienceTables.Add(1))
	if err := s.Engine.Exec(ctx, sqlgen.AudienceIDsCreate(s.Dialect, table)); err != nil {
		return nil, engine.Clean(err)
	}
	defer func() { _ = s.Engine.Exec(context.WithoutCancel(ctx), sqlgen.DropTable(s.Dialect, table)) }()
	if err := s.loadIDs(ctx, table, members); err != nil {
		return nil, engine.Clean(err)
	}
	c := *q
	c.Audience, c.Audiences = "", nil
	semi.Table = table
	c.Semi = []plan.SemiJoin{semi}
	res, err := s.Query(ctx, &c)
	if err != nil {
		return nil, err
	}
	res.Meta.TookMS = float64(time.Since(start).Microseconds()) / 1000
	return res, nil
}
