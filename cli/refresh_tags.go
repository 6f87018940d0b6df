package cli

import (
	"context"
	"fmt"
	"text/tabwriter"
	"time"

	"github.com/strata-metrics/strata/service"
)

// splitTagArgs separates tag names from rollup names; onlyTags is set when
// names were given and all of them are tags.
func splitTagArgs(w *service.Project, args []string) (rollups, tags []string, onlyTags bool) {
	isTag := map[string]bool{}
	for _, t := range w.Materializer().TagNames() {
		isTag[t] = true
	}
	for _, a := range args {
		if isTag[a] {
			tags = append(tags, a)
		} else {
			rollups = append(rollups, a)
		}
	}
	return rollups, tags, len(args) > 0 && len(rollups) == 0
}

// refreshTags builds tags (all when names is empty) and prints one line each.
func (e *env) refreshTags(ctx context.Context, w *service.Project, names []string) error {
	if len(w.Project.Tags) == 0 {
		return nil
	}
	results, err := w.Materializer().RefreshTags(ctx, names, nil)
	if err != nil {
		return fail("%v", err)
	}
	tw := tabwriter.NewWriter(e.stdout, 2, 4, 2, ' ', 0)
	failed := 0
	for _, r := range results {
		if r.Err != nil {
			failed++
			fmt.Fprintf(tw, "tag %s\tFAILED\t%v\n", r.Name, r.Err)
			continue
		}
		fmt.Fprintf(tw, "tag %s\t%d ids\t%s\tas of %s\n", r.Name, r.Members, r.Duration.Round(time.Millisecond), r.AsOf)
	}
	tw.Flush()
	if failed > 0 {
		return fail("%d of %d tags failed to build; the previous versions keep serving", failed, len(results))
	}
	return nil
}
