package service

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/RoaringBitmap/roaring/v2"
	"github.com/pingcap/tidb/pkg/parser/ast"

	aud "github.com/strata-metrics/strata/compiler/audience"
	"github.com/strata-metrics/strata/compiler/plan"
	"github.com/strata-metrics/strata/model"
)

// AudienceRequest is an audience request, as sent to POST /v1/audiences.
type AudienceRequest struct {
	Expr    string            `json:"expr"`
	Profile []string          `json:"profile,omitempty"`
	Tags    bool              `json:"tags,omitempty"`
	Overlap map[string]string `json:"overlap,omitempty"`
	// Scope is the calling key's limit, set by the server (never from
	// JSON): the population and every answer stay within it.
	Scope *plan.Scope `json:"-"`
}

// MaxAudienceOverlaps and MaxAudienceProfile bound a request's work.
const (
	MaxAudienceOverlaps = 32
	MaxAudienceProfile  = 16
)

// DecodeAudienceRequest reads a request from JSON, rejecting unknown fields.
func DecodeAudienceRequest(data []byte) (*AudienceRequest, error) {
	dec := json.NewDecoder(strings.NewReader(string(data)))
	dec.DisallowUnknownFields()
	var r AudienceRequest
	if err := dec.Decode(&r); err != nil {
		msg := err.Error()
		if strings.HasPrefix(msg, "json: unknown field ") {
			f := strings.Trim(strings.TrimPrefix(msg, "json: unknown field "), `"`)
			return nil, &AudienceError{Field: "request", Code: "bad-json", Msg: fmt.Sprintf("unknown field %q%s", f, model.DidYouMean(f, []string{"expr", "profile", "tags", "overlap", "format"}))}
		}
		return nil, &AudienceError{Field: "request", Code: "bad-json", Msg: "malformed JSON: " + strings.TrimPrefix(msg, "json: ")}
	}
	return &r, nil
}

// AudienceOverlap is the audience's intersection with another named audience.
type AudienceOverlap struct {
	Name  string  `json:"name"`
	Expr  string  `json:"expr"`
	Size  uint64  `json:"size"`
	Both  uint64  `json:"both"`
	Share float64 `json:"share"` // both ÷ the audience's size
}

// AudienceResponse answers an audience request.
type AudienceResponse struct {
	Entity     string            `json:"entity"`
	Size       uint64            `json:"size"`
	Population uint64            `json:"population"`
	Share      float64           `json:"share"`
	Overlap    []AudienceOverlap `json:"overlap,omitempty"`
	Profile    []ProfileDim      `json:"profile,omitempty"`
	Saturation []Saturation      `json:"saturation,omitempty"`
	Tags       []TagUse          `json:"tags"`
	Stale      []TagUse          `json:"stale,omitempty"`
	TookMS     float64           `json:"took_ms"`
}

func ratio(a, b uint64) float64 {
	if b == 0 {
		return 0
	}
	return float64(a) / float64(b)
}

// compile compiles one expression of the request.
func (s *Audiences) compile(field, text, entity string) (*aud.Audience, error) {
	a, err := aud.Compile(s.w.Catalog, text, entity)
	if err != nil {
		return nil, &AudienceError{Field: field, Offset: err.Offset, Code: err.Code, Msg: err.Msg}
	}
	return a, nil
}

// Evaluate answers an audience request.
func (s *Audiences) Evaluate(ctx context.Context, r *AudienceRequest) (*AudienceResponse, error) {
	res, err := s.evaluate(ctx, r)
	return res, s.sourceGone(ctx, r.Expr, err)
}

// sourceGone is, for an audience that failed in the engine, the source of
// its wide table removed while the server runs, if one is: the failure is
// that source's. Otherwise it is err itself.
func (s *Audiences) sourceGone(ctx context.Context, expr string, err error) error {
	var ae *AudienceError
	if err == nil || ctx.Err() != nil || errors.As(err, &ae) {
		return err
	}
	if a, cerr := s.compile("expr", expr, ""); cerr == nil && a.Scope.Wide != nil {
		for _, in := range a.Scope.Wide.Instances {
			if e := s.w.m.MissingNow(in.Table.Name); e != nil {
				return e
			}
		}
	}
	return err
}

