package sqlgen

import (
	"fmt"
	"strings"

	"github.com/strata-metrics/strata/compiler/audience"
)

// Key dictionaries. An entity whose key is text (audience.Scope.Dictionary)
// has a table in the state schema mapping each key it has had to a 32-bit
// id: entity_key is the primary key, id is unique. The dictionary only
// grows. KeyDictSync adds the keys the entity table holds that it lacks, in
// one INSERT … SELECT: the new keys get the ids after the largest ever given
// (in key order), so an id is never renumbered nor reused, a key deleted and
// added again gets its old id back, and a statement that fails adds nothing.
// A dictionary row whose key no longer exists is harmless: ids come from the
// population's bitmap, which holds only the keys present when it was built.
//
// Every query of a tag build or an audience that returns entities returns
// ids: the entity writer joins the dictionary where its key is selected
// (entityWriter.key), PackedTests joins it to the aggregation's key, and an
// audience's semi-join maps its ids back to keys through it.

// keyDictAlias is the dictionary's alias in the queries that join it.
const keyDictAlias = "_strata_keys"

// KeyDictTable names an entity's key dictionary.
func KeyDictTable(s *audience.Scope) string {
	return StateSchema + ".keys_" + sanitizeName(s.Entity.Name)
}

func sanitizeName(name string) string {
	return strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_' {
			return r
		}
		return '_'
	}, name)
}

// KeyDictDDL creates an entity's key dictionary if needed (the state schema
// exists: TagStateDDL).
func KeyDictDDL(d Dialect, s *audience.Scope) string {
	if o := d.OLAP(); o != nil {
		// StarRocks and Doris have no UNIQUE constraint: the key is the
		// table's key (a primary-key table; Doris: merge-on-write unique
		// key), and the sync never writes a key the dictionary has, so an
		// id once given is never overwritten.
		return olapKeyed(o.Engine, KeyDictTable(s), []string{
			d.QuoteIdent("entity_key") + " " + keyType(d) + " NOT NULL",
			d.QuoteIdent("id") + " BIGINT NOT NULL"}, "entity_key")
	}
	return fmt.Sprintf("CREATE TABLE IF NOT EXISTS %s (%s %s NOT NULL PRIMARY KEY, %s BIGINT NOT NULL UNIQUE)",
		Table(d, KeyDictTable(s)), d.QuoteIdent("entity_key"), keyType(d), d.QuoteIdent("id"))
}

// keyType is the stored type of a text key: MySQL indexes only a bounded
// VARCHAR, and StarRocks encodes a primary key in at most 128 bytes unless
// its BEs raise primary_key_limit_size, so a longer key fails the sync with
// the engine's error rather than being cut.
func keyType(d Dialect) string {
	switch d.Name() {
	case "duckdb":
		return "VARCHAR"
	case "starrocks":
		return "VARCHAR(128)"
	}
	return "VARCHAR(512)"
}

// KeyDictSync adds the entity's new keys to its dictionary; see the comment
// on top.
func KeyDictSync(d Dialect, s *audience.Scope) string {
	w := newEntityWriter(d, s, "")
	k := w.rawKey()
	dict := Table(d, KeyDictTable(s))
	q := d.QuoteIdent
	old := q("old")
	return fmt.Sprintf(`INSERT INTO %s (%s, %s)
SELECT %s.%s, %s.%s + ROW_NUMBER() OVER (ORDER BY %s.%s) - 1
FROM (
  SELECT DISTINCT %s AS %s
  FROM %s AS %s
  LEFT JOIN %s AS %s ON %s.%s = %s
  WHERE %s IS NOT NULL AND %s.%s IS NULL
) AS %s
CROSS JOIN (SELECT COALESCE(MAX(%s) + 1, 0) AS %s FROM %s) AS %s`,
		dict, q("entity_key"), q("id"),
		q("new"), q("k"), q("next"), q("base"), q("new"), q("k"),
		k, q("k"),
		q(s.Entity.Name), q(s.Alias),
		dict, old, old, q("entity_key"), k,
		k, old, q("id"),
		q("new"),
		q("id"), q("base"), dict, q("next"))
}

// KeyDictRead reads a dictionary in id order, id first.
func KeyDictRead(d Dialect, s *audience.Scope) string {
	return fmt.Sprintf("SELECT %s, %s FROM %s ORDER BY 1", d.QuoteIdent("id"), d.QuoteIdent("entity_key"), Table(d, KeyDictTable(s)))
}

// keyDictJoin joins the dictionary to a key column, naming it keyDictAlias.
func keyDictJoin(d Dialect, s *audience.Scope, key string) string {
	a := d.QuoteIdent(keyDictAlias)
	return fmt.Sprintf("JOIN %s AS %s ON %s.%s = %s", Table(d, KeyDictTable(s)), a, a, d.QuoteIdent("entity_key"), key)
}

func keyDictID(d Dialect) string {
	return d.QuoteIdent(keyDictAlias) + "." + d.QuoteIdent("id")
}
