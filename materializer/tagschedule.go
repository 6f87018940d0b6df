package materializer

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"sort"
	"time"

	"github.com/strata-metrics/strata/compiler/audience"
	"github.com/strata-metrics/strata/materializer/schedule"
	"github.com/strata-metrics/strata/model"
)

// Scheduled tags. Each tag is a scheduler job named TagJobPrefix+name with
// its own freshness SLA and cron, probed like a rollup: the fingerprint of
// the sources it reads (the entity table and the tables its fields join,
// and for a behaviour tag every table of its fact's wide table) says when
// they changed; a build is RefreshTags of that tag, which also rebuilds the
// entity's population so NOT and profiles stay within the entity table as
// it is. A tag built by `strata refresh` after its sources last changed
// counts as built from them; one whose recorded definition differs from the
// model's counts as never built.

// TagJobPrefix starts the scheduler job name of a tag.
const TagJobPrefix = "tag:"

func (m *Materializer) tagDefs() map[string]*audience.TagDef {
	out := map[string]*audience.TagDef{}
	for _, t := range m.Project.Tags {
		if d, err := audience.Definition(m.Catalog, t); err == nil {
			out[t.Name] = d
		}
	}
	return out
}

// tagJobs are the project's tags as scheduler jobs.
func (m *Materializer) tagJobs() []schedule.Job {
	out := make([]schedule.Job, 0, len(m.Project.Tags))
	for _, t := range m.Project.Tags {
		out = append(out, schedule.Job{Name: TagJobPrefix + t.Name, Cron: t.Cron.Value, Freshness: t.Freshness})
	}
	return out
}

// tagTables lists the tables a tag's build reads.
func (m *Materializer) tagTables(d *audience.TagDef) []*model.Table {
	seen := map[string]bool{}
	var out []*model.Table
	add := func(t *model.Table) {
		if t != nil && !seen[t.Name] {
			seen[t.Name] = true
			out = append(out, t)
		}
	}
	for _, a := range d.Scope.Aliases() {
		add(d.Scope.Wide.Instance(a).Table)
	}
	if wm := d.Tag.WhereMetric; wm != nil {
		if lm := m.Catalog.Metrics[wm.Metric.Value]; lm != nil && lm.Fact != nil {
			for _, in := range lm.Fact.Instances {
				add(in.Table)
			}
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// probeTag fingerprints a tag's sources.
func (m *Materializer) probeTag(name string) (schedule.Observation, error) {
	d := m.tagDefs()[name]
	if d == nil {
		return schedule.Observation{}, fmt.Errorf("tag %s: its definition does not check", name)
	}
	return schedule.Observation{Fingerprint: m.tagFingerprint(d), ChangedAt: m.tagChangedAt(d)}, nil
}

func (m *Materializer) tagFingerprint(d *audience.TagDef) string {
	h := sha256.New()
	for _, t := range m.tagTables(d) {
		fmt.Fprintf(h, "%s:%s\n", t.Name, m.SourceStat(t))
	}
	return hex.EncodeToString(h.Sum(nil))[:16]
}

// tagChangedAt is the newest modification among a tag's source files.
func (m *Materializer) tagChangedAt(d *audience.TagDef) time.Time {
	var t time.Time
	for _, tb := range m.tagTables(d) {
		if c := m.SourceNewest(tb); c.After(t) {
			t = c
		}
	}
	return t
}

// buildTagJob is the scheduler's build of one tag.
func (m *Materializer) buildTagJob(ctx context.Context, name string) error {
	res, err := m.RefreshTags(ctx, []string{name}, nil)
	if err != nil {
		return err
	}
	for _, r := range res {
		if r.Err != nil {
			return fmt.Errorf("%s: %w", r.Name, r.Err)
		}
	}
	return nil
}

// seedTagStates reconciles the scheduler's state of the tag jobs with the
// recorded tag builds (see the comment on top).
func (m *Materializer) seedTagStates(ctx context.Context, states map[string]schedule.State) error {
	rec, err := m.tagStates(ctx)
	if err != nil {
		return err
	}
	defs := m.tagDefs()
	for _, t := range m.Project.Tags {
		job := TagJobPrefix + t.Name
		st := states[job]
		st.Name = job
		row, ok := rec[t.Name]
		d := defs[t.Name]
		switch {
		case d == nil || !ok || row.Table == "" || row.Hash != d.Hash:
			st.BuiltFingerprint, st.BuiltAt, st.PendingSince = "", time.Time{}, time.Time{}
		case row.BuiltAt.After(st.BuiltAt) || st.BuiltFingerprint == "":
			if !row.BuiltAt.Before(m.tagChangedAt(d)) {
				st.BuiltFingerprint = m.tagFingerprint(d)
			}
			st.BuiltAt = row.BuiltAt
		}
		states[job] = st
	}
	return nil
}
