package model

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
)

// Type is a column or field type in Strata's portable vocabulary. Engines map
// it onto their own names in compiler/sqlgen.
type Type struct {
	Base      string // tinyint smallint integer bigint float double decimal varchar boolean date timestamp timestamptz
	Precision int    // decimal only
	Scale     int
}

// Type families.
const (
	FamNumber = "number"
	FamString = "string"
	FamBool   = "boolean"
	FamDate   = "date"
	FamTime   = "timestamp"
	FamAny    = "any" // unknown, e.g. NULL
)

var typeAliases = map[string]string{
	"tinyint": "tinyint", "int1": "tinyint",
	"smallint": "smallint", "int2": "smallint",
	"int": "integer", "integer": "integer", "int4": "integer",
	"bigint": "bigint", "int8": "bigint", "long": "bigint",
	"float": "float", "real": "float", "float4": "float",
	"double": "double", "float8": "double", "double precision": "double",
	"decimal": "decimal", "numeric": "decimal",
	"varchar": "varchar", "string": "varchar", "text": "varchar", "char": "varchar",
	"boolean": "boolean", "bool": "boolean",
	"date":      "date",
	"timestamp": "timestamp", "datetime": "timestamp",
	"timestamptz": "timestamptz", "timestamp with time zone": "timestamptz",
}

var decimalRe = regexp.MustCompile(`^(decimal|numeric)\s*\(\s*(\d+)\s*(?:,\s*(\d+)\s*)?\)$`)
var sizedRe = regexp.MustCompile(`^(varchar|char)\s*\(\s*\d+\s*\)$`)

// ParseType reads a type name as written in a model file.
func ParseType(s string) (Type, error) {
	l := strings.ToLower(strings.TrimSpace(s))
	if m := decimalRe.FindStringSubmatch(l); m != nil {
		p, _ := strconv.Atoi(m[2])
		sc := 0
		if m[3] != "" {
			sc, _ = strconv.Atoi(m[3])
		}
		if p < 1 || p > 38 || sc > p {
			return Type{}, fmt.Errorf("decimal(%d,%d) is out of range: precision 1..38, scale ≤ precision", p, sc)
		}
		return Type{Base: "decimal", Precision: p, Scale: sc}, nil
	}
	if sizedRe.MatchString(l) {
		return Type{Base: "varchar"}, nil
	}
	if b, ok := typeAliases[l]; ok {
		t := Type{Base: b}
		if b == "decimal" {
			t.Precision, t.Scale = 18, 3
		}
		return t, nil
	}
	return Type{}, fmt.Errorf("unknown type %q%s", s, DidYouMean(l, SortedKeys(typeAliases)))
}

func (t Type) String() string {
	if t.Base == "decimal" {
		return fmt.Sprintf("decimal(%d,%d)", t.Precision, t.Scale)
	}
	if t.Base == "" {
		return "unknown"
	}
	return t.Base
}

// Family groups types by what operations they support.
func (t Type) Family() string {
	switch t.Base {
	case "tinyint", "smallint", "integer", "bigint", "float", "double", "decimal":
		return FamNumber
	case "varchar":
		return FamString
	case "boolean":
		return FamBool
	case "date":
		return FamDate
	case "timestamp", "timestamptz":
		return FamTime
	}
	return FamAny
}

// IsTemporal reports whether the type takes time grains.
func (t Type) IsTemporal() bool { f := t.Family(); return f == FamDate || f == FamTime }

// IsInteger reports whether the type is an integer type.
func (t Type) IsInteger() bool {
	switch t.Base {
	case "tinyint", "smallint", "integer", "bigint":
		return true
	}
	return false
}
