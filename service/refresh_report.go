package service

import (
	"context"

	"github.com/strata-metrics/strata/materializer"
)

// RefreshReport is what one refresh of named rollups and tags did, in the
// form both `strata refresh` prints and POST /v1/refresh answers: the CLI
// talking to a running server prints the report the server sends exactly as
// it prints its own.
type RefreshReport struct {
	// Rollups are the rollup builds, in order; empty when only tags were named.
	Rollups []materializer.RefreshResult `json:"rollups"`
	// Tags are the tag builds; empty when a rollup failed (tags are built
	// only over rollups that all built) or only rollups were named.
	Tags []materializer.TagResult `json:"tags"`
}

// RollupFailures counts the failed rollup builds.
func (r *RefreshReport) RollupFailures() int {
	n := 0
	for _, x := range r.Rollups {
		if x.Error != "" || x.Err != nil {
			n++
		}
	}
	return n
}

// TagFailures counts the failed tag builds.
func (r *RefreshReport) TagFailures() int {
	n := 0
	for _, x := range r.Tags {
		if x.Error != "" || x.Err != nil {
			n++
		}
	}
	return n
}

// RefreshNamed refreshes what names name — rollups and tags, all of both
// when names is empty:
//  1. names that are tags are set apart from the rest (rollup names, checked
//     by Refresh: an unknown one is an error before anything builds);
//  2. unless only tags were named, the rollups are refreshed; when one
//     fails the report ends there, so tags are never built over a failure;
//  3. the tags are built when none were named and no rollup was, or when
//     some were named.
func (s *Project) RefreshNamed(ctx context.Context, names []string, progress func(materializer.RefreshResult)) (*RefreshReport, error) {
	isTag := map[string]bool{}
	for _, t := range s.m.TagNames() {
		isTag[t] = true
	}
	var rollups, tags []string
	for _, n := range names {
		if isTag[n] {
			tags = append(tags, n)
		} else {
			rollups = append(rollups, n)
		}
	}
	rep := &RefreshReport{Rollups: []materializer.RefreshResult{}, Tags: []materializer.TagResult{}}
	if len(names) == 0 || len(rollups) > 0 {
		res, err := s.Refresh(ctx, rollups, progress)
		if err != nil {
			return nil, err
		}
		rep.Rollups = res
		if rep.RollupFailures() > 0 || (len(rollups) > 0 && len(tags) == 0) {
			return rep, nil
		}
	}
	if len(s.Project.Tags) == 0 {
		return rep, nil
	}
	res, err := s.m.RefreshTags(ctx, tags, nil)
	// Whatever was swapped in before an error, the next request reads it.
	if svc, aerr := s.AudienceService(); aerr == nil {
		svc.Forget()
	}
	if err != nil {
		return nil, err
	}
	for i := range res {
		if res[i].Err != nil && res[i].Error == "" {
			res[i].Error = materializer.WithoutPaths(res[i].Err.Error(), s.Project.Dir)
		}
	}
	rep.Tags = res
	return rep, nil
}
