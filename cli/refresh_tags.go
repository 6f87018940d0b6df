package cli

import (
	"fmt"
	"text/tabwriter"
	"time"

	"github.com/strata-metrics/strata/service"
)

// printRefresh writes a refresh report, one line per rollup and per tag, and
// fails when a build failed. It prints a local refresh and a running
// server's alike, so both read the same.
func (e *env) printRefresh(rep *service.RefreshReport) error {
	tw := tabwriter.NewWriter(e.stdout, 2, 4, 2, ' ', 0)
	for _, r := range rep.Rollups {
		if msg := failure(r.Error, r.Err); msg != "" {
			fmt.Fprintf(tw, "%s\tFAILED\t%s\n", r.Name, msg)
			continue
		}
		if r.From != "" {
			// Built from a finer rollup (the lattice), not the raw tables.
			fmt.Fprintf(tw, "%s\t%d rows\t%s\tfrom %s\n", r.Name, r.Rows, r.Duration.Round(time.Millisecond), r.From)
			continue
		}
		fmt.Fprintf(tw, "%s\t%d rows\t%s\n", r.Name, r.Rows, r.Duration.Round(time.Millisecond))
	}
	tw.Flush()
	if n := rep.RollupFailures(); n > 0 {
		return fail("%d of %d rollups failed to build; the previous versions keep serving", n, len(rep.Rollups))
	}
	tw = tabwriter.NewWriter(e.stdout, 2, 4, 2, ' ', 0)
	for _, r := range rep.Tags {
		if msg := failure(r.Error, r.Err); msg != "" {
			fmt.Fprintf(tw, "tag %s\tFAILED\t%s\n", r.Name, msg)
			continue
		}
		// A tag computed in a batch took the batch's time: say it was shared.
		batch := ""
		if r.Batch > 1 {
			batch = fmt.Sprintf("batch of %d", r.Batch)
		}
		fmt.Fprintf(tw, "tag %s\t%d ids\t%s\t%s\tas of %s\n", r.Name, r.Members, r.Duration.Round(time.Millisecond), batch, r.AsOf)
	}
	tw.Flush()
	if n := rep.TagFailures(); n > 0 {
		return fail("%d of %d tags failed to build; the previous versions keep serving", n, len(rep.Tags))
	}
	return nil
}

// failure is a build's error as printed: its text with the project's paths
// made relative, as the report sent over HTTP holds it.
func failure(text string, err error) string {
	if text == "" && err != nil {
		return err.Error()
	}
	return text
}
