package bankgen

import (
	"context"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/strata-metrics/strata/engine/duckdb"
)

func TestScratch(t *testing.T) {
	dir := os.Getenv("BANKDIR")
	db, _ := duckdb.Open("", 2)
	ctx := context.Background()
	for _, tb := range Tables {
		db.RegisterSource(ctx, tb.Name, dir+"/"+tb.Name+".parquet")
	}
	qs := strings.Split(os.Getenv("Q"), ";;")
	for _, q := range qs {
		res, err := db.Query(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		fmt.Println("==", q)
		for _, r := range res.Rows {
			fmt.Println(r...)
		}
	}
}
