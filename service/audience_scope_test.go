package service_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/strata-metrics/strata/compiler/plan"
	"github.com/strata-metrics/strata/service"
)

// TestScopedAudienceRefusesUnreachableScope checks that a key limited by a
// field its audiences' entity does not reach is refused with a message
// naming the field, rather than answered over the whole population.
func TestScopedAudienceRefusesUnreachableScope(t *testing.T) {
	_, s := bankService(t)
	sc := &plan.Scope{Key: "app_team", Where: "channels.name = 'app'"}
	_, err := s.Evaluate(context.Background(), &service.AudienceRequest{Expr: "high_value", Scope: sc})
	var ae *service.AudienceError
	if !errors.As(err, &ae) || ae.Code != "forbidden-scope" || !strings.Contains(ae.Msg, "channels.name") || !strings.Contains(ae.Msg, "app_team") {
		t.Fatalf("evaluate: %v", err)
	}
	if _, _, _, err := s.MembersIn(context.Background(), "high_value", sc); !errors.As(err, &ae) || ae.Code != "forbidden-scope" {
		t.Fatalf("members: %v", err)
	}
}