func (s *Audiences) evaluate(ctx context.Context, r *AudienceRequest) (*AudienceResponse, error) {
	start := time.Now()
	if len(r.Overlap) > MaxAudienceOverlaps {
		return nil, &AudienceError{Field: "overlap", Code: "too-many", Msg: fmt.Sprintf("%d overlap audiences; the limit is %d", len(r.Overlap), MaxAudienceOverlaps)}
	}
	if len(r.Profile) > MaxAudienceProfile {
		return nil, &AudienceError{Field: "profile", Code: "too-many", Msg: fmt.Sprintf("%d profile dimensions; the limit is %d", len(r.Profile), MaxAudienceProfile)}
	}
	main, err := s.compile("expr", r.Expr, "")
	if err != nil {
		return nil, err
	}
	entity := main.Scope.Entity.Name
	names := make([]string, 0, len(r.Overlap))
	for n := range r.Overlap {
		names = append(names, n)
	}
	sort.Strings(names)
	auds := []*aud.Audience{main}
	for _, n := range names {
		a, err := s.compile("overlap."+n, r.Overlap[n], entity)
		if err != nil {
			return nil, err
		}
		auds = append(auds, a)
	}
	sn, err := s.snapshot(ctx, main.Scope, r.Scope)
	if err != nil {
		return nil, err
	}
	preds, err := sn.predicates(ctx, auds)
	if err != nil {
		return nil, err
	}
	members, err := sn.eval(ctx, main.Root, preds)
	if err != nil {
		return nil, err
	}
	out := &AudienceResponse{Entity: entity, Size: members.card, Population: sn.pop.GetCardinality()}
	out.Share = ratio(out.Size, out.Population)
	for i, n := range names {
		size, both, err := sn.overlap(ctx, auds[i+1].Root, preds, members)
		if err != nil {
			return nil, err
		}
		out.Overlap = append(out.Overlap, AudienceOverlap{Name: n, Expr: r.Overlap[n], Size: size, Both: both, Share: ratio(both, out.Size)})
	}
	for i, f := range r.Profile {
		p, err := sn.profile(ctx, fmt.Sprintf("profile[%d]", i), f, members.bitmap())
		if err != nil {
			return nil, err
		}
		out.Profile = append(out.Profile, *p)
	}
	if r.Tags {
		sat, err := sn.saturation(ctx, members.bitmap())
		if err != nil {
			return nil, err
		}
		out.Saturation = sat
	}
	out.Tags = sn.uses()
	for _, u := range out.Tags {
		if u.Stale {
			out.Stale = append(out.Stale, u)
		}
	}
	out.TookMS = float64(time.Since(start).Microseconds()) / 1000
	return out, nil
}

// Members evaluates an audience to its members' ids, with the tag versions
// it read.
func (s *Audiences) Members(ctx context.Context, text string) (*roaring.Bitmap, *aud.Audience, []TagUse, error) {
	return s.MembersIn(ctx, text, nil)
}

// MembersIn is Members for a key limited by scope (nil: none).
func (s *Audiences) MembersIn(ctx context.Context, text string, scope *plan.Scope) (*roaring.Bitmap, *aud.Audience, []TagUse, error) {
	bm, a, uses, err := s.membersIn(ctx, text, scope)
	return bm, a, uses, s.sourceGone(ctx, text, err)
}

func (s *Audiences) membersIn(ctx context.Context, text string, scope *plan.Scope) (*roaring.Bitmap, *aud.Audience, []TagUse, error) {
	a, err := s.compile("expr", text, "")
	if err != nil {
		return nil, nil, nil, err
	}
	sn, err := s.snapshot(ctx, a.Scope, scope)
	if err != nil {
		return nil, nil, nil, err
	}
	preds, err := sn.predicates(ctx, []*aud.Audience{a})
	if err != nil {
		return nil, nil, nil, err
	}
	m, err := sn.eval(ctx, a.Root, preds)
	if err != nil {
		return nil, nil, nil, err
	}
	return m.bitmap(), a, sn.uses(), nil
}

func exprs(ps []*aud.Predicate) []ast.ExprNode {
	out := make([]ast.ExprNode, len(ps))
	for i, p := range ps {
		out[i] = p.Expr
	}
	return out
}

// AudienceExportRequest asks for an audience's member ids.
type AudienceExportRequest struct {
	Expr   string `json:"expr"`
	Format string `json:"format,omitempty"` // csv (default) | parquet
}

// DecodeAudienceExport reads an export request from JSON, rejecting unknown fields.
func DecodeAudienceExport(data []byte) (*AudienceExportRequest, error) {
	dec := json.NewDecoder(strings.NewReader(string(data)))
	dec.DisallowUnknownFields()
	var r AudienceExportRequest
	if err := dec.Decode(&r); err != nil {
		msg := err.Error()
		if strings.HasPrefix(msg, "json: unknown field ") {
			f := strings.Trim(strings.TrimPrefix(msg, "json: unknown field "), `"`)
			return nil, &AudienceError{Field: "request", Code: "bad-json", Msg: fmt.Sprintf("unknown field %q%s", f, model.DidYouMean(f, []string{"expr", "format"}))}
		}
		return nil, &AudienceError{Field: "request", Code: "bad-json", Msg: "malformed JSON: " + strings.TrimPrefix(msg, "json: ")}
	}
	switch r.Format {
	case "", ExportCSV, ExportParquet:
	default:
		return nil, &AudienceError{Field: "format", Code: "bad-format", Msg: fmt.Sprintf("format %q is not csv or parquet", r.Format)}
	}
	return &r, nil
}

// AudienceKeyColumn names the column an export of the audience's entity holds.
func AudienceKeyColumn(a *aud.Audience) string { return a.Scope.Key }
