package duckdb

import (
	"context"
	"testing"

	"github.com/strata-metrics/strata/engine"
)

func TestOpenQuery(t *testing.T) {
	db, err := Open("", 2)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	res, err := db.Query(context.Background(), `SELECT 1::BIGINT AS a, 'x' AS b, 2.5::DECIMAL(18,2) AS c, NULL AS d, date_trunc('month', (TIMESTAMP '2024-01-31 20:00:00' AT TIME ZONE 'UTC') AT TIME ZONE 'Asia/Shanghai') AS e`)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%+v %+v", res.Columns, res.Rows)
	if res.Rows[0][0].(int64) != 1 || res.Rows[0][1].(string) != "x" || res.Rows[0][2].(engine.Decimal).String() != "2.50" || res.Rows[0][3] != nil {
		t.Fatalf("unexpected row %v", res.Rows[0])
	}
}
