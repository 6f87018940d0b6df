package model

import (
	"os"
	"regexp"

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
	ok := d.mapping(n, "api key", handlers{
		"name":  func(v ast.Node) { k.Name, k.Pos = d.name(v, "api key") },
		"token": func(v ast.Node) { k.Token, _ = d.str(v, "api key token") },
		"where": func(v ast.Node) { k.Where = d.expr(v, "where") },
		"metrics": func(v ast.Node) {
			for _, m := range d.list(v, "api key metrics", true) {
				if s, ok := d.str(m, "api key metrics"); ok {
					k.Metrics = append(k.Metrics, s)
				}
			}
		},
	}, "name", "token")
	if !ok {
		return
	}
	if k.Token.Value != "" && !envRef.MatchString(k.Token.Value) {
		d.add(WarnLiteralToken(k.Token.Pos, k.Name, "STRATA_KEY_"+upper(k.Name)))
	}
	for _, o := range p.API.Keys {
		if o.Name == k.Name {
			d.add(ErrDuplicateName(k.Pos, "api key", k.Name, o.Pos))
			return
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
