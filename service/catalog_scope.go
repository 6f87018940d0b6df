package service

// Allowed is the catalog as a key that may read only the given metrics sees
// it: the other metrics are left out. nil allows every metric.
func (c *Catalog) Allowed(metrics []string) *Catalog {
	if metrics == nil {
		return c
	}
	ok := map[string]bool{}
	for _, m := range metrics {
		ok[m] = true
	}
	out := *c
	out.Metrics = nil
	for _, m := range c.Metrics {
		if ok[m.Name] {
			out.Metrics = append(out.Metrics, m)
		}
	}
	out.Wide = nil
	for _, w := range c.Wide {
		cp := w
		cp.Metrics = nil
		for _, m := range w.Metrics {
			if ok[m] {
				cp.Metrics = append(cp.Metrics, m)
			}
		}
		out.Wide = append(out.Wide, cp)
	}
	return &out
}
