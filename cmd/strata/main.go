// Command strata is the Strata metric layer: validate models, query metrics,
// build rollups, serve the DataAPI.
package main

import (
	"os"

	"github.com/strata-metrics/strata/cli"
)

func main() { os.Exit(cli.Main(os.Args[1:], os.Stdin, os.Stdout, os.Stderr)) }
