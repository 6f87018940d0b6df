package model

import (
	"fmt"
	"os"
	"regexp"
	"strings"

	"github.com/goccy/go-yaml/ast"
)

// APIConfig is the DataAPI's access configuration in strata.yaml.
type APIConfig struct {
	Keys []*APIKey
	Pos  Pos
}

// APIKey is one caller of the DataAPI. Its token comes from the environment
// (`token: ${STRATA_KEY_EAST}`), so that no secret is kept in git; Where is
// ANDed into every query the key makes, and Metrics, when set, lists the only
// metrics it may read.
type APIKey struct {
	Name    string
	Pos     Pos
	Token   Str // as written: ${VAR} references are expanded by Secret
	Where   Expr
	Metrics []Str
}

var envRef = regexp.MustCompile(`\$\{([A-Za-z_][A-Za-z0-9_]*)\}`)

// Secret is the key's token with ${VAR} references expanded from the
// environment, and the names of the variables that were unset or empty.
func (k *APIKey) Secret() (token string, unset []string) {
	token = envRef.ReplaceAllStringFunc(k.Token.Value, func(m string) string {
		name := envRef.FindStringSubmatch(m)[1]
		v := os.Getenv(name)
		if v == "" {
			unset = append(unset, name)
		}
		return v
	})
	return token, unset
}

// Scoped reports whether the key is limited to some rows or metrics.
func (k *APIKey) Scoped() bool { return !k.Where.IsZero() || len(k.Metrics) > 0 }

func (d *decoder) api(v ast.Node, p *Project) {
	p.API.Pos = d.pos(v)
	d.mapping(v, "api", handlers{
		"keys": func(v ast.Node) { d.each(v, "api.keys", func(n ast.Node) { d.apiKey(n, p) }) },
	})
}

func (d *decoder) apiKey(n ast.Node, p *Project) {
	k := &APIKey{Pos: d.pos(n)}
	var tokenOK, metricsOK bool
	var metricsPos Pos
	ok := d.mapping(n, "api key", handlers{
		"name":  func(v ast.Node) { k.Name, k.Pos = d.name(v, "api key") },
		"token": func(v ast.Node) { k.Token, tokenOK = d.str(v, "api key token") },
		"where": func(v ast.Node) { k.Where = d.expr(v, "where") },
		"metrics": func(v ast.Node) {
			metricsOK, metricsPos = true, d.pos(v)
			for _, m := range d.list(v, "api key metrics", true) {
				s, ok := d.str(m, "api key metrics")
				if !ok {
					metricsOK = false
					continue
				}
				for _, o := range k.Metrics {
					if o.Value == s.Value {
						d.add(ErrInvalid(s.Pos, "metrics", fmt.Sprintf("metric %s is listed twice for api key %s (first at %s); list it once", s.Value, k.Name, o.Pos)))
					}
				}
				k.Metrics = append(k.Metrics, s)
			}
		},
	}, "name", "token")
	if !ok {
		return
	}
	envName := "STRATA_KEY_" + upper(k.Name)
	switch {
	case tokenOK && k.Token.Value == "":
		d.add(ErrInvalid(k.Token.Pos, "token", fmt.Sprintf("api key %s has an empty token, so no request could use it; write `token: ${%s}` and set that variable where strata serve runs", k.Name, envName)))
	case k.Token.Value != "" && !envRef.MatchString(k.Token.Value):
		d.add(WarnLiteralToken(k.Token.Pos, k.Name, envName))
	}
	if metricsOK && len(k.Metrics) == 0 {
		// Read as "no limit" this would let the key read every metric.
		d.add(ErrInvalid(metricsPos, "metrics", fmt.Sprintf("api key %s lists no metric; list the metrics it may read, or remove metrics: to let it read all", k.Name)))
	}
	for _, o := range p.API.Keys {
		if o.Name == k.Name {
			d.add(ErrDuplicateName(k.Pos, "api key", k.Name, o.Pos))
			return
		}
	}
	for _, o := range p.API.Keys {
		// One token must name one key: which scope a request gets would
		// otherwise depend on the order of the keys.
		if k.Token.Value != "" && strings.TrimSpace(o.Token.Value) == strings.TrimSpace(k.Token.Value) {
			d.add(ErrInvalid(k.Token.Pos, "token", fmt.Sprintf("api key %s has the same token as api key %s (at %s); give each key a token of its own, such as ${%s}", k.Name, o.Name, o.Token.Pos, envName)))
			break
		}
	}
	p.API.Keys = append(p.API.Keys, k)
}

func upper(s string) string {
	b := []byte(s)
	for i, c := range b {
		if c >= 'a' && c <= 'z' {
			b[i] = c - 'a' + 'A'
		}
	}
	return string(b)
}
