package cli

import (
	"fmt"
	"io"
	"text/tabwriter"
	"time"

	"github.com/strata-metrics/strata/materializer"
)

// writeTagStatus prints the tags' table of `strata status`, after the
// rollups'.
func writeTagStatus(out io.Writer, tags []materializer.TagStatus) error {
	if len(tags) == 0 {
		return nil
	}
	fmt.Fprintln(out)
	tw := tabwriter.NewWriter(out, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "TAG\tKIND\tSTATE\tMEMBERS\tBUILT\tAS OF\tSLA\tCRON\tNEXT RUN\tTOOK\tERROR")
	for _, t := range tags {
		built, next, sla, cron := "-", "-", "-", "-"
		if !t.BuiltAt.IsZero() {
			built = time.Since(t.BuiltAt).Round(time.Second).String() + " ago"
		}
		if !t.NextRun.IsZero() {
			next = t.NextRun.Local().Format(time.DateTime)
		}
		if t.FreshnessSLA != "" {
			sla = t.FreshnessSLA
		}
		if t.Cron != "" {
			cron = t.Cron
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%s\t%s\t%s\t%s\t%s\t%.0fms\t%s\n", t.Name, t.Kind, t.State, t.Members, built, t.AsOf, sla, cron, next, t.DurationMS, t.LastError)
	}
	return tw.Flush()
}
