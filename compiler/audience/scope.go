package audience

import (
	"fmt"
	"sort"
	"strings"

	"github.com/strata-metrics/strata/compiler/logical"
	"github.com/strata-metrics/strata/model"
)

// Scope is what the audiences of one entity can read: the entity table, its
// key, and the fields reachable from it along many-to-one joins. The catalog's
// wide tables are rooted at facts, so a scope borrows the part of one wide
// table that hangs below the entity's instance: the same aliases, fields and
// joins, with the entity as the root.
type Scope struct {
	Entity *model.Table
	Key    string // the entity's single-column primary key
	Wide   *logical.WideTable
	Alias  string // the entity's instance in Wide
	depth  int    // the length of the entity instance's join path in Wide
}

// EntityScope finds the scope of an entity table.
func EntityScope(cat *logical.Catalog, entity string) (*Scope, error) {
	t := cat.Project.Table(entity)
	if t == nil {
		return nil, fmt.Errorf("unknown entity table %q%s", entity, model.DidYouMean(entity, cat.Project.TableNames()))
	}
	if len(t.PrimaryKey) != 1 {
		return nil, fmt.Errorf("table %q needs a single-column primary key to be an audience entity", entity)
	}
	var best *Scope
	bestCount := -1
	for _, w := range cat.Wide {
		in := w.Instance(entity)
		if in == nil || in.Table != t {
			continue
		}
		s := &Scope{Entity: t, Key: t.PrimaryKey[0].Value, Wide: w, Alias: entity, depth: len(in.Path)}
		if n := len(s.Aliases()); n > bestCount {
			best, bestCount = s, n
		}
	}
	if best == nil {
		return nil, fmt.Errorf("table %q is not reached by any fact; an audience entity must be joined from a fact", entity)
	}
	return best, nil
}

// under reports whether an instance hangs below the entity in the wide table.
func (s *Scope) under(in *logical.Instance) bool {
	root := s.Wide.Instance(s.Alias)
	if len(in.Path) < s.depth {
		return false
	}
	for i := 0; i < s.depth; i++ {
		if in.Path[i] != root.Path[i] {
			return false
		}
	}
	if len(in.Path) == s.depth {
		return in.Alias == s.Alias
	}
	return in.Path[s.depth].FromAlias == s.Alias
}

// Aliases lists the instances reachable from the entity, the entity first.
func (s *Scope) Aliases() []string {
	out := []string{s.Alias}
	for _, in := range s.Wide.Instances {
		if in.Alias != s.Alias && s.under(in) {
			out = append(out, in.Alias)
		}
	}
	return out
}

// Field returns a field reachable from the entity, or nil.
func (s *Scope) Field(name string) *logical.Field {
	f := s.Wide.Field(name)
	if f == nil {
		return nil
	}
	if in := s.Wide.Instance(f.Alias); in == nil || !s.under(in) {
		return nil
	}
	return f
}

// Own reports whether the field belongs to the entity table itself.
func (s *Scope) Own(f *logical.Field) bool { return f.Alias == s.Alias }

// FieldNames lists the fields reachable from the entity, sorted.
func (s *Scope) FieldNames() []string {
	var out []string
	for _, f := range s.Wide.Fields {
		if s.Field(f.Name) != nil {
			out = append(out, f.Name)
		}
	}
	sort.Strings(out)
	return out
}

// Joins lists the joins from the entity to the given instances, each join's
// left side first.
func (s *Scope) Joins(aliases map[string]bool) []logical.Join {
	onPath := map[string]bool{}
	for alias := range aliases {
		in := s.Wide.Instance(alias)
		if in == nil {
			continue
		}
		for _, j := range in.Path[s.depth:] {
			onPath[j.ToAlias] = true
		}
	}
	var out []logical.Join
	for _, in := range s.Wide.Instances {
		if onPath[in.Alias] && len(in.Path) > s.depth {
			out = append(out, in.Path[len(in.Path)-1])
		}
	}
	return out
}

// ResolveField resolves a field name as written (qualified, or bare when
// unique) to a field reachable from the entity.
func (s *Scope) ResolveField(cat *logical.Catalog, name string) (*logical.Field, error) {
	q, rerr := cat.Resolve(name)
	if rerr != nil {
		return nil, rerr
	}
	f := s.Field(q)
	if f == nil {
		alias, _, _ := strings.Cut(q, ".")
		return nil, fmt.Errorf("field %q cannot be reached from entity %q (table %s is not joined from it)%s", q, s.Entity.Name, alias, model.DidYouMean(q, s.FieldNames()))
	}
	return f, nil
}
