package model

import (
	"fmt"
	"os"
	"strings"
)

// Engine types a project may name in engine.type.
const (
	EngineDuckDB    = "duckdb"
	EngineMySQL     = "mysql"
	EngineStarRocks = "starrocks"
	EngineDoris     = "doris"
)

// Remote reports whether the engine is a server reached through a DSN.
func (e EngineConfig) Remote() bool { return e.Type != EngineDuckDB && e.Type != "" }

// ExpandDSN returns the DSN with each ${VAR} replaced by the environment's
// value, so that credentials stay out of the project's files. A variable that
// is not set is an error naming it; the error never quotes the DSN, which
// may hold a password written inline.
func (e EngineConfig) ExpandDSN() (string, error) {
	var missing []string
	out := envRef.ReplaceAllStringFunc(e.DSN, func(ref string) string {
		name := envRef.FindStringSubmatch(ref)[1]
		v, ok := os.LookupEnv(name)
		if !ok {
			missing = append(missing, name)
		}
		return v
	})
	if len(missing) > 0 {
		return "", fmt.Errorf("engine.dsn names the environment variable %s, which is not set; export it before running strata", strings.Join(missing, " and "))
	}
	return out, nil
}

// checkEngine checks the keys that only some engine types take.
func checkEngine(p *Project, diags *Diagnostics) {
	e := p.Engine
	if e.Remote() {
		if strings.TrimSpace(e.DSN) == "" {
			diags.Add(ErrInvalid(e.Pos, "engine.dsn", fmt.Sprintf("engine type %s needs a dsn, for example dsn: \"${STRATA_DSN}\" with STRATA_DSN=user:password@tcp(host:9030)/database in the environment", e.Type)))
		}
		if e.Threads != 0 {
			diags.Add(ErrInvalid(e.Pos, "engine.threads", fmt.Sprintf("threads applies to the embedded duckdb engine; a %s server sizes its own workers (use max_connections for the pool)", e.Type)))
		}
		if e.MaxConnections < 0 {
			diags.Add(ErrInvalid(e.Pos, "engine.max_connections", "must be 0 (the default, 8) or more"))
		}
		return
	}
	for _, k := range []struct {
		key string
		set bool
	}{{"dsn", e.DSN != ""}, {"max_connections", e.MaxConnections != 0}, {"query_timeout", e.QueryTimeout != 0}, {"tls_ca", e.TLSCA != ""}} {
		if k.set {
			pos := e.Pos
			if k.key == "dsn" {
				pos = e.DSNPos
			}
			diags.Add(ErrInvalid(pos, "engine."+k.key, k.key+" applies to the mysql, starrocks and doris engines; the embedded duckdb engine uses path"))
		}
	}
}
