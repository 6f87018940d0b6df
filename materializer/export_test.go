package materializer

import (
	"context"

	"github.com/RoaringBitmap/roaring/v2"

	"github.com/strata-metrics/strata/compiler/audience"
)

// WriteTagForTest writes computed sets as a build of the tag would, for the
// tag store's golden tests; part sets how many ids one load statement of a
// StarRocks or Doris version carries.
func (m *Materializer) WriteTagForTest(ctx context.Context, d *audience.TagDef, sets map[string]*roaring.Bitmap, part int) TagResult {
	defer func(p int) { olapTagPart = p }(olapTagPart)
	olapTagPart = part
	return m.buildSets(ctx, d.Tag.Name, d.Kind, d.Scope, d.Hash, func() (map[string]*roaring.Bitmap, string, error) {
		return sets, "", nil
	})
}
