package materializer_test

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// Oracle cases can also be written as scripts, testdata/oracle/*.txt, read
// here into oracleCases (so TestOracle and TestConformance run them on every
// engine, raw and through the rollups). A script is a list of cases:
//
//	# a comment
//	case <name>
//	query <the metric query as JSON, on one line>
//	rollup <the rollup that must serve it when rollups are built>   (optional)
//	null-in <output column that must hold a NULL>                  (optional, repeatable)
//	approx <output column> <relative tolerance>                    (optional, repeatable)
//	sql
//	<the hand-written SQL over the raw tables, DuckDB's dialect>
//	end
//
// The SQL's columns are the query's dimensions then its metrics.
func init() {
	files, err := filepath.Glob(filepath.Join("testdata", "oracle", "*.txt"))
	if err != nil {
		panic(err)
	}
	for _, f := range files {
		cases, err := readOracleScript(f)
		if err != nil {
			panic(err)
		}
		oracleCases = append(oracleCases, cases...)
	}
}

func readOracleScript(path string) ([]oracleCase, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var out []oracleCase
	var c *oracleCase
	var sql []string
	inSQL := false
	sc := bufio.NewScanner(f)
	line := 0
	fail := func(msg string, args ...any) error {
		return fmt.Errorf("%s:%d: %s", path, line, fmt.Sprintf(msg, args...))
	}
	for sc.Scan() {
		line++
		text := sc.Text()
		if inSQL {
			if strings.TrimSpace(text) == "end" {
				c.sql, inSQL = strings.Join(sql, "\n"), false
				out = append(out, *c)
				c, sql = nil, nil
				continue
			}
			sql = append(sql, text)
			continue
		}
		text = strings.TrimSpace(text)
		if text == "" || strings.HasPrefix(text, "#") {
			continue
		}
		word, rest, _ := strings.Cut(text, " ")
		rest = strings.TrimSpace(rest)
		if word != "case" && c == nil {
			return nil, fail("%q before any case", word)
		}
		switch word {
		case "case":
			if c != nil {
				return nil, fail("case %s has no sql … end", c.name)
			}
			c = &oracleCase{name: rest}
		case "query":
			dec := json.NewDecoder(strings.NewReader(rest))
			dec.DisallowUnknownFields()
			if err := dec.Decode(&c.q); err != nil {
				return nil, fail("query: %v", err)
			}
		case "rollup":
			c.rollup = rest
		case "null-in":
			c.nullIn = append(c.nullIn, rest)
		case "approx":
			col, tol, _ := strings.Cut(rest, " ")
			v, err := strconv.ParseFloat(strings.TrimSpace(tol), 64)
			if err != nil {
				return nil, fail("approx %s: tolerance: %v", col, err)
			}
			if c.approx == nil {
				c.approx = map[string]float64{}
			}
			c.approx[col] = v
		case "sql":
			inSQL = true
		default:
			return nil, fail("unknown line %q (want case, query, rollup, null-in, approx or sql)", word)
		}
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	if c != nil {
		return nil, fail("case %s is not closed with end", c.name)
	}
	return out, nil
}
